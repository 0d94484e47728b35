import Foundation
import LMDB
import Testing

struct MultiProcessTests {
    /// Runs /usr/bin/mdb_load as a separate process on `directory`, loading `count` 1 KiB values into
    /// database `name` with a map of `mapSize` bytes, and returns its exit status and error output.
    private func mdbLoad(into directory: String, database name: String, count: Int, mapSize: Int) throws -> (Int32, String) {
        var dump = "VERSION=3\nformat=bytevalue\ntype=btree\nmapsize=\(mapSize)\nHEADER=END\n"
        let value = String(repeating: "ab", count: 1024)
        for n in 0..<count {
            dump += " " + UInt64(n).bigEndianBytes.map { String(format: "%02x", $0) }.joined() + "\n " + value + "\n"
        }
        dump += "DATA=END\n"
        let dumpFile = directory + "-dump"
        try dump.write(toFile: dumpFile, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: dumpFile) }
        let load = Process()
        load.executableURL = URL(fileURLWithPath: "/usr/bin/mdb_load")
        load.arguments = ["-f", dumpFile, "-s", name, directory]
        let errors = Pipe()
        load.standardError = errors
        try load.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        load.waitUntilExit()
        return (load.terminationStatus, message)
    }

    @Test func mapGrownByAnotherProcessIsAdopted() throws {
        try withTemporaryDirectory { path throws in
            let env = try Environment.open(directory: path, options: .init(mapSize: 1 << 20, noSync: true))
            let ours = try env.openDatabase(name: "ours", flags: .create)
            try env.write { txn throws in try txn.put(ours, "before", [UInt8(1)]) }

            // Another process writes 8 MB with a 64 MiB map: far past the end of our 1 MiB map.
            let (status, message) = try mdbLoad(into: path, database: "theirs", count: 8000, mapSize: 64 << 20)
            #expect(status == 0, "mdb_load failed: \(message)")

            let theirs = try env.openDatabase(name: "theirs", flags: [])
            try env.write { txn throws in try txn.put(ours, "after", [UInt8(2)]) }
            try env.read { txn throws in
                #expect(try txn.count(theirs) == 8000)
                #expect(try txn.get(theirs, UInt64(7999))?.count == 1024)
                #expect(try txn.get(ours, "after") == [2])
            }
            #expect(try env.info().mapSize >= 64 << 20)
        }
    }
}
