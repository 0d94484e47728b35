#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import HireLedgerCore
import Synchronization

/// Time as the client needs it: a monotonic reading for budgets and token buckets, the wall clock for
/// `Retry-After` HTTP dates, and a way to wait. Injected so retries and rate limits are tested without
/// real sleeping.
public protocol AshbyClock: Sendable {
    /// Seconds on a monotonic scale with an arbitrary origin; never goes backwards.
    func monotonicNow() -> Double
    /// The current wall-clock time.
    func wallNow() -> Timestamp
    /// Suspends the calling task for `seconds` (≤ 0 returns at once). Throws `CancellationError` if the
    /// task is cancelled while waiting.
    func sleep(seconds: Double) async throws
}

/// The real clock: `ContinuousClock`, `CLOCK_REALTIME`, `Task.sleep`.
public struct SystemAshbyClock: AshbyClock {
    private let origin = ContinuousClock.now

    public init() {}

    public func monotonicNow() -> Double {
        (ContinuousClock.now - origin).inSeconds
    }

    public func wallNow() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(millisecondsSinceEpoch: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }

    public func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(for: .nanoseconds(Int64(seconds * 1e9)))
    }
}

/// A clock for tests and simulations: `sleep` returns immediately after advancing the time, and every
/// requested wait is recorded in `sleeps`, so a test can assert the exact backoff schedule.
public final class ManualAshbyClock: AshbyClock, Sendable {
    private struct State {
        var monotonic: Double
        var wall: Timestamp
        var sleeps: [Double] = []
    }
    // Invariant: all state lives in `state`, behind its lock.
    private let state: Mutex<State>

    /// - Parameter wall: the wall-clock time at monotonic reading 0.
    public init(wall: Timestamp = Timestamp(millisecondsSinceEpoch: 1_780_000_000_000)) {
        state = Mutex(State(monotonic: 0, wall: wall))
    }

    public func monotonicNow() -> Double { state.withLock { $0.monotonic } }
    public func wallNow() -> Timestamp { state.withLock { $0.wall } }

    /// Every `sleep(seconds:)` request so far, in call order (including zero-length ones).
    public var sleeps: [Double] { state.withLock { $0.sleeps } }

    /// Moves both clocks forward without recording a sleep (time passing while "work" happens).
    public func advance(seconds: Double) {
        state.withLock {
            $0.monotonic += seconds
            $0.wall = $0.wall.adding(milliseconds: Int64((seconds * 1000).rounded()))
        }
    }

    public func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        state.withLock {
            $0.sleeps.append(seconds)
            if seconds > 0 {
                $0.monotonic += seconds
                $0.wall = $0.wall.adding(milliseconds: Int64((seconds * 1000).rounded()))
            }
        }
    }
}
