import HireLedgerCore
import LMDB

extension LedgerStore {
    /// The position of the last event, or `LogPosition.none` for an empty log.
    public var lastPosition: LogPosition {
        get throws { try environment.read { txn in try lastEntry(txn)?.seq ?? .none } }
    }

    /// `observedAt` of the last event, or nil for an empty log. Never decreases along the log.
    public var lastObservedAt: Timestamp? {
        get throws { try environment.read { txn in try lastEntry(txn)?.observedAt } }
    }

    /// The event at `position`, or nil.
    public func event(at position: LogPosition) throws -> RecordedEvent? {
        try environment.read { txn in
            try txn.withValue(log, position.value) { try decodeEvent(txn, $0, at: position) }
        }
    }

    /// Events after `position` in log order, at most `limit` of them, keeping only `types` and, with
    /// `entity`, only events about that record (read through the `by_entity` index).
    ///
    /// A feed reads on with the last returned event's `seq` as the next `position`.
    public func events(after position: LogPosition = .none, limit: Int = .max, types: EventTypeFilter = .all,
                       entity: EntityKey? = nil) throws -> [RecordedEvent] {
        // A position from outside may be anything up to UInt64.max: nothing lies after the last one.
        guard limit > 0, position.hasNext else { return [] }
        let start = position.next
        return try environment.read { txn in
            var out: [RecordedEvent] = []
            if let entity {
                let prefix = entityKeyBytes(entity)
                try txn.withCursor(byEntity) { cursor in
                    var more = try cursor.seek(byEntityKey(entity, start))
                    while more, out.count < limit {
                        let seq: LogPosition? = cursor.withCurrent { key, _ in
                            key.count == prefix.count + 8 && key.starts(with: prefix) ? StoreKeys.trailingSeq(key) : nil
                        }
                        guard let seq else { break }
                        guard let event = try txn.withValue(log, seq.value, { try decodeEvent(txn, $0, at: seq) }) else {
                            throw LedgerStoreError.damagedEntry(path: path, database: "by_entity",
                                                                what: "\(entity) points to missing event \(seq)")
                        }
                        if types.matches(event.type) { out.append(event) }
                        if out.count == limit { break }
                        more = try cursor.next()
                    }
                }
            } else {
                try txn.withCursor(log) { cursor in
                    var more = try cursor.seek(start.value)
                    while more, out.count < limit {
                        let event = try cursor.withCurrent { key, value in try decodeEvent(txn, value, at: LogPosition(UInt64(bigEndianBytes: key) ?? 0)) }
                        if types.matches(event.type) { out.append(event) }
                        // Not one step past the page: the entry after it may be damaged and is not asked for.
                        if out.count == limit { break }
                        more = try cursor.next()
                    }
                }
            }
            return out
        }
    }

    /// Every event about one record, in log order.
    public func events(for entity: EntityKey) throws -> [RecordedEvent] {
        try events(after: .none, entity: entity)
    }

    /// The current normalised record of `key`; nil when unknown or tombstoned.
    public func currentRecord(_ key: EntityKey) throws -> JSONValue? {
        try environment.read { txn in try liveRecord(txn, key)?.record }
    }

    /// The state row of `key` (also for a tombstoned record), or nil.
    public func stateRow(_ key: EntityKey) throws -> StateRow? {
        try environment.read { txn in try readRow(txn, key) }
    }

    /// How each observed record (key and content hash of its normalised form) compares with the state
    /// index, read in one transaction. Used to skip pages without changes and to find the
    /// applications whose stage moved before any write transaction is opened.
    public func compare(_ observed: [(key: EntityKey, hash: ContentHash)]) throws -> [ObservedDifference] {
        try environment.read { txn in
            try observed.map { item in
                let peeked = try txn.withValue(state, entityKeyBytes(item.key)) { StateRow.peek($0) }
                guard let peeked else { return .new }
                guard let peeked2 = peeked else {
                    throw LedgerStoreError.damagedEntry(path: path, database: "state", what: "unreadable row for \(item.key)")
                }
                if !peeked2.deleted && peeked2.hash == item.hash { return .unchanged }
                guard let row = try readRow(txn, item.key) else { return .new }
                let previous = try parseRecord(row.canonicalBytes, item.key)
                return row.deleted ? .restored(previous: previous) : .changed(previous: previous)
            }
        }
    }

    /// For each observed record (key and `StateRow.rawHash` of the bytes the API sent), whether the state
    /// index holds a live row for it with that raw hash: the record is then unchanged, and need not be
    /// parsed or normalised. Rows without a raw hash (new, or written by an older build) answer false.
    /// Read in one transaction, copying nothing.
    public func matchesRawHash(_ observed: [(key: EntityKey, rawHash: ContentHash)]) throws -> [Bool] {
        try environment.read { txn in
            try observed.map { item in
                // Outer nil: no row for the key. Inner nil: a row that cannot be read.
                let header = try txn.withValue(state, entityKeyBytes(item.key)) { StateRow.header($0) }
                guard let header else { return false }
                guard let header else {
                    throw LedgerStoreError.damagedEntry(path: path, database: "state", what: "unreadable row for \(item.key)")
                }
                return !header.deleted && header.rawHash == item.rawHash
            }
        }
    }

