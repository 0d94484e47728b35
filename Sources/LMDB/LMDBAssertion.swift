import CLMDB

/// What happens when liblmdb's own consistency checks fail (`mdb_assert`, e.g. "Assertion
/// 'IS_LEAF(mp)' failed in mdb_cursor_next()" on a damaged page): by default liblmdb prints the
/// message and calls `abort()`. A program can set `handler` once at start-up (before opening any
/// environment) to end the process its own way, e.g. with a message naming the store and a
/// documented exit code; the handler gets liblmdb's message and must not return (if it does,
/// liblmdb aborts as before). It runs on the failing thread, inside liblmdb, with LMDB locks held:
/// it must not touch the environment.
public enum LMDBAssertion {
    nonisolated(unsafe) public static var handler: (@convention(c) (UnsafePointer<CChar>?) -> Void)?

    /// Installs the forwarding callback on a new environment handle.
    static func install(on env: OpaquePointer) {
        _ = mdb_env_set_assert(env) { _, message in LMDBAssertion.handler?(message) }
    }
}
