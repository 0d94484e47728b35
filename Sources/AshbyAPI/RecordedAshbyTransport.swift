import CurlHTTP
import HireLedgerCore
import Synchronization

/// An in-memory `HTTPTransport` that plays Ashby from scripted replies: the recorded real responses in
/// `shared/reference/ashby-recorded/` plus pages and faults a test adds. The test double for the
/// client and for anything built on it (the sync service), with no sockets.
///
/// Matching: a request is answered by the script registered for its URL path and JSON body (compared
/// as canonical JSON, so key order and whitespace do not matter), or for its path with `body: nil`
/// (any body). Replies of one script are served in order; the last one repeats. Unmatched requests
/// throw `RecordedAshbyTransport.Unmatched`, which names the request and the scripted bodies.
///
/// Optionally checks credentials like Ashby: with `acceptedKeys` set, a request without Basic auth
/// gets 401 and one with another key gets 403.
///
/// Every request is logged (`requests`) for assertions. Thread-safe.
public final class RecordedAshbyTransport: HTTPTransport, Sendable {
    /// A scripted answer.
    public enum Reply: Sendable {
        /// A response with a JSON body.
        case json(JSONValue, status: Int = 200, headers: [(name: String, value: String)] = [])
        /// A response with raw bytes (for truncated or non-JSON bodies).
        case raw([UInt8], status: Int, headers: [(name: String, value: String)] = [])
        /// No response: `send` throws this error.
        case failure(any Error)
    }

    /// A request as the double received it.
    public struct ReceivedRequest: Sendable {
        public var path: String
        /// The parsed body (`.null` when it was not JSON).
        public var body: JSONValue
        public var headers: [(name: String, value: String)]
        public var rawBody: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    /// Thrown for a request no script matches.
    public struct Unmatched: Error, CustomStringConvertible {
        public var path: String
        public var body: String
        public var scriptedBodies: [String]
        public var description: String {
            "RecordedAshbyTransport has no reply for POST \(path) with body \(body); scripted bodies for this path: "
                + (scriptedBodies.isEmpty ? "none" : scriptedBodies.joined(separator: " | "))
        }
    }

    /// Thrown by `load(recordingAt:)` for a file that is not in the recordings' format.
    public struct RecordingFormatError: Error, CustomStringConvertible {
        public var path: String
        public var problem: String
        public var description: String { "\(path) is not an Ashby recording: \(problem)" }
    }

    private struct Script {
        var path: String
        var body: JSONValue?
        var replies: [Reply]
        var served = 0
    }

    private struct State {
        var scripts: [Script] = []
        var requests: [ReceivedRequest] = []
    }

    private let state = Mutex(State())
    /// Basic-auth user names accepted; nil accepts any request.
    public let acceptedKeys: Set<String>?

    public init(acceptedKeys: Set<String>? = nil) {
        self.acceptedKeys = acceptedKeys
    }

    /// Adds replies for `path` (e.g. `/application.list`) and `body` (nil: any body). The first
    /// matching script wins, so add specific bodies before catch-alls.
    public func on(_ path: String, body: JSONValue? = nil, reply replies: Reply...) {
        on(path, body: body, replies: replies)
    }

    public func on(_ path: String, body: JSONValue? = nil, replies: [Reply]) {
        precondition(!replies.isEmpty, "a script needs at least one reply")
        state.withLock { $0.scripts.append(Script(path: path, body: body, replies: replies)) }
    }

    /// Loads one recording file (`{"post": {"/<endpoint>": REC or [REC, ...]}}`, REC =
    /// `{request: {data}, response, status, headers}`), scripting each call under its path and request
    /// body. Several recorded calls with the same path and body are served in recording order.
    public func load(recordingAt path: String) throws {
        let bytes: [UInt8]
        do { bytes = try FileAccess.read(path) } catch {
            throw RecordingFormatError(path: path, problem: error.description)
        }
        let document = try JSONValue.parse(bytes)
        guard let post = document["post"]?.objectValue else {
            throw RecordingFormatError(path: path, problem: "no top-level \"post\" object")
        }
        for member in post {
            let records = member.value.arrayValue ?? [member.value]
            for record in records {
                guard let response = record["response"] else {
                    throw RecordingFormatError(path: path, problem: "a call to \(member.key) has no response")
                }
                let body = record["request"]?["data"] ?? [:]
                let status = record["status"]?.intValue ?? 200
                let headers = record["headers"]?.objectValue?.compactMap { m in m.value.stringValue.map { (name: m.key, value: $0) } } ?? []
                let reply = Reply.json(response, status: status, headers: headers)
                state.withLock { s in
                    let canonical = body.canonicalBytes()
                    if let i = s.scripts.firstIndex(where: { $0.path == member.key && $0.body?.canonicalBytes() == canonical }) {
                        s.scripts[i].replies.append(reply)
                    } else {
                        s.scripts.append(Script(path: member.key, body: body, replies: [reply]))
                    }
                }
            }
        }
    }

    /// Every request received so far, in order.
    public var requests: [ReceivedRequest] { state.withLock { $0.requests } }

    /// The requests received for one path.
    public func requests(to path: String) -> [ReceivedRequest] { requests.filter { $0.path == path } }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let path = RecordedAshbyTransport.path(of: request.url)
        let body = (try? JSONValue.parse(request.body)) ?? .null
        let received = ReceivedRequest(path: path, body: body, headers: request.headers, rawBody: request.body)
        let reply: Reply = try state.withLock { s in
            s.requests.append(received)
            if let denied = authenticate(received) { return denied }
            let canonical = body.canonicalBytes()
            guard let i = s.scripts.firstIndex(where: { $0.path == path && ($0.body == nil || $0.body!.canonicalBytes() == canonical) }) else {
                throw Unmatched(path: path, body: body.canonicalString,
                                scriptedBodies: s.scripts.filter { $0.path == path }.map { $0.body?.canonicalString ?? "(any)" })
            }
            let index = min(s.scripts[i].served, s.scripts[i].replies.count - 1)
            s.scripts[i].served += 1
            return s.scripts[i].replies[index]
        }
        switch reply {
        case .json(let value, let status, let headers):
            return HTTPResponse(status: status, headers: headers + [("content-type", "application/json; charset=utf-8")],
                                body: value.canonicalBytes())
        case .raw(let bytes, let status, let headers):
            return HTTPResponse(status: status, headers: headers, body: bytes)
        case .failure(let error):
            throw error
        }
    }

    private func authenticate(_ request: ReceivedRequest) -> Reply? {
        guard let acceptedKeys else { return nil }
        guard let header = request.header("Authorization"), header.hasPrefix("Basic ") else {
            return .raw(Array("Unauthorized: no API key".utf8), status: 401)
        }
        let accepted = acceptedKeys.contains { key in
            (try? APIKey(key))?.authorizationHeaderValue == header
        }
        return accepted ? nil : .json(
            ["success": false, "errors": ["invalid_api_key"],
             "errorInfo": ["code": "invalid_api_key", "message": "Invalid or deactivated API key"]],
            status: 403)
    }

    /// `/application.list` from `http://host:port/application.list?x`.
    static func path(of url: String) -> String {
        var rest = Substring(url)
        if let scheme = rest.firstRange(of: "://") { rest = rest[scheme.upperBound...] }
        guard let slash = rest.firstIndex(of: "/") else { return "/" }
        let path = rest[slash...]
        return String(path.prefix { $0 != "?" && $0 != "#" })
    }
}
