#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// pthread primitives rather than `Synchronization.Mutex`: `Mutex.withLock` demands a `sending`
// result, which a caller's generic `R` cannot give (SWIFT_NOTES §6.3), and the writer lock must be
// held across a caller's closure on one OS thread, which is exactly what a pthread mutex does.

/// A non-recursive pthread mutex. Lock and unlock on the same thread.
final class PosixMutex: @unchecked Sendable {
    // Invariant: allocated in init, destroyed in deinit, only touched through pthread calls.
    private let raw: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        raw = .allocate(capacity: 1)
        raw.initialize(to: pthread_mutex_t())
        precondition(pthread_mutex_init(raw, nil) == 0, "pthread_mutex_init failed")
    }

    deinit {
        pthread_mutex_destroy(raw)
        raw.deallocate()
    }

    func lock() { precondition(pthread_mutex_lock(raw) == 0, "pthread_mutex_lock failed") }
    func unlock() { precondition(pthread_mutex_unlock(raw) == 0, "pthread_mutex_unlock failed") }

    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Waits on `condition`, releasing this mutex meanwhile. Call with the mutex held.
    func wait(on condition: PosixCondition) {
        precondition(pthread_cond_wait(condition.raw, raw) == 0, "pthread_cond_wait failed")
    }
}

/// A pthread condition variable, used with `PosixMutex.wait(on:)`.
final class PosixCondition: @unchecked Sendable {
    // Invariant: allocated in init, destroyed in deinit, only touched through pthread calls.
    fileprivate let raw: UnsafeMutablePointer<pthread_cond_t>

    init() {
        raw = .allocate(capacity: 1)
        raw.initialize(to: pthread_cond_t())
        precondition(pthread_cond_init(raw, nil) == 0, "pthread_cond_init failed")
    }

    deinit {
        pthread_cond_destroy(raw)
        raw.deallocate()
    }

    func broadcast() { pthread_cond_broadcast(raw) }
}

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

/// A per-thread word, one per environment, recording what this thread has open in it, so that the
/// nestings that would deadlock are caught as programmer errors instead of hanging.
final class ThreadTransactionState: @unchecked Sendable {
    // Invariant: the key is created in init and deleted in deinit; each thread only reads and
    // writes its own slot, so no further locking is needed.
    private var key = pthread_key_t()

    init() {
        precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed (too many environments open?)")
    }

    deinit { pthread_key_delete(key) }

    /// Bit 0: a write transaction is open on this thread. Bits 1...: number of open read transactions.
    private var word: Int {
        get { Int(bitPattern: pthread_getspecific(key)) }
        set { pthread_setspecific(key, UnsafeRawPointer(bitPattern: newValue)) }
    }

    var isWriting: Bool { word & 1 != 0 }
    var readDepth: Int { word >> 1 }

    func beginWrite() { word |= 1 }
    func endWrite() { word &= ~1 }
    func beginRead() { word += 2 }
    func endRead() { word -= 2 }
}
