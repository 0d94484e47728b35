/// `HTTPTransport` on libcurl: HTTP/1.1 and HTTP/2 (TLS via ALPN), gzip/deflate/br/zstd decoded
/// transparently, keep-alive connections reused across requests, connect/total/low-speed timeouts,
/// TCP keepalive, and prompt cancellation.
///
/// All requests of one transport go through a single libcurl multi handle driven by a dedicated OS
/// thread (see `CurlDriver`), so `send` never blocks a thread of Swift's cooperative pool and any
/// number of tasks may call it concurrently. Create one transport and keep it for the life of the
/// process (connections are pooled per transport); dropping the last reference shuts the driver
/// thread down and closes its connections.
///
/// Errors: no response → `HTTPTransportError` (kind, libcurl code and text, method and URL without
/// credentials); task cancelled → `CancellationError`. An HTTP error status is a normal `HTTPResponse`.
/// Redirects are not followed unless `Configuration.followRedirects` is set; only http and https URLs
/// are accepted.
public final class CurlTransport: HTTPTransport {
    /// Limits and connection settings shared by every request of a transport.
    public struct Configuration: Sendable {
        /// Seconds allowed for DNS + TCP connect + TLS handshake.
        public var connectTimeout: Double
        /// Seconds allowed for a whole exchange when the request sets no `timeout`; nil: no limit
        /// (then rely on the low-speed limit).
        public var timeout: Double?
        /// Abort a transfer slower than `lowSpeedLimitBytesPerSecond` for `lowSpeedTimeSeconds`
        /// (0 disables). Catches stalled connections on long downloads without capping their length.
        public var lowSpeedLimitBytesPerSecond: Int
        public var lowSpeedTimeSeconds: Int
        /// Idle seconds before TCP keepalive probes start (and between probes).
        public var tcpKeepAliveIdleSeconds: Int
        /// At most this many simultaneous connections to one host; more requests queue inside libcurl.
        public var maximumConnectionsPerHost: Int
        /// A larger decoded response body fails with `.responseTooLarge` instead of exhausting memory.
        public var maximumResponseBytes: Int
        /// Sent as `User-Agent` unless nil (libcurl then sends none).
        public var userAgent: String?
        /// PEM bundle of trusted CAs instead of the system store (for private CAs and test servers).
        public var caInfoPath: String?
        /// Follow up to 5 redirects (http/https only). Off by default: the APIs this project calls are
        /// POST endpoints, where a redirect is a misconfiguration worth surfacing.
        public var followRedirects: Bool
        /// Vets every address a connection is about to be made to (after DNS, before `connect`; also
        /// for each address tried and each redirect): given the IP address (4 bytes IPv4 or 16 bytes
        /// IPv6, network order), returns why it is refused, or nil to allow it. A refused request fails
        /// with `HTTPTransportError.Kind.addressRefused` carrying that reason. With a guard set,
        /// proxies from the environment are not used (the guard must see the receiver's address) and
        /// non-IP sockets are refused. nil: every address is allowed.
        public var connectGuard: (@Sendable (_ address: [UInt8]) -> String?)?

        public init(connectTimeout: Double = 10, timeout: Double? = 60,
                    lowSpeedLimitBytesPerSecond: Int = 1, lowSpeedTimeSeconds: Int = 30,
                    tcpKeepAliveIdleSeconds: Int = 60, maximumConnectionsPerHost: Int = 8,
                    maximumResponseBytes: Int = 512 << 20, userAgent: String? = "HireLedger",
                    caInfoPath: String? = nil, followRedirects: Bool = false,
                    connectGuard: (@Sendable (_ address: [UInt8]) -> String?)? = nil) {
            self.connectTimeout = connectTimeout
            self.timeout = timeout
            self.lowSpeedLimitBytesPerSecond = lowSpeedLimitBytesPerSecond
            self.lowSpeedTimeSeconds = lowSpeedTimeSeconds
            self.tcpKeepAliveIdleSeconds = tcpKeepAliveIdleSeconds
            self.maximumConnectionsPerHost = maximumConnectionsPerHost
            self.maximumResponseBytes = maximumResponseBytes
            self.userAgent = userAgent
            self.caInfoPath = caInfoPath
            self.followRedirects = followRedirects
            self.connectGuard = connectGuard
        }
    }

    /// Counters since the transport was created.
    public struct Statistics: Sendable, Equatable {
        /// Transfers libcurl finished, successfully or not (cancelled ones are not counted).
        public var requestsCompleted = 0
        /// Of those, the ones that ended in a transport error.
        public var requestsFailed = 0
        /// New TCP connections opened (libcurl's CURLINFO_NUM_CONNECTS summed); requests minus this is
        /// roughly the number served on a reused connection.
        public var connectionsOpened = 0

        public init() {}
    }

    public let configuration: Configuration
    private let driver: CurlDriver

    /// Starts the driver thread. Throws only when libcurl or the thread cannot be set up (out of memory
    /// or thread limit).
    public init(configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        driver = try CurlDriver(configuration: configuration)
    }

    deinit {
        driver.stop()
    }

    /// Counters since creation; cheap (one mutex).
    public var statistics: Statistics { driver.currentStatistics }

    /// Sends one request and returns the final response, whatever its status.
    ///
    /// Suspends without blocking a thread. A `POST` (or any request with a body) sends `body` with a
    /// `Content-Length`; libcurl's default `Content-Type` and `Expect: 100-continue` are suppressed, so
    /// set `Content-Type` yourself. `Accept-Encoding` is set by the transport; the body returned is
    /// decoded. Throws `HTTPTransportError` when no response arrived and `CancellationError` when the
    /// calling task was cancelled (the transfer and its connection are dropped at once).
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try Task.checkCancellation()
        let transfer = try CurlTransfer(request: request, configuration: configuration)
        let driver = self.driver
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.continuation = continuation
                driver.submit(transfer)
            }
        } onCancel: {
            driver.cancel(transfer)
        }
    }
}
