import Foundation
import LMDB
import Testing

/// A directory named after the test process, so the parent can remove what its exit-test child made.
private func misuseDirectory(parent: pid_t, _ name: String) -> String {
    NSTemporaryDirectory() + "hireledger-lmdb-misuse-\(parent)-\(name)"
}

/// Nestings that would deadlock LMDB or the resize lock trap at once, in a child process.
struct MisuseTests {
    @Test func readInsideWriteOnTheSameThreadTraps() async throws {
        defer { try? FileManager.default.removeItem(atPath: misuseDirectory(parent: getpid(), "read")) }
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            // The child traps before any cleanup could run, so the parent removes the directory.
            let path = misuseDirectory(parent: getppid(), "read")
            let env = try Environment.open(directory: path, options: .init(mapSize: 1 << 20, noSync: true))
            try env.write { _ in try env.read { _ in } }
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("Environment.read called inside write on the same thread"), "\(message)")
    }

    @Test func writeInsideReadOnTheSameThreadTraps() async throws {
        defer { try? FileManager.default.removeItem(atPath: misuseDirectory(parent: getpid(), "write")) }
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            // The child traps before any cleanup could run, so the parent removes the directory.
            let path = misuseDirectory(parent: getppid(), "write")
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
