import HireLedgerCore
import LMDB

extension LedgerStore {
    /// Compares `observations` with the state index and records every change in ONE write transaction:
    /// the record events and the domain events classified from them (`EventBatch`), the state rows,
    /// the `by_entity` index entries and `checkpoints`. Returns the positions given.
    ///
    /// - Parameters:
    ///   - observedAt: the observation time of the events; clamped to the log's last `observedAt` so
    ///     it never decreases along the log.
    ///   - histories: `application.listHistory` entries fetched for applications whose stage moved, by
    ///     application id; the classifier recovers the moves between two polls from them.
    ///   - checkpoints: written in the same transaction (e.g. the pass's new `syncToken`).
    ///   - finalCheckpoints: more checkpoints made from the append's result, written in the same
    ///     transaction (e.g. a run record counting the events). It may be called more than once (the
    ///     write may be re-run after map growth), so it must only compute, not change outside state.
    ///   - rawHashes: for `.seen` observations, the `StateRow.rawHash` of the bytes the record came
    ///     from, by key. The row written for such a key keeps it; a row whose record is unchanged but
    ///     whose raw hash differs is rewritten with the new one (no event). A `.seen` key without an
    ///     entry here gets no raw hash, since the bytes behind the record are unknown.
    ///   - prepared: domain events classified ahead for records that were new (`PreparedCreation`), by key;
    ///     used for a record this batch still creates while they hold, else the record is classified here.
    /// Observations that change nothing append nothing; when nothing changes and there are no
    /// checkpoints, no write transaction is opened at all. The classifier sees the state as it is
    /// after the batch's earlier changes (an application after its job sees the job's new record).
    @discardableResult
    public func record(_ observations: [Observation], observedAt: Timestamp, histories: [String: [JSONValue]] = [:],
                       checkpoints: [CheckpointWrite] = [],
                       finalCheckpoints: (@Sendable (AppendResult) -> [CheckpointWrite])? = nil,
                       rawHashes: [EntityKey: ContentHash] = [:],
                       prepared: [EntityKey: PreparedCreation] = [:]) throws -> AppendResult {
        if observations.isEmpty && checkpoints.isEmpty && finalCheckpoints == nil { return .empty }
        let storeId = self.storeId
        return try environment.write { txn in
            // Erased candidates' values are redacted before the comparison (`CandidateErasure`), so a
            // sync neither records them again nor sees a change where only they differ.
            let observations = try redactObservations(txn, observations)
            let last = try lastEntry(txn)
            let first = (last?.seq ?? .none).next
            let at = max(observedAt, last?.observedAt ?? observedAt)
            // The classifier's lookups cannot reach the transaction (a closure capturing it crashes the
            // 6.3.1 compiler), so they go through a cache: a lookup it cannot answer is noted as a miss,
            // the misses are read from the transaction and the batch is built again, until none is left.
            // Lookups are deterministic, so this ends after as many rounds as the lookup chain is long.
            let cache = LookupCache(histories: histories)
            var built: (batch: EventBatch, rows: [EntityKey: StateRow], order: [EntityKey], knownData: [Int: [UInt8]])
            while true {
                built = try buildBatch(txn, observations, first: first, observedAt: at, cache: cache, rawHashes: rawHashes,
                                       prepared: prepared)
                if cache.misses.isEmpty { break }
                for key in cache.misses { cache.records[key] = .some(try liveRecord(txn, key)?.record) }
                cache.misses = []
            }
            let (batch, pending, order, knownData) = built
            if cache.prepared != (0, 0) {
                let counts = cache.prepared
                preparedCreations.withLock { $0.used += counts.used; $0.reclassified += counts.reclassified }
            }
            let recorded = batch.recorded(startingAt: first, storeId: storeId)
            let encoded = try encode(txn, events: recorded, rows: order.map { ($0, pending[$0]!) }, knownData: knownData)
            try writeEvents(txn, recorded, encoded: encoded.events, expectedFirst: first)
            for (key, bytes) in zip(order, encoded.rows) {
                try txn.put(state, entityKeyBytes(key), bytes)
            }
            try applyCheckpoints(txn, checkpoints)
            let result = recorded.isEmpty ? AppendResult.empty
                : AppendResult(positions: first...recorded[recorded.count - 1].seq, observedAt: at,
                               recordChanges: Self.recordChanges(recorded))
            if let finalCheckpoints { try applyCheckpoints(txn, finalCheckpoints(result)) }
            // The batch's trees, events and encoded values are freed on the compressor thread, which is
            // idle now: freeing them was a tenth of the writer thread's time in a first sync, the
            // critical path. Not when an earlier batch still waits there (they are freed here then),
            // so at most one batch's memory waits to be freed.
            compressor.release((built, recorded, encoded, cache, observations), unlessQueued: 1)
            return result
        }
    }

