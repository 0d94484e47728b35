import LMDB
import Testing

struct TransactionTests {
    struct Abort: Error {}

    @Test func writtenValuesReadBackAfterCommit() throws {
        try withEnvironment { env throws in
            let db = try env.openDatabase(name: "state", flags: .create)
            try env.write { txn throws in
                try txn.put(db, "alpha", bytes("one"))
                try txn.put(db, bytes("beta"), bytes("two"))
                try txn.put(db, "gamma", [UInt8]())
                // A write transaction reads its own uncommitted data.
                #expect(try txn.get(db, "alpha") == bytes("one"))
            }
            try env.read { txn throws in
                #expect(try txn.get(db, "alpha") == bytes("one"))
                #expect(try txn.get(db, "beta") == bytes("two"))
                #expect(try txn.get(db, "gamma") == [])
                #expect(try txn.get(db, "delta") == nil)
                #expect(try txn.withValue(db, "beta") { $0.count } == 3)
                #expect(try txn.withValue(db, "delta") { $0.count } == nil)
                #expect(try txn.contains(db, "alpha"))
                #expect(try txn.count(db) == 3)
            }
            let removed = try env.write { txn in try txn.delete(db, "alpha") }
            let removedAgain = try env.write { txn in try txn.delete(db, "alpha") }
            #expect(removed && !removedAgain)
            #expect(try env.read { txn in try txn.count(db) } == 2)
        }
    }

