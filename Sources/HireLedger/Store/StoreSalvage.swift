#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HireLedgerCore
import LMDB

/// `hireledger verify --salvage DIR`: a new store from every event of a damaged store that can still
/// be read, with the rest rebuilt (indexes, state rows, projections), and the positions lost named.
///
/// Two phases. `collect` reads the source's events one position at a time (a point read per position,
/// so a damaged page costs only the events it holds) into a staging environment. Reading a damaged
/// page can crash liblmdb, so `collect` runs in a child process and is restartable: before each read it
/// writes the position to `<staging>/attempt`; a run that finds an attempt not followed by a commit
/// counts that position lost and goes on after it. `build` then writes the new store: the source's
/// store id, the events at their own positions (so their ids stay), indexes, state rows folded from
/// the record events (a record whose chain is broken by a lost event keeps its last version that
/// folds, and is named), sync runs, and projections rebuilt. The lost positions are kept in `meta`
/// (`salvage/lost`), where `verify` reads them as known gaps.
public enum StoreSalvage {
    /// What a salvage recovered.
    public struct Report: Sendable {
        public var recovered: Int
        public var lost: [LogPosition]
        /// Records whose fold met a lost or unreadable event (their state is the last version that folded).
        public var brokenRecords: [EntityKey]
        public var lastPosition: LogPosition
    }

    static let eventsName = "events", lostName = "lost", metaName = "meta"

    /// Phase 1: copies readable events of `source` (positions 1 through `last`) into `staging`.
    /// Returns true when every position has been tried.
    public static func collect(source: LedgerStore, staging: String, last: LogPosition, batch: Int = 1_000) throws -> Bool {
        let env = try Environment.open(directory: staging, options: Environment.Options(noSync: true))
        let events = try env.openDatabase(name: eventsName, checksummed: true)
        let lost = try env.openDatabase(name: lostName)
        let meta = try env.openDatabase(name: metaName)
        let attemptFile = staging + "/attempt"
        // A crash after an attempt: that position is lost. The batch it was in is read again from its
        // start (its positions before the crash were not committed), skipping every position known lost.
        var next = try env.read { txn in try txn.get(meta, "next").flatMap { UInt64(bigEndianBytes: $0) } } ?? 1
        if let attempted = readAttempt(attemptFile), attempted >= next {
            try env.write { txn in try txn.put(lost, attempted, [UInt8]()) }
        }
        var knownLost = Set<UInt64>()
        try env.read { txn in
            _ = try txn.scan(lost) { k, _ in if let seq = UInt64(bigEndianBytes: k), seq >= next { knownLost.insert(seq) } }
        }
        let logDB = source.log
        // Staged events are kept plain (decompressed), so that `build` needs no dictionary.
        try? source.environment.read { txn in try source.loadDictionaries(txn) }
        // Dictionaries whose entries LMDB cannot reach (both copies under a damaged branch page) may
        // still lie whole on their pages.
        source.codec.adopt(from: dictionariesOnPages(directory: source.path))
        while next <= last.value {
            var found: [(UInt64, [UInt8])] = []
            var missing: [UInt64] = []
            let end = min(last.value, next + UInt64(batch) - 1)
            for seq in next...end where !knownLost.contains(seq) {
                writeAttempt(attemptFile, seq)
                do {
                    let bytes = try source.environment.read { txn in try txn.get(logDB, seq) }
                    if let bytes, let event = try? bytes.withUnsafeBytes({ try source.decodeEvent($0, at: LogPosition(seq)) }) {
                        found.append((seq, event.storageBytes()))
                    } else {
                        missing.append(seq)
                    }
                } catch {
                    missing.append(seq)
                }
            }
            try env.write { txn in
                for (seq, bytes) in found { try txn.put(events, seq, bytes) }
                for seq in missing { try txn.put(lost, seq, [UInt8]()) }
                try txn.put(meta, "next", end + 1)
            }
            writeAttempt(attemptFile, 0)
            next = end + 1
        }
        try env.sync(force: true)
        return true
    }

    /// Phase 2: writes the new store into `directory` (missing or empty) from the staging environment.
    public static func build(source: LedgerStore, staging: String, into directory: String, last: LogPosition) throws -> Report {
        let runs = (try? source.syncRuns().values.map { $0 }) ?? []
        // The redaction list travels with the salvage, so a later sync does not bring erased data back.
        var erasures: [([UInt8], [UInt8])] = []
        _ = try? source.environment.read { txn in
            try txn.scan(source.checkpoints, prefix: Array(CandidateErasure.keyPrefix.utf8)) { k, v in erasures.append((Array(k), Array(v))) }
        }
        return try build(storeId: source.storeId, createdAt: source.createdAt, runs: runs, erasures: erasures, staging: staging,
                         into: directory, last: last)
    }

