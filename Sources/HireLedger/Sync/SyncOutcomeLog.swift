import CoreMetrics
import HireLedgerCore
import Logging

/// How a sync's outcome is recorded for whoever runs syncs unattended (cron, a scheduler): one
/// structured log line per sync, and swift-metrics figures through the factory the process uses.
///
/// The line: `sync finished` (info) with `outcome=succeeded`, the entity types, passes, pages, records,
/// events appended and the duration; or `sync failed` (error) with `outcome=failed` (or `cancelled`),
/// the error's description and the duration. Metadata are counts, entity type names and positions:
/// never record contents (candidates' personal data) nor the API key (errors carry it redacted).
/// Metrics: `hireledger_sync_duration_seconds{outcome}` (a histogram with a Prometheus backend),
/// `hireledger_sync_runs_total{outcome}` and `hireledger_events_appended_total`.
public enum SyncOutcomeLog {
    public static let durationMetric = "hireledger_sync_duration_seconds"
    public static let runsMetric = "hireledger_sync_runs_total"
    public static let eventsAppendedMetric = "hireledger_events_appended_total"

    /// Records a finished sync.
    public static func succeeded(_ report: SyncReport, seconds: Double, logger: Logger,
                                 metrics: any MetricsFactory = NOOPMetricsHandler.instance) {
        var metadata: Logger.Metadata = [
            "outcome": "succeeded",
            "duration_s": .string(format3(seconds)),
            "entity_types": .string(report.runs.map(\.entityType).joined(separator: ",")),
            "passes": .stringConvertible(report.runs.count),
            "full_passes": .stringConvertible(report.runs.filter { $0.mode == .full }.count),
            "pages": .stringConvertible(report.runs.reduce(0) { $0 + $1.pages }),
            "records": .stringConvertible(report.runs.reduce(0) { $0 + $1.records }),
            "tombstones": .stringConvertible(report.runs.reduce(0) { $0 + $1.tombstones }),
            "events_appended": .stringConvertible(report.appendedEvents),
        ]
        if report.appendedEvents > 0 {
            metadata["first_seq"] = .stringConvertible(report.firstPosition.value)
            metadata["last_seq"] = .stringConvertible(report.lastPosition.value)
        }
        logger.info("sync finished", metadata: metadata)
        record(outcome: "succeeded", seconds: seconds, metrics: metrics)
        Counter(label: eventsAppendedMetric, dimensions: [], factory: metrics).increment(by: report.appendedEvents)
    }

    /// Records a sync that ended with `error` (`CancellationError`: cancelled).
    public static func failed(_ error: any Error, seconds: Double, logger: Logger,
                              metrics: any MetricsFactory = NOOPMetricsHandler.instance) {
        let outcome = error is CancellationError ? "cancelled" : "failed"
        logger.error("sync failed", metadata: [
            "outcome": .string(outcome),
            "duration_s": .string(format3(seconds)),
            "error": .string(String(describing: error)),
        ])
        record(outcome: outcome, seconds: seconds, metrics: metrics)
    }

    private static func record(outcome: String, seconds: Double, metrics: any MetricsFactory) {
        Timer(label: durationMetric, dimensions: [("outcome", outcome)], factory: metrics)
            .recordNanoseconds(Int64((seconds * 1e9).rounded()))
        Counter(label: runsMetric, dimensions: [("outcome", outcome)], factory: metrics).increment()
    }

    private static func format3(_ seconds: Double) -> String {
        let ms = Int64((seconds * 1000).rounded())
        let frac = String(ms % 1000)
        return "\(ms / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
    }
}

extension SyncService {
    /// `sync(options)`, with its outcome recorded by `SyncOutcomeLog` (a log line through `logger`,
    /// figures through `metrics`). Throws what `sync` throws, after recording it.
    @discardableResult
    public func sync(_ options: SyncOptions = SyncOptions(), logger: Logger,
                     metrics: any MetricsFactory = NOOPMetricsHandler.instance) async throws -> SyncReport {
        let start = ContinuousClock.now
        func elapsed() -> Double {
            let (s, atto) = (ContinuousClock.now - start).components
            return Double(s) + Double(atto) / 1e18
        }
        do {
            let report = try await sync(options)
            SyncOutcomeLog.succeeded(report, seconds: elapsed(), logger: logger, metrics: metrics)
            return report
        } catch {
            SyncOutcomeLog.failed(error, seconds: elapsed(), logger: logger, metrics: metrics)
            throw error
        }
    }
}