    @Test func throwingWriteLeavesNothingBehind() throws {
        try withEnvironment { env throws in
            let db = try env.openDatabase(name: "log", flags: .create)
            try env.write { txn in try txn.put(db, UInt64(1), bytes("kept")) }
            #expect(throws: Abort.self) {
                try env.write { txn throws in
                    try txn.put(db, UInt64(2), bytes("lost"))
                    try txn.put(db, UInt64(1), bytes("overwritten"))
                    throw Abort()
                }
            }
            try env.read { txn throws in
                #expect(try txn.count(db) == 1)
                #expect(try txn.get(db, UInt64(1)) == bytes("kept"))
                #expect(try txn.get(db, UInt64(2)) == nil)
            }
        }
    }

    @Test func bigEndianKeysWalkInNumericOrder() throws {
        let numbers: [UInt64] = [0, 1, 2, 255, 256, 257, 65_535, 65_536, 1 << 24, (1 << 32) - 1, 1 << 32,
                                 (1 << 32) + 1, 1 << 40, 1 << 63, UInt64.max]
        try withEnvironment { env throws in
            let db = try env.openDatabase(name: "log", flags: .create)
            var generator = SystemRandomNumberGenerator()
            let shuffled = numbers.shuffled(using: &generator)
            try env.write { txn throws in
                for n in shuffled { try txn.put(db, n.bigEndianBytes, n.bigEndianBytes) }
            }
            try env.read { txn throws in
                var forward: [UInt64] = []
                try txn.scan(db) { key, value in
                    forward.append(UInt64(bigEndianBytes: key)!)
                    #expect(key.elementsEqual(value))
                }
                #expect(forward == numbers)

                var backward: [UInt64] = []
                try txn.scan(db, reverse: true) { key, _ in backward.append(UInt64(bigEndianBytes: key)!) }
                #expect(backward == numbers.reversed())

                // A half-open range, both ways, and a limit.
                var range: [UInt64] = []
                try txn.scan(db, from: UInt64(256).bigEndianBytes, upTo: (UInt64(1) << 32).bigEndianBytes) { key, _ in
                    range.append(UInt64(bigEndianBytes: key)!)
                }
                #expect(range == [256, 257, 65_535, 65_536, 1 << 24, (1 << 32) - 1])
                var reverseRange: [UInt64] = []
                let visited = try txn.scan(db, from: UInt64(256).bigEndianBytes, upTo: UInt64(300).bigEndianBytes,
                                           reverse: true, limit: 1) { key, _ in
                    reverseRange.append(UInt64(bigEndianBytes: key)!)
                }
                #expect(reverseRange == [257] && visited == 1)

                try txn.withCursor(db) { cursor throws in
                    #expect(try cursor.seek(UInt64(300)))
                    #expect(UInt64(bigEndianBytes: cursor.currentKey) == 65_535)
                    #expect(try cursor.seek(UInt64(1) << 32))
                    #expect(UInt64(bigEndianBytes: cursor.currentKey) == 1 << 32)
                    #expect(try cursor.next())
                    #expect(UInt64(bigEndianBytes: cursor.currentKey) == (1 << 32) + 1)
                    #expect(try cursor.previous() && cursor.previous())
                    #expect(UInt64(bigEndianBytes: cursor.currentKey) == (1 << 32) - 1)
                    #expect(try cursor.last())
                    #expect(UInt64(bigEndianBytes: cursor.currentKey) == UInt64.max)
                    #expect(try !cursor.next())
                    let positioned = cursor.isPositioned
                    #expect(!positioned)
                    #expect(try cursor.first())
                    #expect(UInt64(bigEndianBytes: cursor.currentValue) == 0)
                    #expect(try !cursor.seek(exactly: UInt64(3)))
                    #expect(try cursor.seek(exactly: UInt64(65_536)))
                }
            }
        }
    }

    /// `scanKeys` lends every key of the prefix and checks a value only when the body reads it: a
    /// damaged value the body does not read passes, the same value read throws a checksum mismatch.
    @Test func scanKeysChecksOnlyTheValuesItReads() throws {
        try withEnvironment { env throws in
            let db = try env.openDatabase(name: "rows", flags: .create, checksummed: true)
            try env.write { txn throws in
                for k in ["a/1", "a/2", "a/3", "b/1"] { try txn.put(db, k, bytes("value of \(k)")) }
                // Through a plain handle: "a/2" keeps its length but no longer matches its checksum.
                let plain = db.checksummed(false)
                var stored = try #require(try txn.get(plain, "a/2"))
                stored[0] ^= 0x20
                try txn.put(plain, "a/2", stored)
            }
            try env.read { txn throws in
                var keys: [String] = [], values: [String] = []
                try txn.scanKeys(db, prefix: bytes("a/")) { key, value in
                    let k = String(decoding: key, as: UTF8.self)
                    keys.append(k)
                    if k != "a/2" { values.append(String(decoding: try value(), as: UTF8.self)) }
                }
                #expect(keys == ["a/1", "a/2", "a/3"])
                #expect(values == ["value of a/1", "value of a/3"])
                let error = #expect(throws: LMDBError.self) {
                    try txn.scanKeys(db, prefix: bytes("a/")) { _, value in _ = try value() }
                }
                #expect(error?.code == .checksumMismatch && error?.key == bytes("a/2"))
            }
        }
    }

    @Test func bigEndianBytesRoundTrip() {
        for n: UInt64 in [0, 1, 255, 256, 1 << 32, UInt64.max - 1] {
            #expect(UInt64(bigEndianBytes: n.bigEndianBytes) == n)
        }
        #expect(UInt64(258).bigEndianBytes == [0, 0, 0, 0, 0, 0, 1, 2])
        #expect(UInt64(bigEndianBytes: [1, 2, 3]) == nil)
    }

    @Test func appendRefusesAKeyNotGreaterThanTheLast() throws {
        try withEnvironment { env throws in
            let log = try env.openDatabase(name: "log", flags: .create)
            try env.write { txn throws in
                for seq: UInt64 in [1, 2, 300] { try txn.put(log, seq, bytes("event \(seq)"), flags: .append) }
            }
            for badKey: UInt64 in [299, 300] {
                let error = try #require(throws: LMDBError.self) {
                    try env.write { txn in try txn.put(log, badKey, bytes("late"), flags: .append) }
                }
                #expect(error.code == .keyExists)
                #expect(error.database == "log")
                #expect(error.description.contains("is not greater than the last key"))
            }
            #expect(try env.read { txn in try txn.count(log) } == 3)
        }
    }

    @Test func noOverwriteKeepsTheExistingValue() throws {
        try withEnvironment { env throws in
            let db = try env.openDatabase(name: "meta", flags: .create)
            try env.write { txn in try txn.put(db, "format", bytes("1")) }
            let error = try #require(throws: LMDBError.self) {
                try env.write { txn in try txn.put(db, "format", bytes("2"), flags: .noOverwrite) }
            }
            #expect(error.code == .keyExists && error.description.contains("already exists"))
            #expect(try env.read { txn in try txn.get(db, "format") } == bytes("1"))
        }
    }

    @Test func duplicateSortedIndexKeepsValuesInOrder() throws {
        try withEnvironment { env throws in
            let index = try env.openDatabase(name: "by_status", flags: [.create, .dupSort, .dupFixed])
            try env.write { txn throws in
                for seq: UInt64 in [5, 1, 3] { try txn.put(index, "open", seq) }
                try txn.put(index, "closed", UInt64(2))
                try txn.put(index, "open", UInt64(9), flags: .appendDuplicate)
                let error = try #require(throws: LMDBError.self) {
                    try txn.put(index, "open", UInt64(4), flags: .appendDuplicate)
                }
                #expect(error.code == .keyExists)
            }
            // The failed appendDuplicate was caught inside; the rest committed.
            try env.read { txn throws in
                var open: [UInt64] = []
                let visited = try txn.forEachDuplicate(index, of: "open") { open.append(UInt64(bigEndianBytes: $0)!) }
                #expect(open == [1, 3, 5, 9] && visited == 4)
                #expect(try txn.count(index) == 5)
                try txn.withCursor(index) { cursor throws in
                    #expect(try cursor.seek(exactly: "open"))
                    #expect(try cursor.duplicateCount() == 4)
                    #expect(try cursor.nextKey() == false)
                }
            }
            try env.write { txn throws in
                #expect(try txn.delete(index, "open", value: UInt64(3)))
                #expect(try !txn.delete(index, "open", value: UInt64(3)))
            }
            var open: [UInt64] = []
            try env.read { txn throws in
                try txn.forEachDuplicate(index, of: "open") { open.append(UInt64(bigEndianBytes: $0)!) }
            }
            #expect(open == [1, 5, 9])
        }
    }

    @Test func prefixScanVisitsOnlyMatchingKeys() throws {
        try withEnvironment { env throws in
            let db = try env.openDatabase(name: "by_entity", flags: .create)
            try env.write { txn throws in
                for entity in ["app", "apq", "ap", "b"] {
                    for seq: UInt64 in [1, 2] { try txn.put(db, bytes(entity + "/") + seq.bigEndianBytes, [UInt8]()) }
                }
                try txn.put(db, [0xFF, 0xFF], [UInt8]())
                try txn.put(db, [0xFF, 0xFF, 0x01], [UInt8]())
            }
            try env.read { txn throws in
                var keys: [String] = []
                try txn.scan(db, prefix: bytes("app/")) { key, _ in
                    keys.append(String(decoding: key.prefix(4), as: UTF8.self))
                }
                #expect(keys == ["app/", "app/"])
                #expect(try txn.scan(db, prefix: [0xFF, 0xFF]) { _, _ in } == 2)
                #expect(try txn.scan(db, prefix: bytes("ap"), reverse: true) { _, _ in } == 6)
            }
        }
    }

    @Test func removeAllEmptiesTheDatabase() throws {
        try withEnvironment { env throws in
            let db = try env.openDatabase(name: "projection", flags: .create)
            try env.write { txn in for n: UInt64 in 0..<100 { try txn.put(db, n, n) } }
            try env.write { txn in try txn.removeAll(db) }
            #expect(try env.read { txn in try txn.count(db) } == 0)
        }
    }

    @Test func readHelpersWorkForBothTransactionKinds() throws {
        func lastSequence(_ txn: borrowing some ReadableTransaction & ~Copyable, _ log: Database) throws -> UInt64? {
            var last: UInt64?
            try txn.scan(log, reverse: true, limit: 1) { key, _ in last = UInt64(bigEndianBytes: key) }
            return last
        }
        try withEnvironment { env throws in
            let log = try env.openDatabase(name: "log", flags: .create)
            try env.write { txn throws in
                #expect(try lastSequence(txn, log) == nil)
                try txn.put(log, UInt64(7), bytes("x"), flags: .append)
                #expect(try lastSequence(txn, log) == 7)
            }
            #expect(try env.read { txn in try lastSequence(txn, log) } == 7)
        }
    }

    @Test func oversizedKeyIsAClearError() throws {
        try withEnvironment { env throws in
            let db = try env.openDatabase(name: "state", flags: .create)
            let error = try #require(throws: LMDBError.self) {
                try env.write { txn in try txn.put(db, [UInt8](repeating: 1, count: env.maxKeySize + 1), bytes("v")) }
            }
            #expect(error.code == .badValueSize)
            #expect(error.description.contains("keys must be"))
        }
    }
}
