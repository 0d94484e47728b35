import HireLedgerCore
import Hummingbird

/// An error answered as an RFC 9457 problem document (`application/problem+json`):
/// `{type, title, status, detail, parameter?}`. `parameter` names the query parameter, path segment
/// or body member that was wrong, so a client can point at it.
public struct APIProblem: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String
    public var parameter: String?
    public var extraHeaders: HTTPFields

    public init(_ status: HTTPResponse.Status, _ title: String, detail: String, parameter: String? = nil,
                headers: HTTPFields = [:]) {
        self.status = status
        self.title = title
        self.detail = detail
        self.parameter = parameter
        self.extraHeaders = headers
    }

    /// 400 for a bad query parameter.
    public static func badParameter(_ name: String, _ detail: String) -> APIProblem {
        APIProblem(.badRequest, "Invalid parameter", detail: detail, parameter: name)
    }

    /// 400 for a bad member of a JSON request body.
    public static func badMember(_ name: String, _ detail: String) -> APIProblem {
        APIProblem(.badRequest, "Invalid body", detail: detail, parameter: name)
    }

    public static func notFound(_ detail: String) -> APIProblem { APIProblem(.notFound, "Not found", detail: detail) }

    public var headers: HTTPFields { extraHeaders }

    public var json: JSONValue {
        var o: JSONObject = ["type": "about:blank", "title": .string(title), "status": JSONValue(status.code),
                             "detail": .string(detail)]
        if let parameter { o["parameter"] = .string(parameter) }
        return .object(o)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = extraHeaders
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: json.canonicalBytes())))
    }
}
