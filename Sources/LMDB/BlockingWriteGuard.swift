/// A debug check that no LMDB write transaction runs (and commits, which fsyncs) where blocking is
/// forbidden: code that binds `forbidden` to true for a task (e.g. the API's view handlers, which
/// must answer from published state on Swift concurrency threads) trips an assertion in debug builds
/// if anything under it writes. Release builds do not check.
///
/// Rule for callers: bind it around synchronous or async work that runs on a cooperative thread and
/// must never block on LMDB's writer lock or an fsync: `try await BlockingWriteGuard.$forbidden.withValue(true) { ... }`.
public enum BlockingWriteGuard {
    @TaskLocal public static var forbidden = false

    /// Asserts that `forbidden` is not bound here; `what` names the blocking operation.
    @inline(__always) static func check(_ what: @autoclosure () -> String) {
        assert(!forbidden, "\(what()) ran where blocking writes are forbidden (a Swift concurrency thread answering a request); "
            + "run it on a dedicated thread (e.g. the store's writer thread)")
    }
}
