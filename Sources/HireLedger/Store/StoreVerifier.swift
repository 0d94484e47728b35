import HireLedgerCore
import LMDB

/// `hireledger verify`: walks every database of a store and checks everything that can be checked.
///
/// Checks: every value's checksum (format 3) and that every entry LMDB counts can be reached; that
/// every event decodes, sits under its own position and the positions run 1, 2, 3… without a gap;
/// that `by_entity` holds exactly one entry per event; that each state row equals
/// the fold of its record's events (record, deleted flag, last record event) and every record with
/// events has a row; that each projection checkpoint equals a fold of the log up to its position.
///
/// Rules for callers: this reads through liblmdb, which can crash on a damaged page (see
/// `CrashBoundary` in the CLI): run it in a child process when the store may be damaged, as
/// `hireledger verify` does, and treat a crash as a finding. Every method runs short read
/// transactions; none is held across an `await`.
public enum StoreVerifier {
    /// One thing found wrong.
    public struct Finding: Sendable, Hashable, CustomStringConvertible {
        public var database: String
        /// The key (or position) involved, if one is known.
        public var key: String?
        public var what: String

        public init(database: String, key: String? = nil, what: String) {
            self.database = database
            self.key = key
            self.what = what
        }

        public var description: String { "\(database)\(key.map { " [\($0)]" } ?? ""): \(what)" }
    }

    /// What `verify` found.
    public struct Report: Sendable {
        public var findings: [Finding] = []
        /// Entries read per database.
        public var entriesRead: [String: Int] = [:]
        /// Events read and decoded, and the highest position seen.
        public var events = 0
        public var lastPosition = LogPosition.none
        /// Projections whose checkpoint was compared with a fold (name@version → position).
        public var projectionsChecked: [String: LogPosition] = [:]
        /// State rows compared with the fold of their record events.
        public var rowsChecked = 0
        /// Positions a salvage recorded as lost (not findings).
        public var knownLost = 0
        /// The page walk (`PageCheck`): pages checked in use and listed free; nil when it did not run.
        public var pages: (inUse: Int, free: Int, pageSize: Int)?
        /// Databases not read through liblmdb because the page walk found their pages damaged.
        public var skipped: [String] = []

        public var isClean: Bool { findings.isEmpty }
    }

    /// Walks the whole store in ONE read transaction (a consistent snapshot: syncs and the server may
    /// go on writing). Never throws for damage: damage is a finding.
    ///
    /// First the page walk (`PageCheck`, reading `data.mdb` with `pread` from the snapshot's meta page
    /// while the read transaction keeps its pages from being reused): every page reachable from the
    /// roots, checked for what liblmdb trusts. A database whose pages it finds damaged is then not read
    /// through liblmdb (which could crash on them), nor anything that needs it. `pageWalk: false`
    /// leaves the walk out (to measure what LMDB and the checksums see on their own).
    public static func verify(_ store: LedgerStore, pageWalk: Bool = true) -> Report {
        var report = Report()
        let knownLost = (try? StoreSalvage.lostPositions(store)) ?? []
        report.knownLost = knownLost.count
        do {
            try store.environment.read { txn in
                var damaged: Set<String> = []
                if pageWalk {
                    let pages = PageCheck.run(directory: store.environment.path, txnid: txn.snapshotID)
                    report.pages = (pages.pagesInUse, pages.freePages, pages.pageSize)
                    for f in pages.findings {
                        report.findings.append(Finding(database: f.database, key: f.page.map { "page \($0)" }, what: "page walk: " + f.what))
                    }
                    damaged = pages.damagedDatabases
                    // The main database and the file itself hold every named database: nothing is safe to read.
                    if !damaged.isDisjoint(with: ["main", "meta", "file"]) { damaged.formUnion(LedgerStore.databaseNames) }
                    // The free list is not read by a read-only walk.
                    damaged.remove("free")
                }
                report.skipped = LedgerStore.databaseNames.filter { damaged.contains($0) }
                for name in report.skipped {
                    report.findings.append(Finding(database: name, what: "not read through LMDB: the page walk found its pages damaged"))
                }
                verify(store, txn, knownLost: knownLost, skip: damaged, &report)
            }
        } catch {
            report.findings.append(Finding(database: "store", what: "cannot be read: \(error)"))
        }
        return report
    }

