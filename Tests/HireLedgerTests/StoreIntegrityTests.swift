import AshbyAPI
import AshbySimulator
import Foundation
import HireLedger
import HireLedgerCore
import LMDB
import Testing

/// Format 3: checksums on every value that matters, checked on every read; the migration from format 2.
@Suite(.serialized)
struct StoreIntegrityTests {
    /// Every entry of every database as (key, value without checksum), read with the handles the store uses.
    static func contents(_ store: LedgerStore) throws -> [String: [[UInt8]: [UInt8]]] {
        var out: [String: [[UInt8]: [UInt8]]] = [:]
        try store.environment.read { txn in
            for db in store.databases {
                var entries: [[UInt8]: [UInt8]] = [:]
                try txn.scan(db) { key, value in entries[Array(key)] = Array(value) }
                out[db.name] = entries
            }
        }
        return out
    }

    /// What a store holds, independent of how its values are encoded (format 4 compresses with
    /// dictionaries trained per store, so two stores with equal contents differ in their bytes): every
    /// event decoded and written plain, every state row decoded (a reference resolved) and written
    /// plain inline, the other databases as they are, without the dictionaries and migration keys.
    static func logicalContents(_ store: LedgerStore) throws -> [String: [[UInt8]: [UInt8]]] {
        var out = try contents(store)
        out["dictionaries"] = nil
        out["meta"]?[Array("migration/3".utf8)] = nil
        out["meta"]?[Array("migration/4".utf8)] = nil
        out["meta"]?[Array("migration/5".utf8)] = nil
        out["checkpoints"] = out["checkpoints"]?.filter { !$0.key.starts(with: Array("dictionary/".utf8)) }
        out["log"] = Dictionary(uniqueKeysWithValues: try store.events().map { ($0.seq.value.bigEndianBytes, $0.storageBytes()) })
        var rows: [[UInt8]: [UInt8]] = [:]
        for kind in EntityKind.allCases {
            for key in try store.keys(of: kind, after: nil, limit: .max, includeDeleted: true) {
                var row = try #require(try store.stateRow(key))
                row.recordSeq = nil
                rows[key.storageBytes] = row.storageBytes()
            }
        }
        out["state"] = rows
        return out
    }

    /// The three projections folded from the whole log, encoded: what every view is computed from.
    static func views(_ store: LedgerStore) throws -> [[UInt8]] {
        let now = Timestamp(millisecondsSinceEpoch: .max / 2)
        return [
            HeadcountProjection.encode(try ProjectionRunner<HeadcountProjection>(store: store).state(knownAt: now).state),
            PipelineProjection.encode(try ProjectionRunner<PipelineProjection>(store: store).state(knownAt: now).state),
            PlanChangesProjection.encode(try ProjectionRunner<PlanChangesProjection>(store: store).state(knownAt: now).state),
        ]
    }

    func syncedStore(_ path: String, days: Int, seed: UInt64 = 5) async throws -> SyncHarness {
        let h = try SyncHarness(sim: tinySimulator(seed: seed), storePath: path)
        for day in 0...days {
            try await h.service().sync()
            if day < days { h.sim.advance(days: 1) }
        }
        try ProjectionRunner<HeadcountProjection>(store: h.store, options: ProjectionRunnerOptions(checkpointAfter: 0)).catchUp()
        try ProjectionRunner<PipelineProjection>(store: h.store, options: ProjectionRunnerOptions(checkpointAfter: 0)).catchUp()
        try ProjectionRunner<PlanChangesProjection>(store: h.store, options: ProjectionRunnerOptions(checkpointAfter: 0)).catchUp()
        return h
    }

    @Test func aFreshlySyncedStoreVerifiesCleanAndEveryValueCarriesAChecksum() async throws {
        try await withTemporaryDirectory { path in
            let h = try await syncedStore(path + "/s", days: 5)
            let report = StoreVerifier.verify(h.store)
            #expect(report.isClean, "\(report.findings)")
            #expect(report.events > 100 && report.rowsChecked > 50 && report.projectionsChecked.count == 3)
            // Read through plain handles, every value of the checksummed databases ends in its checksum.
            try h.store.environment.read { txn in
                for db in h.store.databases where LedgerStore.checksummedDatabaseNames.contains(db.name) {
                    try txn.scan(db.checksummed(false)) { key, stored in
                        let value = UnsafeRawBufferPointer(rebasing: stored[..<(stored.count - 8)])
                        let sum = UInt64(littleEndian: stored.loadUnaligned(fromByteOffset: stored.count - 8, as: UInt64.self))
                        #expect(ValueChecksum.of(key: key, value: value) == sum)
                    }
                }
            }
        }
    }

