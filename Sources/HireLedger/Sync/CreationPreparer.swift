import HireLedgerCore
import LMDB

/// The domain events of a record that is new to the store, classified before its write transaction
/// (`CreationPreparer`, on the pass's task) instead of inside it on the writer thread. `LedgerStore.record`
/// uses them only while they still hold: the record is still new and unchanged, no history was fetched
/// for it, and every record the classifier looked up is still as it was then; otherwise it classifies
/// the record itself, as it does every other change.
///
/// Why: in a first sync nearly every record is new, and classifying them (with the canonical form of each
/// event's data) was about a third of the writer thread's time, which is the sync's critical path, while
/// the pass's own task left most of the other core idle.
public struct PreparedCreation: Sendable {
    /// The content hash of the normalised record the events were classified from.
    public var recordHash: ContentHash
    /// The domain events, in order, with `observedAt` unset (`LedgerStore.record` sets it), no causation and
    /// `null` data: their data is kept as its canonical bytes only (`data`), so no tree of it is held with the
    /// pages, copied into the batch and freed after the commit.
    public var events: [PendingEvent]
    /// The canonical bytes of each event's data.
    public var data: [[UInt8]]
    /// Every record the classifier looked up, with the content hash it had then (nil: absent or deleted).
    public var lookups: [(key: EntityKey, hash: ContentHash?)]
    /// The record's `updatedAt` (nil when it has none or it is unreadable): the `occurredAt` of its `created`
    /// record event, which the writer then makes without the record's tree (`EventBatch.appendCreated`).
    public var recordUpdatedAt: Timestamp?

    /// The `observedAt` the events are classified with: the transaction decides the real one. An event whose
    /// time falls back to it (`occurredAt`, when neither the source nor the record states one) cannot be
    /// prepared, so such records are left to the writer.
    static let unsetObservedAt = Timestamp(millisecondsSinceEpoch: .min)
}

/// Classifies the new records of a pass's pages ahead of their write transaction (`PreparedCreation`).
///
/// Lookups are answered from the store's committed state, read in one transaction per round: like the
/// writer's `LookupCache`, a lookup it cannot answer yet is noted, the misses are read, and the records that
/// missed are classified again. Records found are kept for the pass (a lookup that has changed since is
/// caught by the writer's check, which then classifies that record itself); absent ones are asked again
/// on each page, since the transaction in flight may be writing them.
final class CreationPreparer {
    private let store: LedgerStore
    private let classifier: EventClassifier
    /// The lookups' answers: kept for the pass when found, for one page when absent. (One context for the
    /// pass: a dictionary of found records handed to a context per page was copied whenever a page found
    /// more, about a tenth of the preparation's time.)
    private let context = Context()

    init(store: LedgerStore) {
        self.store = store
        self.classifier = store.classifier
    }

    /// The prepared creations of `records` (all new to the store when compared), by key. A record of a kind
    /// without creation events (`EventClassifier.classifiesCreation`) is not classified and gets no tree:
    /// its `updatedAt` is read from its bytes.
    func prepare(_ records: [(key: EntityKey, record: NormalizedRecord)]) throws -> [EntityKey: PreparedCreation] {
        guard !records.isEmpty else { return [:] }
        let context = self.context
        context.absent = []
        var prepared: [EntityKey: PreparedCreation] = [:]
        var todo = Array(records.indices)
        while !todo.isEmpty {
            var missed: [Int] = []
            for i in todo {
                let (key, record) = records[i]
                guard EventClassifier.classifiesCreation(key.kind) else {
                    let updatedAt = (try? JSONValue.parse(record.canonicalBytes, selecting: Self.updatedAtOnly))
                        .flatMap { Self.updatedAt($0) }
                    prepared[key] = PreparedCreation(recordHash: record.hash, events: [], data: [], lookups: [],
                                                     recordUpdatedAt: updatedAt)
                    continue
                }
                context.begin()
                // The members the classifier reads, unless the record already has its tree.
                let value = record.hasTree ? record.value
                    : EventClassifier.creationSelection(key.kind).flatMap { try? JSONValue.parse(record.canonicalBytes, selecting: $0) }
                    ?? record.value
                let events = classifier.classify(.created(value), subject: key,
                                                 observedAt: PreparedCreation.unsetObservedAt, context: context)
                if context.missed { missed.append(i); continue }
                guard !events.contains(where: { $0.occurredAt == PreparedCreation.unsetObservedAt }) else { continue }
                let data = events.map { $0.data.canonicalBytes() }
                let bytesOnly = events.map { e in var e = e; e.data = .null; return e }
                prepared[key] = PreparedCreation(recordHash: record.hash, events: bytesOnly, data: data, lookups: context.used,
                                                 recordUpdatedAt: Self.updatedAt(value))
            }
            if !context.misses.isEmpty {
                for (key, answer) in try store.lookupRecords(Array(context.misses)) {
                    if let answer { context.found[key] = answer } else { context.absent.insert(key) }
                }
                context.misses = []
            }
            todo = missed
        }
        return prepared
    }

