import CoreMetrics
import CurlHTTP
import HireLedgerCore
import Logging
import Synchronization

/// The transport webhook deliveries go through in `serve` and `deliver`: it passes each request on to
/// `base` and records the attempt.
///
/// - Metrics (through `metrics`): `hireledger_webhook_requests_total{outcome}` and
///   `hireledger_webhook_request_duration_seconds{outcome}` (a histogram with a Prometheus backend),
///   `outcome` being the status class (`2xx` ... `5xx`) or `error` (no response).
/// - Logs: every failed attempt (no 2xx) as a warning with the URL reduced to its origin (`WebhookURL.originOnly`), the
///   `webhook-id` (the event ids), the status or the transport error's kind and libcurl's words, and
///   the duration; successes at debug. Never the body (candidate data), the signatures or secrets.
public final class ObservedWebhookTransport: HTTPTransport {
    public static let requestsMetric = "hireledger_webhook_requests_total"
    public static let durationMetric = "hireledger_webhook_request_duration_seconds"

    private let base: any HTTPTransport
    private let logger: Logger
    private let metrics: any MetricsFactory
    private let counts = Mutex([String: Int]())

    public init(base: any HTTPTransport, logger: Logger, metrics: any MetricsFactory = NOOPMetricsHandler.instance) {
        self.base = base
        self.logger = logger
        self.metrics = metrics
    }

    /// Requests sent so far by outcome (`2xx`, `3xx`, `4xx`, `5xx`, `error`).
    public var requestCounts: [String: Int] { counts.withLock { $0 } }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let start = ContinuousClock.now
        do {
            let response = try await base.send(request)
            let outcome = (100...599).contains(response.status) ? "\(response.status / 100)xx" : "error"
            record(outcome, request, since: start, details: ["status": .stringConvertible(response.status)])
            return response
        } catch {
            var details: Logger.Metadata = [:]
            if let transportError = error as? HTTPTransportError {
                details["error"] = .string(transportError.kind.rawValue)
                details["detail"] = .string(transportError.detail)
            } else {
                details["error"] = .string(error is CancellationError ? "cancelled" : String(describing: type(of: error)))
            }
            record("error", request, since: start, details: details)
            throw error
        }
    }

    private func record(_ outcome: String, _ request: HTTPRequest, since start: ContinuousClock.Instant, details: Logger.Metadata) {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        counts.withLock { $0[outcome, default: 0] += 1 }
        Counter(label: Self.requestsMetric, dimensions: [("outcome", outcome)], factory: metrics).increment()
        Timer(label: Self.durationMetric, dimensions: [("outcome", outcome)], factory: metrics).recordNanoseconds(nanoseconds)
        var metadata = details
        metadata["url"] = .string(WebhookURL.originOnly(request.url))
        metadata["webhook_id"] = .string(request.headers.first { $0.name.lowercased() == "webhook-id" }?.value ?? "-")
        metadata["outcome"] = .string(outcome)
        metadata["duration_ms"] = .stringConvertible(nanoseconds / 1_000_000)
        if outcome == "2xx" {
            logger.debug("webhook delivered", metadata: metadata)
        } else {
            logger.warning("webhook delivery attempt failed", metadata: metadata)
        }
    }
}
