#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The store's sync lock: an exclusive `flock` on `<store>/sync.lock`, held for the length of one
/// sync so two syncs (a `hireledger sync` from cron and `serve --sync-every`, or two of either)
/// never run at once on one store. The kernel drops the lock when the holder exits, even by a crash,
/// so a stale lock never blocks the next sync.
///
/// Rules: hold it only around a sync (never across unrelated work); `release()` or deinit frees it.
public final class SyncLock {
    private var fd: Int32

    private init(fd: Int32) { self.fd = fd }

    /// Takes the lock without waiting; nil when another process or task holds it.
    /// - Throws: `SyncLockError` when the lock file cannot be opened.
    public static func tryAcquire(storeDirectory: String) throws(SyncLockError) -> SyncLock? {
        let path = storeDirectory + "/sync.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw SyncLockError("cannot open the sync lock \(path) (\(String(cString: strerror(errno)))); is the store directory writable?")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return SyncLock(fd: fd)
    }

    public func release() {
        guard fd >= 0 else { return }
        _ = flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}

/// The sync lock could not be opened; the message says what to check.
public struct SyncLockError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