    @Test func aFlippedByteInAnEventIsATypedErrorNamingTheDatabaseAndPositionAndAVerifyFinding() async throws {
        try await withTemporaryDirectory { path in
            let h = try await syncedStore(path + "/s", days: 2)
            let target = try #require(try h.store.events().first { $0.type.description.hasPrefix("record.candidate.created") })
            let copy = path + "/copy"
            try h.store.copy(to: copy)
            // Find the stored event (its storage bytes, then the checksum) in the file and flip one byte in it.
            let file = copy + "/data.mdb"
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
            // The stored value (the data may be compressed), as the log database holds it.
            let log = try #require(h.store.databases.first { $0.name == "log" })
            let needle = try #require(try h.store.environment.read { txn in try txn.get(log, target.seq.value) })
            let at = try #require(Self.find(needle, in: bytes), "the event's bytes are not in the file")
            bytes[at + needle.count / 2] ^= 0x20
            try Data(bytes).write(to: URL(fileURLWithPath: file))

            let damaged = try LedgerStore.open(directory: copy)
            do {
                _ = try damaged.event(at: target.seq)
                Issue.record("reading a damaged event succeeded")
            } catch let e as LMDBError {
                #expect(e.code == .checksumMismatch && e.database == "log")
                #expect(e.description.contains("(\(target.seq.value) as a big-endian integer)"), "\(e)")
            }
            // A feed stops at it with the same error, instead of returning wrong data.
            #expect(throws: LMDBError.self) { try damaged.events() }
            let report = StoreVerifier.verify(damaged)
            #expect(report.findings.contains { $0.database == "log" && $0.key == "position \(target.seq.value)" }, "\(report.findings)")
        }
    }

    @Test func aFormat2StoreMigratesResumablyThroughEveryFormatToTheFreshOnesContents() async throws {
        try await withTemporaryDirectory { path in
            let h = try await syncedStore(path + "/s", days: 4)
            let fresh = try Self.logicalContents(h.store)
            let copy = path + "/old"
            try h.store.copy(to: copy)
            do {
                let old = try LedgerStore.open(directory: copy)
                try LedgerStoreMigration.downgradeToFormat2ForTesting(old)
            }
            // What the previous release would see: format 2, values without checksums.
            let env = try Environment.open(directory: copy)
            let meta = try env.openDatabase(name: "meta")
            #expect(try env.read { txn in try txn.get(meta, "format_version") } == UInt64(2).bigEndianBytes)
            // A migration killed after three small batches...
            let dbs = try ["log", "state", "checkpoints", "projections", "subscriptions"].map { try env.openDatabase(name: $0) }
            let finished = try LedgerStoreMigration.toFormat3(environment: env, meta: meta, databases: dbs, batchSize: 50, stopAfterBatches: 3)
            #expect(!finished)
            // ...leaves a store an older build refuses (format 3) and that read-only opens refuse as unfinished.
            #expect(try env.read { txn in try txn.get(meta, "format_version") } == UInt64(3).bigEndianBytes)
            #expect(try env.read { txn in try txn.contains(meta, "migration/3") })
            // The next writable open finishes it (and goes on to formats 4 and 5).
            let migrated = try LedgerStore.open(directory: copy)
            #expect(try migrated.environment.read { txn in try txn.contains(meta, "migration/3") } == false)
            #expect(try migrated.environment.read { txn in try txn.get(meta, "format_version") } == LedgerStore.formatVersion.bigEndianBytes)
            #expect(try Self.logicalContents(migrated) == fresh)
            #expect(StoreVerifier.verify(migrated).isClean)
            #expect(try migrated.events() == h.store.events())
            #expect(try Self.views(migrated) == Self.views(h.store))
        }
    }

