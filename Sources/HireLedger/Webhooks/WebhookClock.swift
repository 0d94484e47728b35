import AshbyAPI
import HireLedgerCore
import Synchronization

/// Time as the webhook dispatcher needs it: the wall clock (signature timestamps, retry times stored in
/// the store) and a way to wait. Injected so tests walk through a day of retries without sleeping.
public protocol WebhookClock: Sendable {
    /// The current wall-clock time.
    func now() -> Timestamp
    /// Suspends the calling task for `seconds` (≤ 0 returns at once). Throws `CancellationError` when
    /// the task is cancelled while waiting.
    func sleep(seconds: Double) async throws
}

/// The real clock: `CLOCK_REALTIME` and `Task.sleep`.
public struct SystemWebhookClock: WebhookClock {
    private let clock = SystemAshbyClock()
    public init() {}
    public func now() -> Timestamp { clock.wallNow() }
    public func sleep(seconds: Double) async throws { try await clock.sleep(seconds: seconds) }
}

/// A clock for tests: time moves only when told (`advance`, or `sleep`, which returns at once after
/// moving the time forward and recording the request in `sleeps`).
public final class ManualWebhookClock: WebhookClock {
    private let state: Mutex<(now: Timestamp, sleeps: [Double])>

    public init(now: Timestamp = Timestamp(millisecondsSinceEpoch: 1_780_000_000_000)) {
        state = Mutex((now, []))
    }

    public func now() -> Timestamp { state.withLock { $0.now } }

    /// Every `sleep(seconds:)` request so far, in order.
    public var sleeps: [Double] { state.withLock { $0.sleeps } }

    /// Moves the time forward by `seconds`.
    public func advance(seconds: Double) {
        state.withLock { $0.now = $0.now.adding(milliseconds: Int64((seconds * 1000).rounded())) }
    }

    /// Sets the time (never backwards: an earlier `time` is ignored).
    public func set(_ time: Timestamp) {
        state.withLock { if time > $0.now { $0.now = time } }
    }

    public func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        state.withLock {
            $0.sleeps.append(seconds)
            if seconds > 0 { $0.now = $0.now.adding(milliseconds: Int64((seconds * 1000).rounded())) }
        }
        await Task.yield()
    }
}
