import HireLedgerCore

/// How `LedgerServer` listens and streams.
public struct ServerOptions: Sendable {
    /// Address to bind; loopback (`127.0.0.1`, `::1`, `localhost`) unless a token file is given.
    public var host: String
    /// TCP port; 0 picks a free one (see `LedgerServer.run(onListening:)`).
    public var port: Int
    /// A token file named by the operator (`--token-file`); nil: `<store>/api-token`, created on first run.
    public var tokenFile: String?
    /// Seconds between SSE heartbeat comments on an idle stream.
    public var heartbeatSeconds: Int
    /// Milliseconds between checks of the log's last position (catches appends by other processes).
    public var pollMilliseconds: Int
    /// Source URI put in every CloudEvent (`urn:hireledger:store:<storeId>` when nil).
    public var eventSource: String?
    /// Which webhook hosts subscriptions may name and deliveries may connect to: `.publicOnly` unless
    /// the operator passed `--allow-private-webhooks`.
    public var webhookAddressPolicy: WebhookAddressPolicy

    public init(host: String = "127.0.0.1", port: Int = 8787, tokenFile: String? = nil, heartbeatSeconds: Int = 15,
                pollMilliseconds: Int = 250, eventSource: String? = nil, webhookAddressPolicy: WebhookAddressPolicy = .publicOnly) {
        self.host = host
        self.port = port
        self.tokenFile = tokenFile
        self.heartbeatSeconds = heartbeatSeconds
        self.pollMilliseconds = pollMilliseconds
        self.eventSource = eventSource
        self.webhookAddressPolicy = webhookAddressPolicy
    }

    /// Whether `host` names the loopback interface only.
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        return h == "localhost" || h == "::1" || h == "[::1]" || h.hasPrefix("127.")
    }

    /// Checks the rule that a server reachable from other machines uses a token the operator chose.
    /// - Throws: `ServerOptionsError` when binding beyond loopback without `tokenFile`, or when a
    ///   figure is out of range.
    public func validate() throws(ServerOptionsError) {
        if !ServerOptions.isLoopback(host) && tokenFile == nil {
            throw ServerOptionsError("refusing to listen on \(host): beyond loopback the API needs a token you manage. "
                + "Pass --token-file FILE (a file holding the bearer token, mode 0600), or keep the default --host 127.0.0.1.")
        }
        guard (0...65535).contains(port) else { throw ServerOptionsError("--port must be between 0 and 65535; got \(port).") }
        guard (1...3600).contains(heartbeatSeconds) else {
            throw ServerOptionsError("the heartbeat must be 1 to 3600 seconds; got \(heartbeatSeconds).")
        }
        guard (10...60_000).contains(pollMilliseconds) else {
            throw ServerOptionsError("the poll interval must be 10 to 60000 ms; got \(pollMilliseconds).")
        }
    }
}

/// Options that cannot work, with what to change.
public struct ServerOptionsError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
