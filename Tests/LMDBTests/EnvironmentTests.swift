import Foundation
import LMDB
import Testing

struct EnvironmentTests {
    @Test func mapStartingAt64KiBGrowsToHoldOver100MB() throws {
        let options = Environment.Options(mapSize: 64 << 10, noSync: true)
        try withEnvironment(options) { env throws in
            let log = try env.openDatabase(name: "log", flags: .create)
            let value = [UInt8](repeating: 0xAB, count: 1024)
            let batches = 110, perBatch = 1000
            var runs = 0
            for batch in 0..<batches {
                let first = UInt64(batch * perBatch)
                // The closure may run again after growth, so it derives everything from `first`.
                try env.write { txn throws in
                    runs += 1 // counts re-runs; not something a real closure should do
                    for seq in first..<first + UInt64(perBatch) { try txn.put(log, seq, value, flags: .append) }
                }
            }
            let info = try env.info()
            #expect(info.databases["log"]?.entries == batches * perBatch)
            #expect(info.mapSize >= 100 << 20)
            #expect(info.usedBytes >= 100 << 20)
            #expect(runs > batches, "the map never filled up, so growth was not exercised")
            try env.read { txn throws in
                #expect(try txn.get(log, UInt64(109_999)) == value)
                #expect(try txn.get(log, UInt64(110_000)) == nil)
            }
        }
    }

    @Test func mapFullSwallowedByTheClosureStillGrowsAndReruns() throws {
        struct Unrelated: Error {}
        let options = Environment.Options(mapSize: 64 << 10, mapGrowthStep: 1 << 20, noSync: true)
        try withEnvironment(options) { env throws in
            let db = try env.openDatabase(name: "blobs", flags: .create)
            var attempts = 0
            try env.write { txn throws in
                attempts += 1
                do {
                    for n: UInt64 in 0..<200 { try txn.put(db, n, [UInt8](repeating: 1, count: 4000)) }
                } catch {
                    // A careless closure turns the map-full error into something else on the first run.
                    throw Unrelated()
                }
            }
            #expect(attempts > 1)
            #expect(try env.read { txn throws in try txn.count(db) } == 200)
        }
    }

    @Test func readersSeeConsistentSnapshotsWhileWriterCommits() throws {
        // A small map, so that the writer also grows it while readers are reading.
        let options = Environment.Options(mapSize: 64 << 10, noSync: true)
        try withEnvironment(options) { env throws in
            let state = try env.openDatabase(name: "state", flags: .create)
            let log = try env.openDatabase(name: "log", flags: .create)
            let errors = ErrorCollector()
            let finished = DispatchSemaphore(value: 0)
            let rounds: UInt64 = 300, readerCount = 4
            let payload = [UInt8](repeating: 7, count: 2000)

            Thread.detachNewThread {
                defer { finished.signal() }
                do {
                    for round in 1...rounds {
                        try env.write { txn throws in
                            // Invariant every snapshot must show: a == b == number of log entries.
                            try txn.put(state, "a", round)
                            for i in 0..<10 { try txn.put(log, (round - 1) * 10 + UInt64(i), payload, flags: .append) }
                            try txn.put(state, "b", round)
                        }
                    }
                    try env.write { txn throws in try txn.put(state, "done", [UInt8(1)]) }
                } catch {
                    errors.record("writer: \(error)")
                }
            }
            for reader in 0..<readerCount {
                Thread.detachNewThread {
                    defer { finished.signal() }
                    var last: UInt64 = 0
                    var done = false
                    var reads = 0
                    while !done {
                        do {
                            try env.read { txn throws in
                                let a = try txn.get(state, "a").flatMap { UInt64(bigEndianBytes: $0) } ?? 0
                                let b = try txn.get(state, "b").flatMap { UInt64(bigEndianBytes: $0) } ?? 0
                                let entries = try txn.count(log)
                                if a != b || entries != Int(a) * 10 || a < last {
                                    errors.record("reader \(reader): a=\(a) b=\(b) entries=\(entries) last=\(last)")
                                }
                                last = a
                                done = try txn.contains(state, "done")
                            }
                            reads += 1
                        } catch {
                            errors.record("reader \(reader): \(error)")
                            return
                        }
                    }
                    if last != rounds { errors.record("reader \(reader) ended at \(last) after \(reads) reads") }
                }
            }
            for _ in 0...readerCount { finished.wait() }
            #expect(errors.all.isEmpty, "\(errors.all.prefix(5))")
            #expect(try env.info().mapSize > 64 << 10)
        }
    }

