#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// A reader-writer lock is a primitive of its own (`Synchronization` has none); every plain mutual
// exclusion in the package is `Synchronization.Mutex`.

/// A pthread read-write lock that prefers writers where the platform lets us say so.
///
/// Writer preference keeps a stream of readers from starving map growth; it also means a thread must
/// never take the shared lock twice (a waiting writer would block the second attempt forever), which
/// `Environment` avoids by not re-locking for nested reads.
final class PosixRWLock: @unchecked Sendable {
    // Invariant: allocated in init, destroyed in deinit, only touched through pthread calls.
    private let raw: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        raw = .allocate(capacity: 1)
        raw.initialize(to: pthread_rwlock_t())
        var attributes = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attributes)
        #if canImport(Glibc)
        pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        #endif
        precondition(pthread_rwlock_init(raw, &attributes) == 0, "pthread_rwlock_init failed")
        pthread_rwlockattr_destroy(&attributes)
    }

    deinit {
        pthread_rwlock_destroy(raw)
        raw.deallocate()
    }

    func lockShared() { precondition(pthread_rwlock_rdlock(raw) == 0, "pthread_rwlock_rdlock failed") }
    func lockExclusive() { precondition(pthread_rwlock_wrlock(raw) == 0, "pthread_rwlock_wrlock failed") }
    func unlock() { precondition(pthread_rwlock_unlock(raw) == 0, "pthread_rwlock_unlock failed") }
}
