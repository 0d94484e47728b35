import HireLedger
import HireLedgerCore
import Synchronization

/// Counters behind `GET /metrics` (Prometheus text exposition format 0.0.4).
///
/// Exposed without authentication: the figures are counts and positions, never candidate data, and
/// scrapers rarely hold bearer tokens. The log's own figures are read from the store at scrape time.
public final class ServerMetrics: Sendable {
    private struct State {
        var requests: [String: Int] = [:]   // "route\u{0}method\u{0}status" → count
        var sseClients = 0
        var sseEventsSent = 0
    }
    private let state = Mutex(State())
    /// Extra exposition lines appended by other parts (e.g. webhook delivery counters); called per scrape.
    private let extra: Mutex<[@Sendable () -> String]> = Mutex([])

    public init() {}

    public func countRequest(route: String, method: String, status: Int) {
        state.withLock { $0.requests["\(route)\u{0}\(method)\u{0}\(status)", default: 0] += 1 }
    }

    public func sseConnected() { state.withLock { $0.sseClients += 1 } }
    public func sseDisconnected() { state.withLock { $0.sseClients -= 1 } }
    public func sseSent(_ n: Int) { state.withLock { $0.sseEventsSent += n } }

    /// SSE clients connected now.
    public var sseClients: Int { state.withLock { $0.sseClients } }

    /// Adds a source of exposition lines (each a complete `# HELP`/`# TYPE`/sample block).
    public func addSection(_ section: @escaping @Sendable () -> String) { extra.withLock { $0.append(section) } }

    /// The exposition text.
    public func render(store: LedgerStore) -> String {
        let s = state.withLock { $0 }
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, value) in samples { out += "\(name)\(labels) \(value)\n" }
        }
        let status = try? store.status()
        metric("hireledger_events_total", "gauge", "Events in the log.", [("", String(status?.eventCount ?? 0))])
        metric("hireledger_last_seq", "gauge", "Position of the last event in the log.", [("", String(status?.lastPosition.value ?? 0))])
        metric("hireledger_last_observed_timestamp_seconds", "gauge", "observedAt of the last event (Unix seconds).",
               [("", status?.lastObservedAt.map { String(Double($0.millisecondsSinceEpoch) / 1000) } ?? "0")])
        // Entity types the last sync skipped because the key lacks their permission (1 per type).
        let skipped = ((try? store.skippedTypes()) ?? [:]).values.sorted { $0.entityType < $1.entityType }
        metric("hireledger_sync_skipped_types", "gauge", "Entity types the last sync could not read (missing permission).",
               [("", String(skipped.count))] + skipped.map {
                   ("{entity_type=\"\($0.entityType)\",permission=\"\($0.permission?.scope ?? "unknown")\"}", "1")
               })
        metric("hireledger_sse_clients", "gauge", "Server-sent event streams open now.", [("", String(s.sseClients))])
        metric("hireledger_sse_events_sent_total", "counter", "Events written to SSE streams.", [("", String(s.sseEventsSent))])
        let requests = s.requests.sorted { $0.key < $1.key }.map { key, count -> (String, String) in
            let p = key.split(separator: "\u{0}", omittingEmptySubsequences: false)
            return ("{route=\"\(escape(p[0]))\",method=\"\(p[1])\",status=\"\(p[2])\"}", String(count))
        }
        metric("hireledger_http_requests_total", "counter", "HTTP requests by route template, method and status.", requests)
        for section in extra.withLock({ $0 }) { out += section() }
        return out
    }

    private func escape(_ s: Substring) -> String {
        var o = ""
        for c in s {
            switch c {
            case "\\": o += "\\\\"
            case "\"": o += "\\\""
            case "\n": o += "\\n"
            default: o.append(c)
            }
        }
        return o
    }
}