    /// The keys of the live (not tombstoned) records of `kind`, in state key order.
    public func liveKeys(of kind: EntityKind) throws -> [EntityKey] {
        try keys(of: kind, after: nil, limit: .max, includeDeleted: false)
    }

    /// The live records of `kind` whose ids are not in `seen`, in state key order: what a complete
    /// full pass that saw `seen` must tombstone. Streams the state index; only the result is kept.
    public func liveKeys(of kind: EntityKind, notIn seen: EntityIDSet) throws -> [EntityKey] {
        try environment.read { txn in
            var out: [EntityKey] = []
            // The rows of seen keys are not read (nor checked): a full pass reads them just before. Their
            // keys are not decoded either (`EntityIDSet` looks up the storage bytes).
            try txn.scanKeys(state, prefix: [kind.storageCode]) { key, value in
                guard !seen.contains(storageKey: key), let entityKey = EntityKey(storageBytes: key),
                      StateRow.peek(try value())?.deleted == false else { return }
                out.append(entityKey)
            }
            return out
        }
    }

    /// Keys of `kind` in state key order, starting after `after` (its storage form), at most `limit`.
    public func keys(of kind: EntityKind, after: EntityKey?, limit: Int, includeDeleted: Bool) throws -> [EntityKey] {
        try environment.read { txn in
            var out: [EntityKey] = []
            try txn.withCursor(state) { cursor in
                var more: Bool
                if let after {
                    let afterBytes = entityKeyBytes(after)
                    more = try cursor.seek(afterBytes)
                    if more, cursor.withCurrent({ key, _ in key.elementsEqual(afterBytes) }) { more = try cursor.next() }
                } else {
                    more = try cursor.seek([kind.storageCode])
                }
                while more, out.count < limit {
                    let item: (EntityKey?, Bool) = cursor.withCurrent { key, value in
                        guard key.first == kind.storageCode else { return (nil, false) }
                        return (EntityKey(storageBytes: key), StateRow.peek(value)?.deleted ?? false)
                    }
                    guard let entityKey = item.0 else { break }
                    if includeDeleted || !item.1 { out.append(entityKey) }
                    more = try cursor.next()
                }
            }
            return out
        }
    }

    /// Live and tombstoned record counts per kind.
    public func recordCounts() throws -> [EntityKind: (live: Int, deleted: Int)] {
        try environment.read { txn in
            var out: [EntityKind: (live: Int, deleted: Int)] = [:]
            try txn.scan(state) { key, value in
                guard let code = key.first, let kind = EntityKind(storageCode: code) else { return }
                var c = out[kind] ?? (0, 0)
                if StateRow.peek(value)?.deleted == true { c.deleted += 1 } else { c.live += 1 }
                out[kind] = c
            }
            return out
        }
    }

    // MARK: - Checkpoints

    /// The raw value of a checkpoint key, or nil.
    public func checkpoint(_ key: String) throws -> [UInt8]? {
        try environment.read { txn in try txn.get(checkpoints, key) }
    }

    /// Writes (or with nil removes) checkpoint values in one transaction.
    public func setCheckpoints(_ writes: [CheckpointWrite]) throws {
        guard !writes.isEmpty else { return }
        try environment.write { txn in try applyCheckpoints(txn, writes) }
    }

