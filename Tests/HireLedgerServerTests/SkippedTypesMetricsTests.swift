import AshbyAPI
import Foundation
import HireLedger
import HireLedgerCore
@testable import HireLedgerServer
import Testing

/// `/metrics` says which entity types the last sync skipped for want of a permission.
struct SkippedTypesMetricsTests {
    @Test func metricsListTheTypesTheLastSyncSkipped() throws {
        let path = NSTemporaryDirectory() + "hl-metrics-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try LedgerStore.open(directory: path, now: Timestamp(millisecondsSinceEpoch: 1_780_000_000_000))
        let metrics = ServerMetrics()
        StoreMetrics.registerSkippedTypes(on: metrics, store: store)
        #expect(try metrics.render().contains("hireledger_sync_skipped_types 0"))
        let skip = SkippedType(entityType: "offers", permission: .offersRead, at: Timestamp(millisecondsSinceEpoch: 1_780_000_000_000))
        try store.setCheckpoints([CheckpointWrite(key: "skip/offers", value: skip.json.canonicalBytes())])
        let text = try metrics.render()
        #expect(text.contains("hireledger_sync_skipped_types 1"))
        #expect(text.contains("hireledger_sync_skipped_type{entity_type=\"offers\",permission=\"offers:read\"} 1"))
    }
}