    @Test func compactedCopyIsReadableByMdbStat() throws {
        try withTemporaryDirectory { backup throws in
            try withEnvironment { env throws in
                let log = try env.openDatabase(name: "log", flags: .create)
                try env.write { txn throws in
                    for seq: UInt64 in 0..<1000 { try txn.put(log, seq, [UInt8](repeating: 3, count: 500)) }
                }
                // Free pages for the compaction to leave out.
                try env.write { txn throws in for seq: UInt64 in 0..<500 { try txn.delete(log, seq) } }
                try env.copy(to: backup, compact: true)

                let target = backup + "/data.mdb"
                #expect(try posixPermissions(target) == 0o600)
                #expect(try posixPermissions(backup) == 0o700)

                let stat = Process()
                stat.executableURL = URL(fileURLWithPath: "/usr/bin/mdb_stat")
                stat.arguments = ["-s", "log", backup]
                let pipe = Pipe()
                stat.standardOutput = pipe
                try stat.run()
                let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                stat.waitUntilExit()
                #expect(stat.terminationStatus == 0)
                #expect(output.contains("Entries: 500"), "mdb_stat said: \(output)")

                let originalSize = try #require(FileManager.default.attributesOfItem(atPath: env.path + "/data.mdb")[.size] as? Int)
                let copySize = try #require(FileManager.default.attributesOfItem(atPath: target)[.size] as? Int)
                #expect(copySize < originalSize)

                let error = try #require(throws: LMDBError.self) { try env.copy(to: backup, compact: true) }
                #expect(error.description.contains("must be empty"))
            }
        }
    }

    @Test func storeFilesAreOwnerOnly() throws {
        try withTemporaryDirectory { root throws in
            let directory = root + "/nested/store"
            let env = try Environment.open(directory: directory, options: .init(mapSize: 1 << 20, noSync: true))
            _ = try env.openDatabase(name: "log", flags: .create)
            #expect(try posixPermissions(directory) == 0o700)
            #expect(try posixPermissions(root + "/nested") == 0o700)
            #expect(try posixPermissions(directory + "/data.mdb") == 0o600)
            #expect(try posixPermissions(directory + "/lock.mdb") == 0o600)
        }
    }

    @Test func openingTheSamePathTwiceReusesTheOpenEnvironment() throws {
        try withTemporaryDirectory { path throws in
            let options = Environment.Options(mapSize: 1 << 20, noSync: true)
            do {
                let first = try Environment.open(directory: path, options: options)
                let second = try Environment.open(directory: path + "/./", options: options)
                #expect(first === second)
                try FileManager.default.createSymbolicLink(atPath: path + "-link", withDestinationPath: path)
                defer { try? FileManager.default.removeItem(atPath: path + "-link") }
                let third = try Environment.open(directory: path + "-link", options: options)
                #expect(first === third)

                var other = options
                other.maxReaders = 10
                let error = try #require(throws: LMDBError.self) { try Environment.open(directory: path, options: other) }
                #expect(error.code == .alreadyOpen)
                #expect(error.description.contains("already open"))
            }
            // Once every reference is gone the directory is closed and opens afresh, with other options.
            let reopened = try Environment.open(directory: path, options: .init(mapSize: 2 << 20, noSync: true))
            #expect(reopened.options.mapSize == 2 << 20)
        }
    }

    @Test func garbageDataFileIsAClearErrorNotACrash() throws {
        try withTemporaryDirectory { path throws in
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            var generator = SystemRandomNumberGenerator()
            let garbage = (0..<65_536).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(FileManager.default.createFile(atPath: path + "/data.mdb", contents: Data(garbage)))
            let error = try #require(throws: LMDBError.self) { try Environment.open(directory: path) }
            #expect(error.code == .invalid || error.code == .corrupted)
            #expect(error.description.contains("restore it from a backup"))
            #expect(error.path != nil)
        }
    }

    @Test func missingDatabaseWithoutCreateIsNotFound() throws {
        try withEnvironment { env throws in
            let error = try #require(throws: LMDBError.self) { try env.openDatabase(name: "nope", flags: []) }
            #expect(error.code == .notFound && error.description.contains("flags .create"))
            _ = try env.openDatabase(name: "plain", flags: .create)
            let mismatch = try #require(throws: LMDBError.self) {
                try env.openDatabase(name: "plain", flags: [.create, .dupSort])
            }
            #expect(mismatch.code == .incompatible)
        }
    }

    @Test func clearingStaleReadersFindsNoneInALiveProcess() throws {
        try withEnvironment { env throws in
            #expect(try env.clearStaleReaders() == 0)
            try env.sync(force: true)
            let info = try env.info()
            #expect(info.maxReaders == 256 && info.pageSize >= 4096 && info.lastTransactionID == 0)
        }
    }
}