    /// One round of turning observations into a batch (see `record`): the events, the new state rows,
    /// the order they were first touched in, and the canonical data of the created and restored events by
    /// their index in the batch (`{"record":` + the record's canonical bytes, which the sync already wrote
    /// to hash it: writing them again took about a sixth of the writer thread's time in a first sync).
    private func buildBatch(_ txn: borrowing WriteTransaction, _ observations: [Observation], first: LogPosition,
                            observedAt at: Timestamp, cache: LookupCache, rawHashes: [EntityKey: ContentHash],
                            prepared: [EntityKey: PreparedCreation])
        throws -> (batch: EventBatch, rows: [EntityKey: StateRow], order: [EntityKey], knownData: [Int: [UInt8]]) {
        cache.overlay = [:]
        cache.prepared = (0, 0)
        var batch = EventBatch(classifier: classifier)
        var knownData: [Int: [UInt8]] = [:]
        // Rows written by this batch, consulted before the store so repeated keys chain correctly.
        var pending: [EntityKey: StateRow] = [:]
        var order: [EntityKey] = []
        for observation in observations {
            let key = observation.key
            guard key.isStorable else { continue }
            let row = try pending[key] ?? readRow(txn, key)
            let entry: BatchEntry
            let after: NormalizedRecord?
            var newRow: StateRow
            switch observation {
            case .seen(_, let record):
                let rawHash = rawHashes[key]
                after = record
                if let row {
                    if !row.deleted && row.hash == record.hash {
                        // Unchanged once normalised; only a new raw hash is worth a row write.
                        if let rawHash, row.rawHash != rawHash {
                            var updated = row
                            updated.rawHash = rawHash
                            if pending.updateValue(updated, forKey: key) == nil { order.append(key) }
                        }
                        continue
                    }
                    let previous = try parseRecord(row.canonicalBytes, key)
                    entry = .change(row.deleted ? .restored(previous: previous, record: record.value)
                                                : .updated(before: previous, after: record.value))
                    newRow = StateRow(record, lastSeq: row.lastSeq, rawHash: rawHash)
                } else {
                    newRow = StateRow(record, lastSeq: .none, rawHash: rawHash)
                    if let p = prepared[key], try preparedHolds(txn, p, key: key, record: record, cache: cache) {
                        entry = .prepared(p)
                    } else {
                        if prepared[key] != nil { cache.prepared.reclassified += 1 }
                        entry = .change(.created(record.value))
                    }
                }
            case .absent(_, let reason):
                guard let row, !row.deleted else { continue }
                entry = .change(.deleted(lastKnown: try parseRecord(row.canonicalBytes, key), reason: reason))
                after = nil
                newRow = row
                newRow.deleted = true
            }
            let range: Range<Int>
            switch entry {
            case .change(let change):
                range = batch.append(change, of: key, observedAt: at, context: cache)
            case .prepared(let classified):
                range = batch.appendCreated(of: key, updatedAt: classified.recordUpdatedAt, observedAt: at,
                                            classified: classified.events)
                cache.prepared.used += 1
                for (j, data) in classified.data.enumerated() { knownData[range.lowerBound + 1 + j] = data }
            }
            if !range.isEmpty {
                // The record event comes first in its range (`EventBatch.append`).
                newRow.lastSeq = first.advanced(by: UInt64(range.lowerBound))
                switch entry {
                case .prepared, .change(.created), .change(.restored):
                    newRow.recordSeq = newRow.lastSeq  // the event holds this very record
                    if let after { knownData[range.lowerBound] = Self.recordEventData(after.canonicalBytes) }
                case .change(.updated): newRow.recordSeq = nil
                case .change(.deleted): break
                }
            }
            if pending.updateValue(newRow, forKey: key) == nil { order.append(key) }
            cache.overlay[key] = .some(after)
        }
        return (batch, pending, order, knownData)
    }