    /// Format 3 → 4 (compressed values, state rows by reference): killed after a few batches of each
    /// database, finished by the next open; the migrated store holds the same events and rows, gives
    /// byte-identical views, verifies clean, is smaller, and takes further syncs like a fresh one.
    @Test func aFormat3StoreMigratesResumablyToFormat4WithByteIdenticalViews() async throws {
        try await withTemporaryDirectory { path in
            let h = try await syncedStore(path + "/s", days: 6)
            let fresh = try Self.logicalContents(h.store)
            let freshViews = try Self.views(h.store)
            let copy = path + "/old"
            try h.store.copy(to: copy)
            do {
                let old = try LedgerStore.open(directory: copy)
                try LedgerStoreMigration.downgradeToFormat3ForTesting(old)
            }
            // The previous release's store: format 3, events in storage version 1, rows in version 2.
            let env = try Environment.open(directory: copy)
            let meta = try env.openDatabase(name: "meta")
            let log = try env.openDatabase(name: "log", checksummed: true)
            let state = try env.openDatabase(name: "state", checksummed: true)
            #expect(try env.read { txn in try txn.get(meta, "format_version") } == UInt64(3).bigEndianBytes)
            try env.read { txn in
                try txn.scan(log) { _, v in #expect(v.first == 1) }
                try txn.scan(state) { _, v in #expect(v.first == 2) }
            }
            let plainBytes = try Self.usedBytes(env, ["log", "state"])
            // Killed after 2 batches of 40 values (in the log), then after 3 more (the state)...
            let partial = try LedgerStoreMigration.openWithoutMigratingForTesting(directory: copy)
            #expect(try LedgerStoreMigration.toFormat4(partial, batchSize: 40, stopAfterBatches: 2) == false)
            #expect(try env.read { txn in try txn.get(meta, "format_version") } == UInt64(4).bigEndianBytes)
            #expect(try env.read { txn in try txn.contains(meta, "migration/4") })
            // ...a half-migrated log still reads whole (old and new forms side by side)...
            #expect(try partial.events() == h.store.events())
            #expect(try LedgerStoreMigration.toFormat4(partial, batchSize: 40, stopAfterBatches: 3) == false)
            // ...and the next writable open finishes it (and goes on to format 5).
            let migrated = try LedgerStore.open(directory: copy)
            #expect(try env.read { txn in try txn.contains(meta, "migration/4") } == false)
            try env.read { txn in
                try txn.scan(log) { _, v in #expect(v.first == RecordedEvent.storageFormatVersion) }
                try txn.scan(state) { _, v in #expect(v.first == 3) }
            }
            #expect(try Self.logicalContents(migrated) == fresh)
            #expect(try Self.views(migrated) == freshViews)
            #expect(StoreVerifier.verify(migrated).isClean)
            // Most rows now refer to their created event; the values take far fewer bytes.
            var references = 0, rows = 0
            try env.read { txn in
                try txn.scan(state) { _, v in
                    rows += 1
                    if v[1] & 4 != 0 { references += 1 }
                }
            }
            #expect(references * 2 > rows)
            // In place, the rewritten pages keep their old fill; the compacting copy (`hireledger backup`)
            // writes them full: there the values take under half the bytes they took plain.
            let compact = path + "/compact"
            try migrated.copy(to: compact)
            let compactEnv = try Environment.open(directory: compact, options: Environment.Options(readOnly: true))
            _ = try ["log", "state"].map { try compactEnv.openDatabase(name: $0, flags: [], checksummed: true) }
            let compressedBytes = try Self.usedBytes(compactEnv, ["log", "state"])
            #expect(compressedBytes * 2 < plainBytes, "log+state: \(plainBytes) bytes plain, \(compressedBytes) after")
            try await expectSyncingOnMatchesTheFreshStore(migrated, h, goOn: path + "/goOn")
        }
    }

    /// Format 4 → 5 (UUID ids as 16 bytes in keys and subjects, event types as one-byte codes): a format-4
    /// store is read as it is when opened read-only; a migration killed in the log and again in the
    /// state is refused by read-only opens and finished by the next writable open; the migrated store
    /// holds the same events and rows, gives byte-identical views, verifies clean, takes fewer bytes,
    /// and takes further syncs like a fresh one.
    @Test func aFormat4StoreMigratesResumablyToFormat5WithByteIdenticalViews() async throws {
        try await withTemporaryDirectory { path in
            let h = try await syncedStore(path + "/s", days: 6)
            let fresh = try Self.logicalContents(h.store)
            let freshViews = try Self.views(h.store)
            let freshEvents = try h.store.events()
            let someEntity = try #require(freshEvents.first { $0.subject.kind == .application }?.subject)
            let copy = path + "/old"
            try h.store.copy(to: copy)
            // (A second copy for the read-only opens: one process opens a path with one set of options.)
            let readOnlyCopy = path + "/old-ro"
            do {
                let old = try LedgerStore.open(directory: copy)
                try LedgerStoreMigration.downgradeToFormat4ForTesting(old)
                try old.copy(to: readOnlyCopy)
            }
            // The previous release's store: format 4, event headers in storage version 2, text keys.
            let env = try Environment.open(directory: copy)
            let meta = try env.openDatabase(name: "meta")
            let log = try env.openDatabase(name: "log", checksummed: true)
            let state = try env.openDatabase(name: "state", checksummed: true)
            let byEntity = try env.openDatabase(name: "by_entity")
            #expect(try env.read { txn in try txn.get(meta, "format_version") } == UInt64(4).bigEndianBytes)
            var shortRows = 0
            func forms() throws -> (logVersions: Set<UInt8>, compactState: Int, textState: Int, compactIndex: Int, textIndex: Int) {
                var versions = Set<UInt8>()
                var counts = (0, 0, 0, 0)
                shortRows = 0
                try env.read { txn in
                    try txn.scan(log) { _, v in versions.insert(v[0]) }
                    try txn.scan(state) { k, v in
                        if k[1] == 0x80 { counts.0 += 1 } else { counts.1 += 1 }
                        if v[1] & 8 != 0 { shortRows += 1 }
                    }
                    try txn.scan(byEntity) { k, _ in if k[1] == 0x80 { counts.2 += 1 } else { counts.3 += 1 } }
                }
                return (versions, counts.0, counts.1, counts.2, counts.3)
            }
            let before = try forms()
            #expect(before.logVersions == [2] && before.compactState == 0 && before.compactIndex == 0 && shortRows == 0)
            let retired = try env.openDatabase(name: "by_occurred", flags: [])
            #expect(try env.read { txn in try txn.count(retired) } == freshEvents.count)
            let rowCount = before.textState
            let compactCopy4 = path + "/compact4"

            // Read-only, the format-4 store answers every read as it is (its keys in the text form).
            do {
                let readOnly = try LedgerStore.openReadOnly(directory: readOnlyCopy)
                try readOnly.copy(to: compactCopy4)
                #expect(!readOnly.compactKeys)
                #expect(try readOnly.events() == freshEvents)
                #expect(try readOnly.events(entity: someEntity) == h.store.events(entity: someEntity))
                #expect(try Self.logicalContents(readOnly)["state"] == fresh["state"])
                #expect(try readOnly.stateRow(someEntity) != nil)
            }

            // Killed in the log (2 batches of 40), then in the state...
            let partial = try LedgerStoreMigration.openWithoutMigratingForTesting(directory: copy)
            #expect(try LedgerStoreMigration.toFormat5(partial, batchSize: 40, stopAfterBatches: 2) == false)
            #expect(try env.read { txn in try txn.get(meta, "format_version") } == UInt64(5).bigEndianBytes)
            #expect(try env.read { txn in try txn.contains(meta, "migration/5") })
            #expect(try forms().logVersions == [2, 3])
            // ...a half-migrated log still reads whole (both header versions side by side)...
            #expect(try partial.events() == freshEvents)
            let logBatches = freshEvents.count / 40
            #expect(try LedgerStoreMigration.toFormat5(partial, batchSize: 40, stopAfterBatches: logBatches + 2) == false)
            let halfway = try forms()
            #expect(halfway.logVersions == [3] && halfway.compactState > 0 && halfway.textState > 0, "\(halfway)")
            // ...a read-only open refuses the half-migrated store instead of misreading it...
            let halfCopy = path + "/half"
            try partial.copy(to: halfCopy)
            #expect(throws: LedgerStoreError.self) { try LedgerStore.openReadOnly(directory: halfCopy) }
            // ...and the next writable open finishes it.
            let migrated = try LedgerStore.open(directory: copy)
            #expect(migrated.compactKeys)
            #expect(try env.read { txn in try txn.contains(meta, "migration/5") } == false)
            let after = try forms()
            #expect(after.logVersions == [3] && after.textState == 0 && after.textIndex == 0 && after.compactState == rowCount, "\(after)")
            // Most rows refer to their last event in the short form.
            #expect(shortRows * 2 > rowCount, "\(shortRows) of \(rowCount) rows")
            // The retired by_occurred index is empty (it held one entry per event before).
            #expect(try env.read { txn in try txn.count(retired) } == 0)
            #expect(try Self.logicalContents(migrated) == fresh)
            #expect(try Self.views(migrated) == freshViews)
            #expect(try migrated.events(entity: someEntity) == h.store.events(entity: someEntity))
            #expect(StoreVerifier.verify(migrated).isClean)
            // Compacted copies of both: format 5's log, state and index take fewer bytes.
            let compactCopy5 = path + "/compact5"
            try migrated.copy(to: compactCopy5)
            func used(_ dir: String) throws -> Int {
                let e = try Environment.open(directory: dir, options: Environment.Options(readOnly: true))
                _ = try ["log", "state"].map { try e.openDatabase(name: $0, flags: [], checksummed: true) }
                _ = try e.openDatabase(name: "by_entity", flags: [])
                return try Self.usedBytes(e, ["log", "state", "by_entity"])
            }
            let (bytes4, bytes5) = (try used(compactCopy4), try used(compactCopy5))
            #expect(bytes5 * 10 < bytes4 * 9, "log+state+by_entity: format 4 \(bytes4) bytes, format 5 \(bytes5)")
            try await expectSyncingOnMatchesTheFreshStore(migrated, h, goOn: path + "/goOn")
        }
    }

    /// A format-3 store written under normaliser version 1 (embedded copies of users, stages, jobs...
    /// stored as sent) is re-normalised by the migration: its state rows equal those of a store synced
    /// with the current rules from a twin simulator, no event is added, `verify` is clean, and the next
    /// full sync records no update (no catch-up burst where only a copy differed).
    @Test func theMigrationReNormalisesRowsHoldingEmbeddedCopiesWithoutAnEvent() async throws {
        try await withTemporaryDirectory { path in
            var config = SimulatorConfiguration(seed: 17, size: .tiny)
            config.behaviours = SimulatorBehaviours(deactivatedUsers: true)
            let old = try SyncHarness(sim: SimulatedAshby(configuration: config), storePath: path + "/v1")
            let current = try SyncHarness(sim: SimulatedAshby(configuration: config), storePath: path + "/v2")
            let version1 = RecordNormalizer(volatileFields: RecordNormalizer.standardVolatileFields)
            for h in [old, current] {
                let normalizer = h.store.path == old.store.path ? version1 : .standard
                let service = SyncService(store: h.store, client: h.client, clock: h.clock, normalizer: normalizer)
                for day in 0...3 {
                    try await service.sync()
                    if day < 3 { h.sim.advance(days: 1) }
                }
            }
            // Copies make some version-1 rows differ from the current rules' rows. (Compared by record and
            // deleted flag: the version-1 run recorded more events, updates where only a copy changed, so
            // the rows' last positions differ.)
            func records(_ store: LedgerStore) throws -> [EntityKey: (ContentHash, Bool, [UInt8])] {
                var out: [EntityKey: (ContentHash, Bool, [UInt8])] = [:]
                for kind in EntityKind.allCases {
                    for key in try store.keys(of: kind, after: nil, limit: .max, includeDeleted: true) {
                        let row = try #require(try store.stateRow(key))
                        out[key] = (row.hash, row.deleted, row.canonicalBytes)
                    }
                }
                return out
            }
            func same(_ a: [EntityKey: (ContentHash, Bool, [UInt8])], _ b: [EntityKey: (ContentHash, Bool, [UInt8])]) -> Int {
                a.count { key, v in b[key].map { $0.0 == v.0 && $0.1 == v.1 && $0.2 == v.2 } != true } + Set(b.keys).subtracting(a.keys).count
            }
            let expected = try records(current.store)
            #expect(same(try records(old.store), expected) > 0)
            try LedgerStoreMigration.downgradeToFormat3ForTesting(old.store)
            let copy = path + "/v1copy"
            try old.store.copy(to: copy)
            let migrated = try LedgerStore.open(directory: copy)
            #expect(same(try records(migrated), expected) == 0)
            #expect(try migrated.events() == old.store.events())
            #expect(StoreVerifier.verify(migrated).isClean)
            // A full pass with the current rules against the same account: nothing changed there, so
            // nothing is recorded (without the re-normalisation, every row holding a copy would update).
            let last = try migrated.lastPosition
            try await SyncService(store: migrated, client: old.client, clock: old.clock).sync(SyncOptions(forceFull: true))
            let appended = try migrated.events(after: last)
            #expect(appended.isEmpty, "\(appended.count) events, e.g. \(appended.prefix(3).map(\.type))")
        }
    }

    /// Syncing on from a copy of `migrated` (at `goOn`) goes on as on the fresh store `h`: one more
    /// simulated day synced into both gives the same events and the same state.
    func expectSyncingOnMatchesTheFreshStore(_ migrated: LedgerStore, _ h: SyncHarness, goOn: String) async throws {
        try migrated.copy(to: goOn)
        h.sim.advance(days: 1)
        try await h.service().sync()
        let next = try SyncHarness(sim: h.sim, storePath: goOn)
        try await next.service().sync()
        #expect(try next.store.events().map(\.type) == h.store.events().map(\.type))
        #expect(try Self.logicalContents(next.store)["state"] == Self.logicalContents(h.store)["state"])
    }

    /// Bytes of the pages (branch, leaf, overflow) of `names`.
    static func usedBytes(_ env: Environment, _ names: [String]) throws -> Int {
        let info = try env.info()
        return names.compactMap { info.databases[$0] }.reduce(0) { $0 + ($1.branchPages + $1.leafPages + $1.overflowPages) * $1.pageSize }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count, let first = needle.first else { return nil }
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
