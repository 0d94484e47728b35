import HireLedgerCore
import LMDB

/// The key encodings of the store's databases (docs/ARCHITECTURE.md §6), in one place so readers and writers
/// agree. All integers are big-endian so LMDB's byte-wise order is numeric order.
enum StoreKeys {
    // `meta` keys.
    static let formatVersion = "format_version"
    static let storeId = "store_id"
    static let createdAt = "created_at"
    /// The `RecordNormalizer.version` the state rows were normalised with (u64; format 4 on). A change
    /// of the rules re-normalises the rows in a migration, as format 4's did.
    static let normalizerVersion = "normalizer_version"
    /// Present while a migration to format 3 runs: the index of the database being rewritten (u8)
    /// followed by the last key rewritten in it (empty: none yet).
    static let migrationProgress = "migration/3"
    /// Present while a migration to format 4 runs: 0 (log) or 1 (state), followed by the last key
    /// rewritten in that database (empty: none yet); 2 when both are done.
    static let migrationProgress4 = "migration/4"
    /// In a store written by `verify --salvage`: the positions lost, 8 bytes big-endian each.
    static let salvageLost = "salvage/lost"

    /// Present while a migration to format 5 runs: the index of the database being rewritten (0 log,
    /// 1 state, 2 by_entity) followed by the last key done in it (empty: none yet); 3 when all are done.
    static let migrationProgress5 = "migration/5"

    /// `by_entity`: the entity key's storage form (self-delimiting; with `compact` false, the text form
    /// of formats 1 to 4) followed by the event's seq.
    static func byEntity(_ key: EntityKey, _ seq: LogPosition, compact: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        key.appendStorageBytes(to: &out, compact: compact)
        out.append(contentsOf: seq.bigEndianBytes)
        return out
    }

    /// The seq at the end of an index key (its last 8 bytes).
    static func trailingSeq(_ key: UnsafeRawBufferPointer) -> LogPosition? {
        guard key.count >= 8 else { return nil }
        return UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: key[(key.count - 8)...])).map(LogPosition.init)
    }

    // `checkpoints` keys: `<family>/<name>`.
    static func syncToken(_ endpointMethod: String) -> String { "token/" + endpointMethod }
    static func syncRun(_ type: AshbyEntityTypeName) -> String { "run/" + type }
    /// The last completed full pass of a type (a SyncRun), for periodic full passes.
    static func fullSyncRun(_ type: AshbyEntityTypeName) -> String { "fullrun/" + type }
    static let backfillCursor = "backfill/cursor"
    /// The second copy of each compression dictionary: this prefix, then the u16 id (`LedgerStore.loadDictionaries`).
    static let dictionaryCopyPrefix = "dictionary/"
    static let backfillCompleted = "backfill/completed"
}

/// The name an entity type is stored under in checkpoints (`AshbyEntityType.rawValue`).
typealias AshbyEntityTypeName = String