    static func verify(_ store: LedgerStore, _ txn: borrowing ReadTransaction, knownLost: Set<UInt64>, skip: Set<String> = [],
                       _ report: inout Report) {
        if !store.checksVerified {
            report.findings.append(Finding(database: "meta", what: "the store is format 2 or older "
                + "opened read-only: values carry no checksums to check (open it writable once to migrate it)"))
        }
        // The compression dictionaries, before any compressed value is decoded.
        if let dictionaries = store.dictionaries, !skip.contains("dictionaries") {
            walk(store, txn, dictionaries, "dictionaries", &report) { _, _ in }
            do { try store.loadDictionaries(txn) } catch {
                report.findings.append(Finding(database: "dictionaries", what: "\(error)"))
            }
        }
        var indexExpected = Set<[UInt8]>()
        var recordSubjects = Set<[UInt8]>()
        // The log: checksums, decoding, positions (a salvaged store's lost positions are known gaps).
        var expected = LogPosition.none.next
        var found: [Finding] = []
        var events = 0
        var lastPosition = LogPosition.none
        // Without the log nothing else can be compared: only the other databases' own walks run.
        if skip.contains("log") {
            for (db, name) in [(store.meta, "meta"), (store.state, "state"), (store.byEntity, "by_entity"),
                               (store.checkpoints, "checkpoints"), (store.projections, "projections"), (store.subscriptions, "subscriptions")]
            where !skip.contains(name) {
                walk(store, txn, db, name, &report) { _, _ in }
            }
            return
        }
        walk(store, txn, store.log, "log", &report) { key, value in
            guard let seq = UInt64(bigEndianBytes: key) else {
                found.append(Finding(database: "log", key: hex(key), what: "a key that is not an 8-byte position"))
                return
            }
            let position = LogPosition(seq)
            let event: RecordedEvent
            do { event = try store.decodeEvent(value, at: position) } catch {
                found.append(Finding(database: "log", key: "position \(seq)", what: "the event does not decode: \(error)"))
                return
            }
            if event.seq != position {
                found.append(Finding(database: "log", key: "position \(seq)", what: "holds the event of position \(event.seq.value)"))
            }
            if position < expected {
                found.append(Finding(database: "log", key: "position \(seq)", what: "out of order (after \(expected.value - 1))"))
            } else if position > expected {
                let gap = (expected.value...(seq - 1)).filter { !knownLost.contains($0) }
                if !gap.isEmpty {
                    found.append(Finding(database: "log", key: "positions \(summary(gap))", what: "missing: the log has a gap"))
                }
            }
            expected = position.next
            events += 1
            lastPosition = max(lastPosition, position)
            indexExpected.insert(store.byEntityKey(event.subject, event.seq))
            if case .record = event.type { recordSubjects.insert(store.entityKeyBytes(event.subject)) }
        }
        report.findings += found
        report.events = events
        report.lastPosition = lastPosition
        // The index: exactly one entry per event.
        for (db, name, wanted) in [(store.byEntity, "by_entity", indexExpected)] where !skip.contains(name) {
            var missing = wanted
            var unexpected: [Finding] = []
            walk(store, txn, db, name, &report) { key, _ in
                if missing.remove(Array(key)) == nil {
                    let seq = StoreKeys.trailingSeq(key).map { "position \($0.value)" } ?? hex(key)
                    unexpected.append(Finding(database: name, key: seq, what: "an entry for no event of the log"))
                }
            }
            report.findings += unexpected
            if !missing.isEmpty {
                let seqs = missing.compactMap { k in k.withUnsafeBytes { StoreKeys.trailingSeq($0)?.value } }.sorted()
                report.findings.append(Finding(database: name, key: "positions \(summary(seqs))",
                                               what: "\(missing.count) events have no index entry"))
            }
        }
        // The state index against the fold of each record's events.
        var rowKeys = Set<[UInt8]>()
        var rows: [(EntityKey, [UInt8])] = []
        found = []
        if skip.contains("state") || skip.contains("by_entity") {
            if !skip.contains("state") { walk(store, txn, store.state, "state", &report) { _, _ in } }
        } else {
            walk(store, txn, store.state, "state", &report) { key, value in
                rowKeys.insert(Array(key))
                guard let entity = EntityKey(storageBytes: key) else {
                    found.append(Finding(database: "state", key: hex(key), what: "a key that is not an entity key"))
                    return
                }
                guard key.elementsEqual(store.entityKeyBytes(entity)) else {
                    found.append(Finding(database: "state", key: entity.description,
                                         what: "the key is not in this store's form (format 5 keeps a UUID id as 16 bytes)"))
                    return
                }
                guard StateRow.parse(value) != nil else {
                    found.append(Finding(database: "state", key: entity.description, what: "the row does not decode"))
                    return
                }
                rows.append((entity, Array(value)))
            }
            report.findings += found
            for (entity, bytes) in rows {
                let row: StateRow
                do { row = try bytes.withUnsafeBytes { try store.decodeRow(txn, entity, $0) } } catch {
                    report.findings.append(Finding(database: "state", key: entity.description, what: "the row does not decode: \(error)"))
                    continue
                }
                do {
                    if let problem = try compareWithFold(store, txn, entity, row, lenient: !knownLost.isEmpty) {
                        report.findings.append(Finding(database: "state", key: entity.description, what: problem))
                    }
                    report.rowsChecked += 1
                } catch {
                    report.findings.append(Finding(database: "state", key: entity.description, what: "its events cannot be read: \(error)"))
                }
            }
            let withoutRow = recordSubjects.subtracting(rowKeys)
            // In a salvaged store a record whose created event was lost has no version to keep: no row.
            if !withoutRow.isEmpty, knownLost.isEmpty {
                let names = withoutRow.prefix(5).compactMap { EntityKey(storageBytes: $0)?.description }
                report.findings.append(Finding(database: "state", what: "\(withoutRow.count) records with events have no row (e.g. \(names.joined(separator: ", ")))"))
            }
        }
        // The other databases: checksums and reachability.
        for (db, name) in [(store.meta, "meta"), (store.checkpoints, "checkpoints"), (store.projections, "projections"),
                           (store.subscriptions, "subscriptions")] where !skip.contains(name) {
            walk(store, txn, db, name, &report) { _, _ in }
        }
        // Projection checkpoints against a fold of the log.
        if skip.contains("projections") { return }
        checkProjection(HeadcountProjection.self, store, txn, &report)
        checkProjection(PipelineProjection.self, store, txn, &report)
        checkProjection(PlanChangesProjection.self, store, txn, &report)
    }