    /// The stored `syncToken` of a list endpoint (`AshbyEndpoint.method`).
    public func syncToken(endpoint: String) throws -> String? {
        try checkpoint(StoreKeys.syncToken(endpoint)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The last completed pass of an entity type (`AshbyEntityType.rawValue`).
    public func lastSyncRun(entityType: String) throws -> SyncRun? {
        try syncRun(at: StoreKeys.syncRun(entityType), entityType: entityType)
    }

    /// The last completed full pass of an entity type (full passes are the only ones that find deletions).
    public func lastFullSyncRun(entityType: String) throws -> SyncRun? {
        try syncRun(at: StoreKeys.fullSyncRun(entityType), entityType: entityType)
    }

    private func syncRun(at key: String, entityType: String) throws -> SyncRun? {
        guard let bytes = try checkpoint(key) else { return nil }
        guard let json = try? JSONValue.parse(bytes), let run = SyncRun(json: json) else {
            throw LedgerStoreError.damagedEntry(path: path, database: "checkpoints", what: "unreadable sync run of \(entityType)")
        }
        return run
    }

    /// Every stored sync run, by entity type.
    public func syncRuns() throws -> [String: SyncRun] {
        try environment.read { txn in
            var out: [String: SyncRun] = [:]
            try txn.scan(checkpoints, prefix: Array("run/".utf8)) { _, value in
                if let json = try? JSONValue.parse(Array(value)), let run = SyncRun(json: json) { out[run.entityType] = run }
            }
            return out
        }
    }

    // MARK: - Status and maintenance

    /// Identity, positions, counts per kind, last syncs and sizes.
    public func status() throws -> StoreStatus {
        let (last, lastObserved, eventCount, tokens, cursor, completed) = try environment.read { txn in
            let last = try lastEntry(txn)
            var tokens = Set<String>()
            try txn.scan(checkpoints, prefix: Array("token/".utf8)) { key, _ in
                tokens.insert(String(decoding: key.dropFirst(6), as: UTF8.self))
            }
            let cursor = try txn.get(checkpoints, StoreKeys.backfillCursor).flatMap { EntityKey(storageBytes: $0) }
            let completed = try txn.contains(checkpoints, StoreKeys.backfillCompleted)
            return (last?.seq ?? .none, last?.observedAt, try txn.count(log), tokens, cursor, completed)
        }
        let info = try environment.info()
        let logStats = info.databases["log"]
        let logBytes = logStats.map { ($0.leafPages + $0.branchPages + $0.overflowPages) * $0.pageSize } ?? 0
        return StoreStatus(path: path, storeId: storeId, formatVersion: LedgerStore.formatVersion, createdAt: createdAt,
                           lastPosition: last, lastObservedAt: lastObserved, eventCount: eventCount,
                           records: try recordCounts(), lastSyncs: try syncRuns(), syncTokens: tokens,
                           usedBytes: info.usedBytes, mapSize: info.mapSize, logBytes: logBytes,
                           backfillCursor: cursor, backfillCompleted: completed)
    }

    /// Writes a consistent, compacted copy of the store into `directory` (created `0o700`; must be
    /// empty) while reads and writes go on. The copy opens with `LedgerStore.open` and keeps the store id.
    ///
    /// The copy is written entry by entry (`Environment.rewrite`, appending in key order, so every page
    /// is written full) rather than page by page. A page copy (LMDB's compacting copy) keeps each
    /// page's fill and its unused space: after the migration to format 4 rewrote every value in place
    /// at a quarter of its size, the pages stayed as large as before (a test measured the page copy of a
    /// migrated store at 1.7x the plain store's log and state; the rewrite at under half). And that
    /// unused space can still hold bytes of a value rewritten since: a 180-day medium-world erasure test
    /// found two erased values in such a copy that no live entry held; a rewrite leaves them behind.
    public func copy(to directory: String) throws {
        try environment.rewrite(to: directory, databases: databases.map {
            (name: $0.name, checksummed: LedgerStore.checksummedDatabaseNames.contains($0.name))
        })
    }

    // MARK: - Helpers shared with the write path

    /// Seq and observedAt of the last log entry.
    func lastEntry(_ txn: borrowing some ReadableTransaction & ~Copyable) throws -> (seq: LogPosition, observedAt: Timestamp)? {
        var found: (LogPosition, Timestamp)?
        var bad = false
        try txn.scan(log, reverse: true, limit: 1) { key, value in
            guard let seq = UInt64(bigEndianBytes: key), let header = StoredEventHeader.peek(value, seq: LogPosition(seq))
            else { bad = true; return }
            found = (LogPosition(seq), header.observedAt)
        }
        if bad { throw LedgerStoreError.damagedEntry(path: path, database: "log", what: "the last event is unreadable") }
        return found
    }

    func readRow(_ txn: borrowing some ReadableTransaction & ~Copyable, _ key: EntityKey) throws -> StateRow? {
        try txn.withValue(state, entityKeyBytes(key)) { try decodeRow(txn, key, $0) }
    }

    /// The live record of `key` with its content hash; nil when unknown or tombstoned. (What the classifier's
    /// lookups see: `currentRecord`, the write's `LookupCache`, `CreationPreparer`.)
    func liveRecord(_ txn: borrowing some ReadableTransaction & ~Copyable, _ key: EntityKey) throws -> (hash: ContentHash, record: JSONValue)? {
        guard let row = try readRow(txn, key), !row.deleted else { return nil }
        return (row.hash, try parseRecord(row.canonicalBytes, key))
    }

    func parseRecord(_ bytes: [UInt8], _ key: EntityKey) throws -> JSONValue {
        do { return try JSONValue.parse(bytes) } catch {
            throw LedgerStoreError.damagedEntry(path: path, database: "state", what: "the record of \(key) is not valid JSON (\(error))")
        }
    }

    func applyCheckpoints(_ txn: borrowing WriteTransaction, _ writes: [CheckpointWrite]) throws {
        for w in writes {
            if let value = w.value { try txn.put(checkpoints, w.key, value) } else { _ = try txn.delete(checkpoints, w.key) }
        }
    }
}
