import Foundation
import LMDB
import Testing

/// Nestings that would deadlock LMDB or the resize lock trap at once, in a child process.
struct MisuseTests {
    @Test func readInsideWriteOnTheSameThreadTraps() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let path = NSTemporaryDirectory() + "hireledger-lmdb-misuse-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: path) }
            let env = try Environment.open(directory: path, options: .init(mapSize: 1 << 20, noSync: true))
            try env.write { _ in try env.read { _ in } }
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("Environment.read called inside write on the same thread"), "\(message)")
    }

    @Test func writeInsideReadOnTheSameThreadTraps() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let path = NSTemporaryDirectory() + "hireledger-lmdb-misuse-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: path) }
            let env = try Environment.open(directory: path, options: .init(mapSize: 1 << 20, noSync: true))
            try env.read { _ in try env.write { _ in } }
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("Environment.write called inside read or write"), "\(message)")
    }

    @Test func readInsideReadIsAllowed() throws {
        try withEnvironment { env throws in
            let db = try env.openDatabase(name: "state", flags: .create)
            try env.write { txn throws in try txn.put(db, "k", [UInt8(9)]) }
            let inner = try env.read { _ in try env.read { txn in try txn.get(db, "k") } }
            #expect(inner == [9])
        }
    }
}