    /// Visits every entry of `db`, turning checksum mismatches into findings (and going on past them)
    /// and LMDB's own damage reports into a finding that ends the walk of that database; then compares
    /// the count reached with the count LMDB keeps.
    static func walk(_ store: LedgerStore, _ txn: borrowing ReadTransaction, _ db: Database, _ name: String, _ report: inout Report,
                     _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) {
        var reached = 0, mismatched = 0
        let expectedCount = try? txn.count(db)
        var found: [Finding] = []
        do {
            try txn.withCursor(db) { cursor in
                var first = true
                while true {
                    let more: Bool
                    do {
                        more = first ? try cursor.first() : try cursor.next()
                    } catch let e as LMDBError where e.code == .checksumMismatch {
                        mismatched += 1
                        found.append(Finding(database: name, key: e.key.map { describeKey(name, $0) },
                                             what: "the value does not match its checksum"))
                        first = false
                        continue
                    }
                    first = false
                    guard more else { break }
                    reached += 1
                    cursor.withCurrent { key, value in visit(key, value) }
                }
            }
        } catch {
            found.append(Finding(database: name, what: "the walk stopped after \(reached) entries: \(error)"))
        }
        report.findings += found
        report.entriesRead[name] = reached
        if let expectedCount, expectedCount != reached + mismatched {
            report.findings.append(Finding(database: name, what: "LMDB counts \(expectedCount) entries, \(reached + mismatched) were reached"))
        }
    }

