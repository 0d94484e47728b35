#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain pthread mutex. Used instead of `Synchronization.Mutex` because its `withLock` demands a
/// `sending` result, which generic callers cannot provide (SWIFT_NOTES §6.3), and instead of `NSLock`
/// to keep Foundation out of this module.
///
/// Never hold it across an `await`, and never call back into code that might take it again (it is not
/// recursive).
final class PThreadMutex: @unchecked Sendable {
    // Invariant: allocated and initialised in init, destroyed in deinit; all access through pthread calls.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed with \(status)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
