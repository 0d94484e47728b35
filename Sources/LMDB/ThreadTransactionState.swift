#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