    /// nil when the row equals the fold of the record's events, else what differs.
    /// `lenient`: for a salvaged store, an update that does not apply (its predecessor was lost) is
    /// skipped, as the salvage did when it folded the row.
    static func compareWithFold(_ store: LedgerStore, _ txn: borrowing ReadTransaction, _ entity: EntityKey, _ row: StateRow,
                                lenient: Bool = false) throws -> String? {
        let prefix = store.entityKeyBytes(entity)
        var seqs: [LogPosition] = []
        try txn.scan(store.byEntity, prefix: prefix) { key, _ in
            if key.count == prefix.count + 8, let seq = StoreKeys.trailingSeq(key) { seqs.append(seq) }
        }
        var events: [RecordedEvent] = []
        for seq in seqs {
            guard let e = try txn.withValue(store.log, seq.value, { try store.decodeEvent($0, at: seq) }) else {
                return "its index names event \(seq.value), which the log does not hold"
            }
            events.append(e)
        }
        var fold = RecordFold()
        for e in events {
            do throws(RecordFoldError) { try fold.apply(e, lenient: lenient) } catch {
                return "event \(error.seq.value) \(error.what)"
            }
        }
        // The state index keeps the record normalised with the current rules (a log written under older
        // ones holds embedded copies that the rows keep as references).
        guard let record = fold.normalizedRecord(kind: entity.kind) else { return "a row without any record event" }
        let (deleted, lastSeq) = (fold.deleted, fold.lastSeq)
        if record.canonicalBytes != row.canonicalBytes { return "the row's record differs from the fold of its events" }
        if ContentHash(bytes: row.canonicalBytes) != row.hash { return "the row's content hash does not match its record" }
        if deleted != row.deleted { return deleted ? "the row is live but its last record event deleted it" : "the row is deleted but its events say live" }
        if lastSeq != row.lastSeq { return "the row names event \(row.lastSeq.value) as its last, the log \(lastSeq.value)" }
        return nil
    }

    static func checkProjection<P: Projection>(_: P.Type, _ store: LedgerStore, _ txn: borrowing ReadTransaction, _ report: inout Report) {
        let key = ProjectionRunner<P>.checkpointKey
        do {
            guard let bytes = try txn.get(store.projections, key) else { return }
            guard let checkpoint = bytes.withUnsafeBytes({ ProjectionCheckpoint(storageBytes: $0) }) else {
                report.findings.append(Finding(database: "projections", key: P.storageKey, what: "the checkpoint does not decode"))
                return
            }
            var state = P.initialState()
            var position = LogPosition.none
            try txn.scan(store.log, upTo: checkpoint.position.next.bigEndianBytes) { key, value in
                let e = try store.decodeEvent(value, at: LogPosition(UInt64(bigEndianBytes: key) ?? 0))
                if P.handles(e.type) { P.apply(e, to: &state) }
                position = e.seq
            }
            if position != checkpoint.position {
                report.findings.append(Finding(database: "projections", key: P.storageKey,
                                               what: "the checkpoint covers position \(checkpoint.position.value) but the log ends at \(position.value)"))
            } else if P.encode(state) != checkpoint.stateBytes {
                report.findings.append(Finding(database: "projections", key: P.storageKey,
                                               what: "the checkpoint differs from a fold of the log up to position \(position.value)"))
            }
            report.projectionsChecked[P.storageKey] = checkpoint.position
        } catch {
            report.findings.append(Finding(database: "projections", key: P.storageKey, what: "cannot be checked: \(error)"))
        }
    }

    static func describeKey(_ database: String, _ key: [UInt8]) -> String {
        if database == "log", let seq = UInt64(bigEndianBytes: key) { return "position \(seq)" }
        if database == "state", let entity = EntityKey(storageBytes: key) { return entity.description }
        if let text = String(validating: key, as: UTF8.self), text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) { return text }
        return key.withUnsafeBytes { hex($0) }
    }

    static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        bytes.prefix(40).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    /// "1, 4...9, 12" for sorted numbers, at most a few ranges.
    public static func summary(_ values: [UInt64]) -> String {
        var ranges: [(UInt64, UInt64)] = []
        for v in values {
            if let last = ranges.last, last.1 + 1 == v { ranges[ranges.count - 1].1 = v } else { ranges.append((v, v)) }
        }
        let shown = ranges.prefix(8).map { $0.0 == $0.1 ? "\($0.0)" : "\($0.0)...\($0.1)" }
        return shown.joined(separator: ", ") + (ranges.count > 8 ? ", … (\(ranges.count) ranges)" : "")
    }
}

/// A store found damaged where a command needs it whole (`backup`, `replay`, `restore`): the
/// findings, and the way out.
public struct StoreDamageReport: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let findings: [String]

    public init(path: String, findings: [String]) {
        self.path = path
        self.findings = findings
    }

    public var description: String {
        let shown = findings.prefix(10).map { "  - " + $0 }.joined(separator: "\n")
        let more = findings.count > 10 ? "\n  - … and \(findings.count - 10) more" : ""
        return "the store at \(path) is damaged (\(findings.count) finding\(findings.count == 1 ? "" : "s")):\n\(shown)\(more)\n"
            + LedgerStoreError.wayOut
    }
}