    private static let updatedAtOnly = JSONSelection.only(["updatedAt"])

    /// A record's `updatedAt` as its `created` record event reads it (`RecordChange.recordEvent`).
    private static func updatedAt(_ record: JSONValue) -> Timestamp? {
        record.string("updatedAt").flatMap(Timestamp.init(iso8601:))
    }

    /// The classifier's view: the pass's found records, then this page's reads of absent ones.
    private final class Context: ClassificationContext {
        /// The pass's live records found so far.
        var found: [EntityKey: (hash: ContentHash, record: JSONValue)] = [:]
        /// Records read absent (or deleted) for this page.
        var absent: Set<EntityKey> = []
        var misses: Set<EntityKey> = []
        /// The current classification's lookups and whether one of them could not be answered.
        private(set) var used: [(key: EntityKey, hash: ContentHash?)] = []
        private(set) var missed = false

        func begin() {
            used = []
            missed = false
        }

        func currentRecord(_ key: EntityKey) -> JSONValue? {
            if let live = found[key] {
                used.append((key, live.hash))
                return live.record
            }
            if absent.contains(key) {
                used.append((key, nil))
            } else {
                misses.insert(key)
                missed = true
            }
            return nil
        }
    }
}

extension LedgerStore {
    /// The live records of `keys` with their content hashes (nil for absent or deleted ones), read in
    /// one transaction: `currentRecord` for many keys.
    func lookupRecords(_ keys: [EntityKey]) throws -> [(EntityKey, (hash: ContentHash, record: JSONValue)?)] {
        try environment.read { txn in try keys.map { key in (key, try liveRecord(txn, key)) } }
    }

    /// Whether `prepared` still holds for `record` of `key` in the transaction being built: the same
    /// record, no history fetched for it, and every record looked up unchanged since (none of them
    /// touched by this batch). Committed hashes are memoised in `cache` for the batch.
    func preparedHolds(_ txn: borrowing WriteTransaction, _ prepared: PreparedCreation, key: EntityKey,
                       record: NormalizedRecord, cache: LookupCache) throws -> Bool {
        guard prepared.recordHash == record.hash, cache.histories[key.id] == nil else { return false }
        for (lookedUp, hash) in prepared.lookups {
            if cache.overlay[lookedUp] != nil { return false }
            let current: ContentHash?
            if let memo = cache.committedHashes[lookedUp] {
                current = memo
            } else {
                let peeked = try txn.withValue(state, entityKeyBytes(lookedUp)) { StateRow.peek($0) }
                switch peeked {
                case nil: current = nil
                case .some(nil):
                    throw LedgerStoreError.damagedEntry(path: path, database: "state", what: "unreadable row for \(lookedUp)")
                case .some(.some(let row)): current = row.deleted ? nil : row.hash
                }
                cache.committedHashes[lookedUp] = .some(current)
            }
            if current != hash { return false }
        }
        return true
    }
}
