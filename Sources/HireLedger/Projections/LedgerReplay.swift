#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HireLedgerCore
import LMDB

/// `hireledger replay --until T --into DIR`: a new store holding the log up to `T` (the events
/// observed at or before `T`), with everything derived from the log rebuilt for that prefix, so its
/// views equal the source's views known at `T`.
///
/// What the new store holds:
/// - The same store id and creation time as the source. The events keep their positions, so keeping
///   the id keeps their ids (`<storeId>:<seq>`): an event id names the same event in both stores,
///   and a consumer that saw an event from the source recognises it in the replay. Tell the stores
///   apart by path.
/// - `log`, `by_entity`: the prefix (the same events at the same positions; the log compressed
///   with dictionaries trained from the prefix, so its bytes differ from the source's).
/// - `state`: rebuilt from the record events (`created`/`restored` set the record, `updated` applies
///   its JSON Patch, `deleted` tombstones the last known record), exactly as a sync would have left
///   it after the last event of the prefix.
/// - `checkpoints`: the sync runs finished at or before `T`. Sync tokens and the backfill cursor are
///   not kept (the source's were taken later than `T` and cannot be wound back), so the next sync of
///   the replayed store is a full pass, which compares with the rebuilt state and records exactly the
///   differences.
/// - `projections`: the headcount, pipeline and plan-changes states, checkpointed at the prefix's end.
public enum LedgerReplay {
    public struct Report: Sendable, Hashable {
        public var events: Int
        public var records: Int
        public var lastPosition: LogPosition
        public var lastObservedAt: Timestamp?
        public var storeId: String
    }

    /// Writes the replay of `source` up to `until` into `directory`, which must be missing or empty.
    ///
    /// - Throws: `LedgerStoreError`/`LMDBError` for store failures, `ReplayError` for a non-empty
    ///   directory or a log whose record events do not fold.
    @discardableResult
    public static func replay(_ source: LedgerStore, until: Timestamp, into directory: String,
                              batchSize: Int = 20_000) throws -> Report {
        if let entries = directoryEntries(directory), !entries.isEmpty {
            throw ReplayError("'\(directory)' is not empty; replay writes a new store and refuses to mix it with existing files. Pick a new or empty directory.")
        }
        let env = try Environment.open(directory: directory)
        let dbs = try LedgerStore.databaseNames.map { try env.openDatabase(name: $0, checksummed: LedgerStore.checksummedDatabaseNames.contains($0)) }
        let (meta, log, byEntity, checkpoints) = (dbs[0], dbs[1], dbs[3], dbs[4])
        let stateDB = dbs[2]
        let storeId = source.storeId, created = source.createdAt
        try env.write { txn in
            // Written as format 3 with every value plain: the open at the end migrates it to the current
            // format, which trains the dictionaries from these events and compresses them.
            try txn.put(meta, StoreKeys.formatVersion, UInt64(3))
            try txn.put(meta, StoreKeys.storeId, storeId)
            try txn.put(meta, StoreKeys.createdAt, UInt64(bitPattern: created.millisecondsSinceEpoch))
        }

        // The records as of the prefix's end: current version, deleted flag, last record event.
        var records: [EntityKey: RecordFold] = [:]
        var position = LogPosition.none
        var lastObserved: Timestamp?
        var count = 0
        while true {
            var batch: [RecordedEvent] = []
            guard let last = try source.scanEvents(after: position, limit: batchSize, through: until, wanted: { _ in true },
                                                   { batch.append($0) })
            else { break }
            for e in batch {
                guard case .record = e.type else { continue }
                var fold = records[e.subject] ?? RecordFold()
                do throws(RecordFoldError) { try fold.apply(e) } catch {
                    throw ReplayError("\(error); the source log is damaged")
                }
                records[e.subject] = fold
            }
            try StoreSalvage.appendPlain(env, batch, log: log, byEntity: byEntity)
            count += batch.count
            position = last.seq
            lastObserved = last.observedAt
        }

        let runs = try source.syncRuns().values.filter { $0.finishedAt <= until }
        // State rows normalised with the current rules (a log written before `RecordNormalizer.version` 2
        // carries embedded copies, which the state index keeps as references), runs, projections.
        let (replayed, rowCount) = try StoreSalvage.finishRebuiltStore(env, directory: directory, state: stateDB, checkpoints: checkpoints,
                                                                       records: records, runs: Array(runs))
        _ = chmod(replayed.path, 0o700)
        return Report(events: count, records: rowCount, lastPosition: position, lastObservedAt: lastObserved, storeId: storeId)
    }

    /// The names in `directory`, or nil when it does not exist.
    private static func directoryEntries(_ directory: String) -> [String]? {
        guard let dir = opendir(directory) else { return nil }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { out.append(name) }
        }
        return out
    }
}

/// `LedgerReplay.replay` cannot write the replayed store.
public struct ReplayError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "cannot replay the store: \(message)" }
}
