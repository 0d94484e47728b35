#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a pthread mutex, for the few pieces of shared mutable state in the client and
/// the engine (jitter generator, rate-limiter bucket, clocks, wake signals, test doubles).
///
/// `Synchronization.Mutex` is not used because the package still declares macOS 14, where it is
/// unavailable, and its `withLock` demands `sending` results (SWIFT_NOTES §6.3).
public final class Locked<Value>: @unchecked Sendable {
    // Invariant: `value` is only read or written between lock and unlock of `mutex`.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access. `body` must not suspend or re-enter this lock.
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
