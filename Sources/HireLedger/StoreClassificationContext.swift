import HireLedgerCore

/// A `ClassificationContext` that answers from a store's committed state (each lookup its own short
/// read transaction) plus given histories. For classifications outside a write transaction, such as
/// building backfilled events; a failed read answers nil, as the protocol requires.
struct StoreClassificationContext: ClassificationContext {
    let store: LedgerStore
    let histories: [String: [JSONValue]]

    func currentRecord(_ key: EntityKey) -> JSONValue? { (try? store.currentRecord(key)) ?? nil }
    func applicationHistory(applicationId: String) -> [JSONValue]? { histories[applicationId] }
}
