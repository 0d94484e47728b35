import HireLedger

/// Names of the metrics recorded through swift-metrics (the ones set at scrape time are named where
/// they are described).
public enum MetricNames {
    public static let httpRequests = "hireledger_http_requests_total"
    public static let httpRequestDuration = "hireledger_http_request_duration_seconds"
    public static let webhookRequests = "hireledger_webhook_requests_total"
    public static let webhookRequestDuration = "hireledger_webhook_request_duration_seconds"
    public static let syncDuration = SyncOutcomeLog.durationMetric
    public static let syncRuns = SyncOutcomeLog.runsMetric
    public static let eventsAppended = SyncOutcomeLog.eventsAppendedMetric
}

extension Duration {
    /// Whole nanoseconds (what swift-metrics timers record).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }
}
