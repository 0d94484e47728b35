/// An HTTP request as HireLedger sends it: everything the Ashby client and the webhook dispatcher need.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    /// Header lines in order; names are case-insensitive on the wire.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The whole exchange must finish within this many seconds (nil: the transport's default).
    public var timeout: Double?

    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [],
                body: [UInt8] = [], timeout: Double? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// A response: status, headers as received (last response of any redirect chain), and the decoded body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header named `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }
}

/// Sends HTTP requests. Implementations must not block the cooperative thread pool while waiting.
public protocol HTTPTransport: Sendable {
    /// Sends one request and returns the response, whatever its status. Throws `HTTPTransportError`
    /// when no response arrived (refused, reset, timed out, cancelled).
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}
