/// What the simulator answers to one request, before any socket is involved.
public struct SimulatorResponse: Sendable {
    /// How the transport should misbehave when sending this response.
    public enum TransportFault: Sendable, Equatable {
        /// Close the connection without sending anything.
        case reset
        /// Send the status line, headers (with the full `Content-Length`) and only this many body bytes, then close.
        case truncate(afterBytes: Int)
    }

    public var status: Int
    /// Response headers in sending order; names are lower-case.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public var transportFault: TransportFault?
    /// Wait this long (real milliseconds) before sending; set by the `slow` fault.
    public var delayMillis: Int

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8],
                transportFault: TransportFault? = nil, delayMillis: Int = 0) {
        self.status = status
        self.headers = headers
        self.body = body
        self.transportFault = transportFault
        self.delayMillis = delayMillis
    }

    /// The value of the first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let n = name.lowercased()
        return headers.first { $0.name == n }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
