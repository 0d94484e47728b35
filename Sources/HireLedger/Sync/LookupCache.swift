import HireLedgerCore

/// The classifier's view of the store inside a write transaction (see `LedgerStore.record`): the
/// batch's own earlier changes (`overlay`), then records read from the transaction (`records`);
/// anything else is noted in `misses` and answered nil for this round.
///
/// A reference type local to one write closure run, so it never outlives or escapes the transaction.
final class LookupCache: ClassificationContext {
    let histories: [String: [JSONValue]]
    /// Records read from the transaction; `.some(nil)` for absent or tombstoned ones.
    var records: [EntityKey: JSONValue?] = [:]
    /// The state after the batch's earlier changes (`.some(nil)` after a deletion). Records, not trees: a
    /// record created from bytes gets its tree only if the classifier looks it up.
    var overlay: [EntityKey: NormalizedRecord?] = [:]
    var misses: Set<EntityKey> = []
    /// Content hashes of committed rows (nil: absent or deleted), read to check prepared creations
    /// (`LedgerStore.preparedHolds`); the transaction's committed part does not change while a batch is built.
    var committedHashes: [EntityKey: ContentHash?] = [:]
    /// This round's created records that came classified ahead: taken as they were, or classified again.
    var prepared = (used: 0, reclassified: 0)

    init(histories: [String: [JSONValue]]) { self.histories = histories }

    func currentRecord(_ key: EntityKey) -> JSONValue? {
        if let record = overlay[key] { return record?.value }
        if let value = records[key] { return value }
        misses.insert(key)
        return nil
    }

    func applicationHistory(applicationId: String) -> [JSONValue]? { histories[applicationId] }
}

/// A `ClassificationContext` that answers from a store's committed state (each lookup its own short
/// read transaction) plus given histories. For classifications outside a write transaction, such as
/// building backfilled events; a failed read answers nil, as the protocol requires.
struct StoreClassificationContext: ClassificationContext {
    let store: LedgerStore
    let histories: [String: [JSONValue]]

    func currentRecord(_ key: EntityKey) -> JSONValue? { (try? store.currentRecord(key)) ?? nil }
    func applicationHistory(applicationId: String) -> [JSONValue]? { histories[applicationId] }
}
