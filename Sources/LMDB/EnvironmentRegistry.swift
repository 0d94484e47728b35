/// The process-wide table of open environments, keyed by canonical directory path.
///
/// LMDB must not be opened twice in one process: closing one handle would drop the other's POSIX
/// `fcntl` locks on the lock file (SWIFT_NOTES §2.1 rule 7). Entries hold the environment weakly; an
/// entry whose environment is being deinitialised stays until its `mdb_env_close` has finished, and an
/// `open` of the same path waits for that instead of opening a second handle meanwhile.
final class EnvironmentRegistry: @unchecked Sendable {
    static let shared = EnvironmentRegistry()

    // Invariant: `entries` is only read or written with `mutex` held.
    private let mutex = PosixMutex()
    private let closed = PosixCondition()
    private var entries: [String: Entry] = [:]

    private struct Entry {
        weak var environment: Environment?
    }

    /// Returns the live environment for `path` if its options equal `options`, throws `.alreadyOpen`
    /// if they differ, and otherwise calls `make` (with the registry locked) and records the result.
    func environment(at path: String, options: Environment.Options,
                     make: () throws -> Environment) throws -> Environment {
        mutex.lock()
        while let entry = entries[path] {
            if let existing = entry.environment {
                // Unlock before `existing` can be released: if ours were the last reference, its
                // deinit would take this mutex.
                mutex.unlock()
                guard existing.options == options else {
                    throw LMDBError(code: .alreadyOpen,
                                    message: "the environment is already open in this process with other options",
                                    operation: "open environment", path: path,
                                    detail: "open: \(existing.options); requested: \(options)")
                }
                return existing
            }
            mutex.wait(on: closed)
        }
        defer { mutex.unlock() }
        let environment = try make()
        entries[path] = Entry(environment: environment)
        return environment
    }

    /// Called by `Environment.deinit` after `mdb_env_close`.
    func didClose(path: String) {
        mutex.withLock { entries[path] = nil }
        closed.broadcast()
    }
}
