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
            let needle = target.storageBytes()
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

    @Test func aFormat2StoreMigratesResumablyToAStoreByteIdenticalToTheFreshOne() async throws {
        try await withTemporaryDirectory { path in
            let h = try await syncedStore(path + "/s", days: 4)
            let fresh = try Self.contents(h.store)
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
            // The next writable open finishes it.
            let migrated = try LedgerStore.open(directory: copy)
            #expect(try migrated.environment.read { txn in try txn.contains(meta, "migration/3") } == false)
            var after = try Self.contents(migrated)
            var before = fresh
            after["meta"]?[Array("migration/3".utf8)] = nil
            before["meta"]?[Array("migration/3".utf8)] = nil
            #expect(after == before)
            #expect(StoreVerifier.verify(migrated).isClean)
            #expect(try migrated.events() == h.store.events())
        }
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
