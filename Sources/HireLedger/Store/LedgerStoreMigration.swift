import HireLedgerCore
import LMDB

/// Rewrites a format-1 or -2 store as format 3: every value of the checksummed databases
/// (`LedgerStore.checksummedDatabaseNames`) gets its checksum.
///
/// Rules it keeps:
/// - Bounded transactions: at most `batchSize` values per write transaction, so a large store neither
///   holds the writer lock for long nor needs a huge dirty-page list.
/// - Resumable: the first transaction sets the format to 3 and writes `migration/3` in `meta` (so an
///   older HireLedger refuses the half-migrated store instead of misreading it); each batch moves
///   that progress key on in the same transaction as its values, and the last removes it. A process
///   killed at any moment leaves a store whose next writable open carries on from the last commit;
///   values before the progress key are checksummed, those after it are not yet.
/// - Nothing else changes: keys, value bytes (before their checksum), entry counts, the store id.
public enum LedgerStoreMigration {
    /// Values rewritten per write transaction.
    public static let defaultBatchSize = 5_000

    /// Migrates (or finishes migrating) the store to format 3. `databases` are the checksummed handles
    /// in a fixed order (`LedgerStore.checksummedDatabases`). With `stopAfterBatches` it returns after
    /// that many batches without finishing (for tests that stand for a kill between two commits);
    /// returns whether the migration is complete.
    @discardableResult
    public static func toFormat3(environment env: Environment, meta: Database, databases: [Database],
                                 batchSize: Int = defaultBatchSize, stopAfterBatches: Int? = nil) throws -> Bool {
        precondition(batchSize > 0, "batchSize must be positive")
        var batches = 0
        while true {
            if let stopAfterBatches, batches >= stopAfterBatches { return false }
            let done = try env.write { txn -> Bool in
                var progress = try txn.get(meta, StoreKeys.migrationProgress)
                if progress == nil {
                    // Not started (or finished by another process meanwhile).
                    let version = try txn.get(meta, StoreKeys.formatVersion).flatMap { UInt64(bigEndianBytes: $0) }
                    if version == LedgerStore.formatVersion { return true }
                    progress = [0]
                    try txn.put(meta, StoreKeys.formatVersion, LedgerStore.formatVersion)
                }
                guard let progress, let index = progress.first.map(Int.init), index <= databases.count else {
                    throw LedgerStoreError.damagedMeta(path: env.path, what: "the migration progress key is unreadable")
                }
                if index == databases.count {
                    try txn.delete(meta, StoreKeys.migrationProgress)
                    return true
                }
                let checked = databases[index].checksummed(true), plain = databases[index].checksummed(false)
                let after = Array(progress.dropFirst())
                var pending: [([UInt8], [UInt8])] = []
                try txn.withCursor(plain) { cursor in
                    var more = after.isEmpty ? try cursor.first() : try cursor.seek(after)
                    if more, !after.isEmpty, cursor.withCurrent({ key, _ in key.elementsEqual(after) }) { more = try cursor.next() }
                    while more, pending.count < batchSize {
                        pending.append(cursor.withCurrent { key, value in (Array(key), Array(value)) })
                        more = try cursor.next()
                    }
                }
                for (key, value) in pending { try txn.put(checked, key, value) }
                if pending.count < batchSize {
                    try txn.put(meta, StoreKeys.migrationProgress, [UInt8(index + 1)])
                } else {
                    try txn.put(meta, StoreKeys.migrationProgress, [UInt8(index)] + pending.last!.0)
                }
                return false
            }
            if done { return true }
            batches += 1
        }
    }

    /// The inverse, for tests only: strips the checksums and marks the store as format 2, as a store
    /// written by the previous release would be. Refuses a store with a migration in progress.
    public static func downgradeToFormat2ForTesting(_ store: LedgerStore) throws {
        let env = store.environment
        let meta = store.databases[0]
        try env.write { txn in
            if try txn.contains(meta, StoreKeys.migrationProgress) {
                throw LedgerStoreError.migrationUnfinished(path: env.path)
            }
            for db in store.checksummedDatabases {
                var all: [([UInt8], [UInt8])] = []
                try txn.scan(db.checksummed(true)) { key, value in all.append((Array(key), Array(value))) }
                for (key, value) in all { try txn.put(db.checksummed(false), key, value) }
            }
            try txn.put(meta, StoreKeys.formatVersion, UInt64(2))
        }
    }
}
