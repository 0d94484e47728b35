import HireLedgerCore
import Hummingbird

/// The representation a view request asks for: `format=json|csv` in the query, else the `Accept`
/// header (`text/csv` picks CSV; JSON otherwise). A format the view cannot give is a 400 (query) or
/// 406 (Accept), never a silent fallback.
enum ViewFormat: String, CaseIterable {
    case json, csv

    static func of(_ request: Request, _ q: QueryParameters) throws(APIProblem) -> ViewFormat {
        if let f = q["format"] {
            guard let v = ViewFormat(rawValue: f) else {
                throw APIProblem.badParameter("format", "format is json or csv; got '\(f)'.")
            }
            return v
        }
        guard let accept = request.headers[.accept]?.lowercased() else { return .json }
        let types = accept.split(separator: ",").map { ($0.split(separator: ";").first ?? "").trimmingWhitespace() }
        if types.contains("text/csv") { return .csv }
        if types.isEmpty || types.contains(where: { ["application/json", "application/*", "*/*", "application/problem+json"].contains($0) }) {
            return .json
        }
        throw APIProblem(.notAcceptable, "Not acceptable",
                         detail: "This view is served as application/json or text/csv (or format=json|csv); Accept asked for \(accept).")
    }

    /// The response for `json` or `csv`, with a download file name for CSV.
    static func respond(_ format: ViewFormat, json: @autoclosure () -> JSONValue, csv: @autoclosure () -> CSVTable,
                        name: String) -> Response {
        switch format {
        case .json:
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: json().canonicalBytes())))
        case .csv:
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8; header=present",
                                                   .contentDisposition: "attachment; filename=\"\(name).csv\""],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: csv().text)))
        }
    }
}
