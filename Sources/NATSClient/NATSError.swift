/// Why a NATS or JetStream operation failed. Every message says what went wrong and what to do, and
/// none carries a credential (server addresses are shown through `NATSURL.redacted`).
public enum NATSError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The URL given could not be used.
    case invalidURL(String)
    /// No TCP connection could be made (refused, no route, name not resolved, timed out).
    case unreachable(server: String, detail: String)
    /// The server refused the credentials (`-ERR 'Authorization Violation'` or similar).
    case authorizationFailed(server: String, detail: String)
    /// The server sent something that is not the NATS protocol, or an `-ERR` outside of authorization.
    case protocolError(server: String, detail: String)
    /// The connection closed or broke while in use; requests in flight got no answer.
    case connectionLost(server: String, detail: String)
    /// No reply within the time allowed.
    case timedOut(what: String, seconds: Double)
    /// Nobody listens on the subject (a 503 status from the server): for JetStream, no stream captures it,
    /// or JetStream is not enabled on the server.
    case noResponders(subject: String)
    /// The JetStream API answered with an error.
    case jetStream(code: Int, errorCode: Int, description: String)
    /// A payload larger than the server's `max_payload`.
    case payloadTooLarge(size: Int, limit: Int)

    public var description: String {
        switch self {
        case .invalidURL(let s): "invalid NATS URL: \(s)"
        case .unreachable(let server, let detail):
            "cannot reach the NATS server at \(server): \(detail). Check that nats-server runs there (with -js for JetStream) and that the address and port are right."
        case .authorizationFailed(let server, let detail):
            "the NATS server at \(server) refused the credentials (\(detail)). Check the user/password or token in the URL."
        case .protocolError(let server, let detail):
            "the NATS server at \(server) answered unexpectedly: \(detail)"
        case .connectionLost(let server, let detail):
            "the connection to the NATS server at \(server) was lost: \(detail)"
        case .timedOut(let what, let seconds):
            "no answer to \(what) within \(seconds) s"
        case .noResponders(let subject):
            "no responders for '\(subject)': nothing on the NATS server answers it (is JetStream enabled, nats-server -js, and does a stream capture this subject?)"
        case .jetStream(let code, let errorCode, let description):
            "JetStream error \(code)/\(errorCode): \(description)"
        case .payloadTooLarge(let size, let limit):
            "a message of \(size) bytes is larger than the server's max_payload (\(limit) bytes); raise max_payload in the server's configuration"
        }
    }

    /// True when trying again later (after reconnecting) may succeed: the server was away or slow.
    public var isTransient: Bool {
        switch self {
        case .unreachable, .connectionLost, .timedOut: true
        case .jetStream(let code, _, _): code == 503 || code == 408
        default: false
        }
    }
}
