import AshbyAPI
import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerServer
import Testing

/// `/metrics` says which entity types the last sync skipped for want of a permission.
struct SkippedTypesMetricsTests {
    @Test func metricsListTheTypesTheLastSyncSkipped() throws {
        let path = NSTemporaryDirectory() + "hl-metrics-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try LedgerStore.open(directory: path, now: Timestamp(millisecondsSinceEpoch: 1_780_000_000_000))
        let metrics = ServerMetrics()
        #expect(metrics.render(store: store).contains("hireledger_sync_skipped_types 0"))
        let skip = SkippedType(entityType: "offers", permission: .offersRead, at: Timestamp(millisecondsSinceEpoch: 1_780_000_000_000))
        try store.setCheckpoints([CheckpointWrite(key: "skip/offers", value: skip.json.canonicalBytes())])
        let text = metrics.render(store: store)
        #expect(text.contains("hireledger_sync_skipped_types 1"))
        #expect(text.contains("hireledger_sync_skipped_types{entity_type=\"offers\",permission=\"offers:read\"} 1"))
    }
}