    /// Phase 2 for a source known only by its id, creation time, sync runs and redaction list (a raw scan).
    public static func build(storeId: String, createdAt created: Timestamp, runs: [SyncRun], erasures: [([UInt8], [UInt8])],
                             staging: String, into directory: String, last: LogPosition) throws -> Report {
        let stagingEnv = try Environment.open(directory: staging, options: Environment.Options(noSync: true))
        let events = try stagingEnv.openDatabase(name: eventsName, checksummed: true)
        let lostDB = try stagingEnv.openDatabase(name: lostName)
        var lost: [LogPosition] = []
        try stagingEnv.read { txn in try txn.scan(lostDB) { k, _ in if let s = UInt64(bigEndianBytes: k) { lost.append(LogPosition(s)) } } }

        let env = try Environment.open(directory: directory)
        let dbs = try LedgerStore.databaseNames.map {
            try env.openDatabase(name: $0, checksummed: LedgerStore.checksummedDatabaseNames.contains($0))
        }
        let (meta, log, stateDB, byEntity, checkpoints) = (dbs[0], dbs[1], dbs[2], dbs[3], dbs[4])
        let lostBytes = lost.flatMap { $0.value.bigEndianBytes }
        try env.write { txn in
            // Written as format 3 with every value plain: the open at the end migrates it to the current
            // format, which trains the dictionaries from these events and compresses them.
            try txn.put(meta, StoreKeys.formatVersion, UInt64(3))
            try txn.put(meta, StoreKeys.storeId, storeId)
            try txn.put(meta, StoreKeys.createdAt, UInt64(bitPattern: created.millisecondsSinceEpoch))
            try txn.put(meta, StoreKeys.salvageLost, lostBytes)
        }
        var records: [EntityKey: RecordFold] = [:]
        var broken = Set<EntityKey>()
        var recovered = 0
        var after: UInt64 = 0
        while true {
            var batch: [RecordedEvent] = []
            try stagingEnv.read { txn in
                try txn.scan(events, from: (after + 1).bigEndianBytes, limit: 5_000) { k, v in
                    guard let seq = UInt64(bigEndianBytes: k) else { return }
                    if let e = try? RecordedEvent(storageBytes: Array(v), seq: LogPosition(seq), storeId: storeId) { batch.append(e) }
                }
            }
            guard let lastEvent = batch.last else { break }
            for e in batch {
                guard case .record = e.type else { continue }
                var fold = records[e.subject] ?? RecordFold()
                // A record whose chain is broken by a lost event keeps its last version that folds.
                do throws(RecordFoldError) { try fold.apply(e) } catch {
                    broken.insert(e.subject)
                    try? fold.apply(e, lenient: true)
                }
                records[e.subject] = fold
            }
            try StoreSalvage.appendPlain(env, batch, log: log, byEntity: byEntity)
            recovered += batch.count
            after = lastEvent.seq.value
        }
        try env.write { txn in
            for (key, value) in erasures { try txn.put(checkpoints, key, value) }
        }
        _ = try finishRebuiltStore(env, directory: directory, state: stateDB, checkpoints: checkpoints, records: records, runs: runs)
        return Report(recovered: recovered, lost: lost, brokenRecords: broken.sorted(), lastPosition: last)
    }

    /// Appends events, plain, with their index entries, to a store being written from a log (a salvage,
    /// a replay), in one write transaction.
    static func appendPlain(_ env: Environment, _ events: [RecordedEvent], log: Database, byEntity: Database) throws {
        try env.write { txn in
            for e in events {
                try txn.put(log, e.seq.value, e.storageBytes(), flags: .append)
                try txn.put(byEntity, StoreKeys.byEntity(e.subject, e.seq), [UInt8]())
            }
        }
    }

    /// The last step of writing a store from a log (a salvage, a replay): the state rows from the folds
    /// of the record events (normalised as the state index keeps them), the sync runs, then the store
    /// opened (which migrates a store written plain as format 3, compressing it) and its projections
    /// rebuilt. Returns the opened store and the number of rows written.
    static func finishRebuiltStore(_ env: Environment, directory: String, state: Database, checkpoints: Database,
                                   records: [EntityKey: RecordFold], runs: [SyncRun]) throws -> (store: LedgerStore, rows: Int) {
        let rows = records.compactMap { key, fold -> (EntityKey, StateRow)? in
            guard let record = fold.normalizedRecord(kind: key.kind), key.isStorable else { return nil }
            var row = StateRow(record, lastSeq: fold.lastSeq)
            row.deleted = fold.deleted
            return (key, row)
        }
        try env.write { txn in
            for (key, row) in rows { try txn.put(state, key.storageBytes, row.storageBytes()) }
            for run in runs {
                let w = run.checkpointWrite
                if let value = w.value { try txn.put(checkpoints, w.key, value) }
            }
        }
        let store = try LedgerStore.open(directory: directory)
        let options = ProjectionRunnerOptions(checkpointAfter: 0)
        try ProjectionRunner<HeadcountProjection>(store: store, options: options).rebuild()
        try ProjectionRunner<PipelineProjection>(store: store, options: options).rebuild()
        try ProjectionRunner<PlanChangesProjection>(store: store, options: options).rebuild()
        return (store, rows.count)
    }

    /// The positions a salvage recorded as lost (empty for any other store).
    public static func lostPositions(_ store: LedgerStore) throws -> Set<UInt64> {
        let meta = store.databases[0]
        guard let bytes = try store.environment.read({ txn in try txn.get(meta, StoreKeys.salvageLost) }) else { return [] }
        var out = Set<UInt64>()
        var i = 0
        while i + 8 <= bytes.count {
            if let v = UInt64(bigEndianBytes: bytes[i..<(i + 8)]) { out.insert(v) }
            i += 8
        }
        return out
    }

    static func writeAttempt(_ path: String, _ seq: UInt64) {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        var v = seq.bigEndian
        _ = withUnsafeBytes(of: &v) { pwrite(fd, $0.baseAddress, 8, 0) }
        close(fd)
    }

    static func readAttempt(_ path: String) -> UInt64? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var v: UInt64 = 0
        guard withUnsafeMutableBytes(of: &v, { pread(fd, $0.baseAddress, 8, 0) }) == 8 else { return nil }
        let seq = UInt64(bigEndian: v)
        return seq == 0 ? nil : seq
    }
}