    /// What a batch appends for one observation: a change, classified in the transaction, or a record created
    /// with events classified ahead (`PreparedCreation`), recorded from its bytes without a tree.
    private enum BatchEntry {
        case change(RecordChange)
        case prepared(PreparedCreation)
    }

    /// The canonical bytes of a created or restored event's data, `{"record": R}`, from R's.
    static func recordEventData(_ record: [UInt8]) -> [UInt8] {
        let head = Array(#"{"record":"#.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(head.count + record.count + 1)
        out += head
        out += record
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Appends events built elsewhere (e.g. backfilled stage moves) with their indexes and
    /// `checkpoints`, in one write transaction, without touching the state index. Each event's
    /// `observedAt` is clamped to the log's last one; causation indexes point within `events`.
    @discardableResult
    public func append(_ events: [PendingEvent], checkpoints: [CheckpointWrite] = []) throws -> AppendResult {
        if events.isEmpty && checkpoints.isEmpty { return .empty }
        let storeId = self.storeId
        return try environment.write { txn in
            let last = try lastEntry(txn)
            let first = (last?.seq ?? .none).next
            var floor = last?.observedAt ?? Timestamp(millisecondsSinceEpoch: .min)
            let clamped = events.map { e -> PendingEvent in
                var e = e
                if e.observedAt < floor { e.observedAt = floor }
                floor = e.observedAt
                return e
            }
            let recorded = clamped.recorded(startingAt: first, storeId: storeId)
            let encoded = try encode(txn, events: recorded, rows: [])
            try writeEvents(txn, recorded, encoded: encoded.events, expectedFirst: first)
            try applyCheckpoints(txn, checkpoints)
            guard !recorded.isEmpty else { return .empty }
            let lastIndex = recorded.count - 1
            return AppendResult(positions: first...recorded[lastIndex].seq, observedAt: recorded[lastIndex].observedAt,
                                recordChanges: Self.recordChanges(recorded))
        }
    }

    /// How many of `events` are record events. (Read in place: a loop binding each event copied it,
    /// retaining its strings and data, for every event of a write.)
    private static func recordChanges(_ events: [RecordedEvent]) -> Int {
        var n = 0
        for i in events.indices { if case .record = events[i].type { n += 1 } }
        return n
    }

    /// Puts events at the end of the log (`MDB_APPEND`, so a position not after the last fails) and
    /// their index entries. The events are read in place, not copied (see `recordChanges`).
    private func writeEvents(_ txn: borrowing WriteTransaction, _ events: [RecordedEvent], encoded: [[UInt8]],
                             expectedFirst: LogPosition) throws {
        precondition(events.count == encoded.count, "one encoded value per event")
        var expected = expectedFirst
        for i in events.indices {
            let seq = events[i].seq
            guard seq == expected else {
                throw LedgerStoreError.inconsistentAppend(path: path, what: "event at \(seq) where \(expected) was due")
            }
            try txn.put(log, seq.value, encoded[i], flags: .append)
            try txn.put(byEntity, byEntityKey(events[i].subject, seq), [UInt8]())
            expected = expected.next
        }
    }
}

/// What one append wrote.
public struct AppendResult: Sendable, Hashable {
    /// The positions the events got, consecutive; empty when nothing was appended.
    public var positions: ClosedRange<LogPosition>?
    /// The observation time the events carry (the requested one, clamped to the log's last).
    public var observedAt: Timestamp?
    /// Number of record changes (record events) among the events.
    public var recordChanges: Int

    public var eventCount: Int { positions.map { Int($0.upperBound.value - $0.lowerBound.value) + 1 } ?? 0 }

    public static let empty = AppendResult(positions: nil, observedAt: nil, recordChanges: 0)
}

/// A write to the `checkpoints` database made in the same transaction as the events it belongs to.
public struct CheckpointWrite: Sendable, Hashable {
    public var key: String
    /// The new value; nil removes the key.
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    /// Stores (or with nil, removes) the `syncToken` of a list endpoint.
    public static func syncToken(_ token: String?, endpoint: String) -> CheckpointWrite {
        CheckpointWrite(key: StoreKeys.syncToken(endpoint), value: token.map { Array($0.utf8) })
    }
}
