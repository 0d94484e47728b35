import HireLedgerCore
import LMDB

/// Brings an older store to the current format, one format at a time (`migrate`).
///
/// 1-2 → 3 (`toFormat3`): every value of the checksummed databases
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

    /// Up to `batchSize` entries of `db` after the key `after` (from the first when empty): one batch of
    /// a migration, which moves its progress key on to the last of them.
    static func nextBatch(_ txn: borrowing WriteTransaction, _ db: Database, after: [UInt8], batchSize: Int) throws -> [([UInt8], [UInt8])] {
        var pending: [([UInt8], [UInt8])] = []
        try txn.withCursor(db) { cursor in
            var more = after.isEmpty ? try cursor.first() : try cursor.seek(after)
            if more, !after.isEmpty, cursor.withCurrent({ key, _ in key.elementsEqual(after) }) { more = try cursor.next() }
            while more, pending.count < batchSize {
                pending.append(cursor.withCurrent { key, value in (Array(key), Array(value)) })
                more = try cursor.next()
            }
        }
        return pending
    }

    /// Migrates (or finishes migrating) `store`, found at format `version`, to the current format.
    static func migrate(_ store: LedgerStore, from version: UInt64, batchSize: Int = defaultBatchSize) throws {
        let env = store.environment
        let meta = store.databases[0]
        let formats3 = [store.log, store.state, store.checkpoints, store.projections, store.subscriptions]
        let unfinished3 = try env.read { txn in try txn.contains(meta, StoreKeys.migrationProgress) }
        if version < 3 || unfinished3 {
            try toFormat3(environment: env, meta: meta, databases: formats3, batchSize: batchSize)
        }
        try toFormat4(store, batchSize: batchSize)
        try toFormat5(store, batchSize: batchSize)
    }

    /// Format 4 → 5: the `by_occurred` index emptied; state rows held by reference to their last event
    /// in the shorter form (`StateRow` flag bit 3); every event's header in storage version 3 (the type as a one-byte code, the subject
    /// in `EntityKey`'s UUID form; the data's bytes, compressed or not, are kept as they are, so nothing
    /// is decompressed), and every `state` and `by_entity` key of an entity whose id is a canonical UUID
    /// re-keyed to the UUID form (the value kept as it is).
    ///
    /// Same rules as `toFormat4`: bounded transactions; resumable (the first transaction sets the format
    /// to 5 and writes `migration/5` = the database being rewritten (0 log, 1 state, 2 by_entity) and the
    /// last key done; each batch moves it on with its changes; the last removes it); events, records,
    /// counts and the store id unchanged. Entries already in the new form are left alone, so a migration
    /// resumed after a kill redoes nothing, and a store written in the new forms but marked older (a
    /// salvage, a replay) passes through unchanged.
    @discardableResult
    public static func toFormat5(_ store: LedgerStore, batchSize: Int = defaultBatchSize, stopAfterBatches: Int? = nil) throws -> Bool {
        precondition(batchSize > 0, "batchSize must be positive")
        let env = store.environment
        let meta = store.databases[0]
        let started = try env.write { txn -> Bool in
            if try txn.get(meta, StoreKeys.migrationProgress5) != nil { return true }
            let version = try txn.get(meta, StoreKeys.formatVersion).flatMap { UInt64(bigEndianBytes: $0) }
            if let version, version >= 5 { return false }
            try txn.put(meta, StoreKeys.formatVersion, UInt64(5))
            try txn.put(meta, StoreKeys.migrationProgress5, [0])
            return true
        }
        guard started else { return true }
        // The retired `by_occurred` index: emptied in one transaction (its pages go to LMDB's free list,
        // reused by later writes; the emptied database's name stays, holding nothing).
        for name in LedgerStore.retiredDatabaseNames {
            guard let retired = try? env.openDatabase(name: name, flags: []) else { continue }
            try env.write { txn in try txn.removeAll(retired) }
        }
        return try rewriteInBatches(env, meta: meta, progressKey: StoreKeys.migrationProgress5,
                                    databases: [store.log, store.state, store.byEntity],
                                    batchSize: batchSize, stopAfterBatches: stopAfterBatches) { txn, index, pending in
            let db = index == 0 ? store.log : index == 1 ? store.state : store.byEntity
            for (key, value) in pending {
                if index == 0 {
                    if let current = try currentEventForm(value, path: env.path) { try txn.put(db, key, current) }
                } else {
                    let row = index == 1 ? compactRow(value) : nil
                    if let compact = compactEntityKey(key, trailing: index == 2 ? 8 : 0) {
                        try txn.put(db, compact, row ?? value)
                        _ = try txn.delete(db, key)
                    } else if let row {
                        try txn.put(db, key, row)
                    }
                }
            }
        }
    }

    /// A stored event of storage version 1 or 2 in version 3 (its data's bytes unchanged, a codec byte 0
    /// put before version 1's plain JSON); nil when it is already version 3, or of a type this build
    /// does not know (it stays readable as it is).
    static func currentEventForm(_ value: [UInt8], path: String) throws -> [UInt8]? {
        try value.withUnsafeBytes { b -> [UInt8]? in
            let header: StoredEventHeader
            do throws(EventDecodingError) { header = try StoredEventHeader(parsing: b) } catch {
                throw LedgerStoreError.damagedEntry(path: path, database: "log", what: error.description)
            }
            guard header.version < 3, let type = header.type else { return nil }
            guard let (subject, _) = EntityKey.decodePrefix(UnsafeRawBufferPointer(rebasing: b[header.subjectOffset..<header.dataOffset])) else {
                throw LedgerStoreError.damagedEntry(path: path, database: "log", what: "malformed subject at seq \(header.seq.map { String(describing: $0) } ?? "unknown")")
            }
            var out: [UInt8] = []
            out.reserveCapacity(value.count)
            out.append(3)
            // Flags, times and causation; the seq (bytes 1-8) is the key's.
            out.append(contentsOf: value[9..<header.typeOffset])
            out.append(type.storageCode)
            subject.appendStorageBytes(to: &out)
            if header.version == 1 { out.append(0) }
            out.append(contentsOf: value[header.dataOffset...])
            return out
        }
    }

    /// A state row held by reference to its last record event, in format 5's shorter form (flag bit 3,
    /// no second copy of the position); nil for any other row.
    static func compactRow(_ value: [UInt8]) -> [UInt8]? {
        let parsed = value.withUnsafeBytes { StateRow.parse($0) }
        guard let parsed, value[0] == 3, value[1] & 8 == 0, case .reference(let seq) = parsed.record, seq == parsed.lastSeq
        else { return nil }
        var out = Array(value.dropLast(8))
        out[1] |= 8
        return out
    }

    /// `key` (an entity key in the text form, then `trailing` more bytes) with the entity in the UUID
    /// form; nil when it is in that form already or its id is no canonical UUID.
    static func compactEntityKey(_ key: [UInt8], trailing: Int) -> [UInt8]? {
        guard key.count > trailing, key.count >= 2, key[1] < 0x80,
              let entity = EntityKey(storageBytes: key[..<(key.count - trailing)]) else { return nil }
        var out = entity.storageBytes
        guard out[1] == 0x80 else { return nil }
        out.append(contentsOf: key[(key.count - trailing)...])
        return out
    }

    /// Format 3 → 4: trains the compression dictionaries from the store's own values, then rewrites
    /// every event (storage version 2, data compressed) and every state row (version 3: a reference to
    /// the created or restored event that holds the same record, otherwise the record compressed),
    /// re-normalising each row's record with the current rules (`RecordNormalizer.version` 2: embedded
    /// copies of other entities kept as references; no event, as the record did not change), so the
    /// next sync records no update where only a copy differs.
    ///
    /// Same rules as `toFormat3`: bounded transactions; resumable (the first transaction sets the
    /// format to 4 and writes `migration/4` = the database being rewritten (0 log, 1 state) and the last
    /// key done; each batch moves it on with its values; the last removes it); nothing else changes
    /// (keys, events, records, counts, the store id). Values already in the new form are left alone,
    /// so a migration resumed after a kill redoes nothing.
    @discardableResult
    public static func toFormat4(_ store: LedgerStore, batchSize: Int = defaultBatchSize, stopAfterBatches: Int? = nil) throws -> Bool {
        precondition(batchSize > 0, "batchSize must be positive")
        let env = store.environment
        let meta = store.databases[0]
        // The first transaction: dictionaries from samples of every family, the format and the progress key.
        let started = try env.write { txn -> Bool in
            if try txn.get(meta, StoreKeys.migrationProgress4) != nil { return true }
            let version = try txn.get(meta, StoreKeys.formatVersion).flatMap { UInt64(bigEndianBytes: $0) }
            if let version, version >= 4 { return false }
            try store.trainDictionariesFromLog(txn)
            try txn.put(meta, StoreKeys.formatVersion, UInt64(4))
            try txn.put(meta, StoreKeys.normalizerVersion, UInt64(RecordNormalizer.version))
            try txn.put(meta, StoreKeys.migrationProgress4, [0])
            return true
        }
        guard started else { return true }
        return try rewriteInBatches(env, meta: meta, progressKey: StoreKeys.migrationProgress4, databases: [store.log, store.state],
                                    batchSize: batchSize, stopAfterBatches: stopAfterBatches) { txn, index, pending in
            if index == 0 {
                try store.rewriteEvents(txn, pending)
            } else {
                try store.rewriteRows(txn, pending)
            }
        }
    }

    /// The batch loop of a migration step whose first transaction wrote `progressKey` = [0]: each write
    /// transaction hands `rewrite` the next `batchSize` entries of `databases[index]` after the key the
    /// progress holds, and moves the progress on to the last of them (or to the next database when the
    /// batch is short) in the same transaction; the transaction that finds every database done removes
    /// the key. Returns whether the step is complete (false after `stopAfterBatches` batches).
    static func rewriteInBatches(_ env: Environment, meta: Database, progressKey: String, databases: [Database],
                                 batchSize: Int, stopAfterBatches: Int?,
                                 rewrite: (borrowing WriteTransaction, Int, [([UInt8], [UInt8])]) throws -> Void) throws -> Bool {
        var batches = 0
        while true {
            if let stopAfterBatches, batches >= stopAfterBatches { return false }
            let done = try env.write { txn -> Bool in
                guard let progress = try txn.get(meta, progressKey) else { return true }
                guard let index = progress.first.map(Int.init), index <= databases.count else {
                    throw LedgerStoreError.damagedMeta(path: env.path, what: "the migration progress key is unreadable")
                }
                if index == databases.count {
                    try txn.delete(meta, progressKey)
                    return true
                }
                let pending = try nextBatch(txn, databases[index], after: Array(progress.dropFirst()), batchSize: batchSize)
                try rewrite(txn, index, pending)
                if pending.count < batchSize {
                    try txn.put(meta, progressKey, [UInt8(index + 1)])
                } else {
                    try txn.put(meta, progressKey, [UInt8(index)] + pending.last!.0)
                }
                return false
            }
            if done { return true }
            batches += 1
        }
    }

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
                    if let version, version >= 3 { return true }
                    progress = [0]
                    try txn.put(meta, StoreKeys.formatVersion, UInt64(3))
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
                let pending = try nextBatch(txn, plain, after: after, batchSize: batchSize)
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

    /// Opens a store writable without migrating it, for tests that run the migration step by step.
    public static func openWithoutMigratingForTesting(directory: String) throws -> LedgerStore {
        try LedgerStore.openWithoutMigrating(directory: directory)
    }

    /// The inverse of `toFormat5`, for tests only: the `by_occurred` index filled, every event's header in
    /// storage version 2 (its data's bytes kept), every `state` and `by_entity` key in the text form, the store marked as format 4, as
    /// the previous release would have written it. Refuses a store with a migration in progress. The
    /// store must be opened again afterwards (this object keeps format 5's key form).
    public static func downgradeToFormat4ForTesting(_ store: LedgerStore) throws {
        let env = store.environment
        let meta = store.databases[0]
        // Format 4's index by occurredAt (occurredAt in ms with the sign bit flipped, then the seq).
        let byOccurred = try env.openDatabase(name: "by_occurred")
        try env.write { txn in
            try store.loadDictionaries(txn)
            var entries: [[UInt8]] = []
            try txn.scan(store.log) { key, value in
                let e = try store.decodeEvent(value, at: LogPosition(UInt64(bigEndianBytes: key) ?? 0))
                entries.append((UInt64(bitPattern: e.occurredAt.millisecondsSinceEpoch) ^ (1 << 63)).bigEndianBytes + e.seq.bigEndianBytes)
            }
            for key in entries { try txn.put(byOccurred, key, [UInt8]()) }
        }
        try env.write { txn in
            if try txn.contains(meta, StoreKeys.migrationProgress) || txn.contains(meta, StoreKeys.migrationProgress4)
                || txn.contains(meta, StoreKeys.migrationProgress5) {
                throw LedgerStoreError.migrationUnfinished(path: env.path)
            }
            var events: [(UInt64, [UInt8])] = []
            try txn.scan(store.log) { key, value in
                guard let seq = UInt64(bigEndianBytes: key), let header = StoredEventHeader.peek(value, seq: LogPosition(seq)), header.version == 3,
                      let type = header.type,
                      let (subject, _) = EntityKey.decodePrefix(UnsafeRawBufferPointer(rebasing: value[header.subjectOffset..<header.dataOffset]))
                else { return }
                var v2: [UInt8] = [2]
                v2.append(contentsOf: seq.bigEndianBytes)
                v2.append(contentsOf: value[1..<header.typeOffset])
                v2.append(UInt8(type.wireName.utf8.count))
                v2.append(contentsOf: type.wireName.utf8)
                subject.appendStorageBytes(to: &v2, compact: false)
                v2.append(contentsOf: value[header.dataOffset...])
                events.append((seq, v2))
            }
            for (seq, bytes) in events { try txn.put(store.log, seq, bytes) }
            for (db, trailing) in [(store.state, 0), (store.byEntity, 8)] {
                var all: [([UInt8], [UInt8])] = []
                try txn.scan(db) { key, value in all.append((Array(key), Array(value))) }
                for (key, stored) in all {
                    var value = stored
                    // Format 4's rows always spell out the reference (no flag bit 3).
                    if trailing == 0, value.count >= 18, value[0] == 3, value[1] & 8 != 0 {
                        value[1] &= ~8
                        value.append(contentsOf: value[10..<18])
                    }
                    if key.count > 1, key[1] == 0x80, let entity = EntityKey(storageBytes: key[..<(key.count - trailing)]) {
                        _ = try txn.delete(db, key)
                        try txn.put(db, entity.textStorageBytes + key[(key.count - trailing)...], value)
                    } else if value != stored {
                        try txn.put(db, key, value)
                    }
                }
            }
            try txn.put(meta, StoreKeys.formatVersion, UInt64(4))
        }
    }

    /// The inverse of `toFormat4` (after `downgradeToFormat4ForTesting`), for tests only: writes every
    /// event plain in storage version 1 and every state row plain in version 2, removes the
    /// dictionaries, and marks the store as format 3, as the release before would have written it.
    /// Refuses a store with a migration in progress.
    public static func downgradeToFormat3ForTesting(_ store: LedgerStore) throws {
        try downgradeToFormat4ForTesting(store)
        let env = store.environment
        let meta = store.databases[0]
        try env.write { txn in
            try store.loadDictionaries(txn)
            var events: [(UInt64, [UInt8])] = []
            try txn.scan(store.log) { key, value in
                guard let seq = UInt64(bigEndianBytes: key) else { return }
                let event = try store.decodeEvent(value, at: LogPosition(seq))
                var v1 = event.storageHeaderBytes(version: 2)
                v1[0] = 1
                v1.append(contentsOf: event.data.canonicalBytes())
                events.append((seq, v1))
            }
            for (seq, bytes) in events { try txn.put(store.log, seq, bytes) }
            var stored: [([UInt8], [UInt8])] = []
            try txn.scan(store.state) { key, value in stored.append((Array(key), Array(value))) }
            for (keyBytes, value) in stored {
                guard let key = EntityKey(storageBytes: keyBytes) else { continue }
                let row = try value.withUnsafeBytes { try store.decodeRow(txn, key, $0) }
                var v2: [UInt8] = [2, (row.deleted ? 1 : 0) | (row.rawHash != nil ? 2 : 0)]
                v2.append(contentsOf: row.hash.value.bigEndianBytes)
                v2.append(contentsOf: row.lastSeq.bigEndianBytes)
                if let raw = row.rawHash { v2.append(contentsOf: raw.value.bigEndianBytes) }
                v2.append(contentsOf: row.canonicalBytes)
                try txn.put(store.state, keyBytes, v2)
            }
            if let dictionaries = store.dictionaries {
                var ids: [[UInt8]] = []
                try txn.scan(dictionaries) { key, _ in ids.append(Array(key)) }
                for id in ids {
                    _ = try txn.delete(dictionaries, id)
                    _ = try txn.delete(store.checkpoints, Array(StoreKeys.dictionaryCopyPrefix.utf8) + id)
                }
            }
            try txn.put(meta, StoreKeys.formatVersion, UInt64(3))
        }
    }

    /// The inverse of `toFormat3` and `toFormat4`, for tests only: a format-3 store
    /// (`downgradeToFormat3ForTesting`) with the checksums stripped, marked as format 2, as a store
    /// written by an older release would be. Refuses a store with a migration in progress.
    public static func downgradeToFormat2ForTesting(_ store: LedgerStore) throws {
        try downgradeToFormat3ForTesting(store)
        let env = store.environment
        let meta = store.databases[0]
        try env.write { txn in
            for db in store.checksummedDatabases where db.name != "dictionaries" {
                var all: [([UInt8], [UInt8])] = []
                try txn.scan(db.checksummed(true)) { key, value in all.append((Array(key), Array(value))) }
                for (key, value) in all { try txn.put(db.checksummed(false), key, value) }
            }
            try txn.put(meta, StoreKeys.formatVersion, UInt64(2))
        }
    }
}
