#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The process-wide table of open environments, keyed by canonical directory path.
///
/// LMDB must not be opened twice in one process: closing one handle would drop the other's POSIX
/// `fcntl` locks on the lock file. Entries hold the environment weakly; an entry whose environment is
/// being deinitialised stays until its `mdb_env_close` has finished, and an `open` of the same path
/// waits for that instead of opening a second handle meanwhile.
final class EnvironmentRegistry: Sendable {
    static let shared = EnvironmentRegistry()

    private let entries = Mutex<[String: Entry]>([:])

    private struct Entry {
        weak var environment: Environment?
    }

    private enum Lookup {
        case live(Environment)
        case closing
        case opened(Environment)
    }

    /// Returns the live environment for `path` if its options equal `options`, throws `.alreadyOpen`
    /// if they differ, and otherwise calls `make` (with the registry locked) and records the result.
    func environment(at path: String, options: Environment.Options,
                     make: () throws -> Environment) throws -> Environment {
        while true {
            let lookup = try entries.withLock { entries throws -> Lookup in
                guard let entry = entries[path] else {
                    let environment = try make()
                    entries[path] = Entry(environment: environment)
                    return .opened(environment)
                }
                return entry.environment.map { .live($0) } ?? .closing
            }
            // Outside the lock: if the returned environment were the last reference and went away
            // here, its deinit takes the lock.
            switch lookup {
            case .opened(let environment):
                return environment
            case .live(let existing):
                guard existing.options == options else {
                    throw LMDBError(code: .alreadyOpen,
                                    message: "the environment is already open in this process with other options",
                                    operation: "open environment", path: path,
                                    detail: "open: \(existing.options); requested: \(options)")
                }
                return existing
            case .closing:
                // Another thread is in the environment's deinit, between the weak reference going
                // nil and `didClose`: a few microseconds of `mdb_env_close`. `Mutex` has no condition
                // to wait on, and this race is rare enough (the same directory reopened while its last
                // handle is being released) that a short sleep between looks costs nothing.
                usleep(200)
            }
        }
    }

    /// Called by `Environment.deinit` after `mdb_env_close`.
    func didClose(path: String) {
        entries.withLock { $0[path] = nil }
    }
}
