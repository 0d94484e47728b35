import Foundation
import LMDB
import Synchronization

/// Runs `body` with the path of a directory that does not exist yet under the system temp dir, and
/// removes whatever was created there afterwards.
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let path = NSTemporaryDirectory() + "hireledger-lmdb-tests-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// Opens a fresh environment in a temporary directory (noSync: fsync is the only slow part of tests).
func withEnvironment<R>(_ options: Environment.Options = Environment.Options(mapSize: 16 << 20, noSync: true),
                        _ body: (Environment) throws -> R) throws -> R {
    try withTemporaryDirectory { path in
        try body(try Environment.open(directory: path, options: options))
    }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

func posixPermissions(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

/// Errors raised on background threads, collected for the test thread.
final class ErrorCollector: Sendable {
    private let errors = Mutex([String]())

    func record(_ message: String) { errors.withLock { $0.append(message) } }
    var all: [String] { errors.withLock { $0 } }
}
