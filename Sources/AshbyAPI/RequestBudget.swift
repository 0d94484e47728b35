import Synchronization

/// A cap on the requests one client has in flight at once, shared by every task that calls through it,
/// and one back-off for all of them: when Ashby answers a request with a rate limit (429, or a
/// `rate_limit_exceeded` envelope), `AshbyClient` pauses the whole budget for the wait it is about to
/// take (the `Retry-After`, else its backoff), so every concurrent caller holds off, not only the one
/// that was refused.
///
/// Slots are handed out in call order (a released slot goes to the longest waiter). A slot is held only
/// while one attempt is on the wire, never during a retry's sleep. Attach one to a client with
/// `AshbyClient.withRequestBudget(_:)`; a client without one sends at once, as before.
public final class RequestBudget: Sendable {
    public let maxConcurrentRequests: Int
    private let clock: any AshbyClock

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var inFlight = 0
        var waiters: [Waiter] = []
        var nextId: UInt64 = 0
        /// Waiters cancelled before their continuation was registered.
        var cancelled: Set<UInt64> = []
        /// Monotonic time before which no request may be sent.
        var pausedUntil = -Double.infinity
        /// Pauses taken so far (for tests and the benchmark's report).
        var pauses = 0
        var peakInFlight = 0
    }
    // Invariant: every mutable field lives in `state`, behind its lock.
    private let state: Mutex<State>

    /// - Parameter maxConcurrentRequests: at least 1.
    public init(maxConcurrentRequests: Int, clock: any AshbyClock = SystemAshbyClock()) {
        precondition(maxConcurrentRequests >= 1, "maxConcurrentRequests must be at least 1")
        self.maxConcurrentRequests = maxConcurrentRequests
        self.clock = clock
        state = Mutex(State())
    }

    /// The most requests that were in flight at once so far.
    public var peakInFlight: Int { state.withLock { $0.peakInFlight } }
    /// How many times a rate-limited reply paused the budget.
    public var pausesTaken: Int { state.withLock { $0.pauses } }

    /// Waits for a free slot, then for any rate-limit pause to pass. Every successful return must be
    /// matched by one `release()`. Throws `CancellationError` when the task is cancelled while waiting
    /// (holding no slot then).
    public func acquire() async throws {
        try await takeSlot()
        do {
            try await waitOutPause()
        } catch {
            release()
            throw error
        }
    }

    /// Gives a slot back (to the longest waiter, if any).
    public func release() {
        let next: CheckedContinuation<Void, any Error>? = state.withLock { s in
            if s.waiters.isEmpty {
                s.inFlight -= 1
                return nil
            }
            return s.waiters.removeFirst().continuation
        }
        next?.resume()
    }

    /// Holds every caller off for `seconds` from now (a later pause already set is kept).
    public func pause(seconds: Double) {
        guard seconds > 0 else { return }
        let until = clock.monotonicNow() + seconds
        state.withLock { s in
            s.pauses += 1
            s.pausedUntil = max(s.pausedUntil, until)
        }
    }

    private func takeSlot() async throws {
        try Task.checkCancellation()
        let id: UInt64? = state.withLock { s in
            if s.inFlight < maxConcurrentRequests {
                s.inFlight += 1
                s.peakInFlight = max(s.peakInFlight, s.inFlight)
                return nil
            }
            s.nextId += 1
            return s.nextId
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelledEarly = state.withLock { s in
                    if s.cancelled.remove(id) != nil { return true }
                    s.waiters.append(Waiter(id: id, continuation: continuation))
                    return false
                }
                if cancelledEarly { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let waiting: CheckedContinuation<Void, any Error>? = state.withLock { s in
                if let i = s.waiters.firstIndex(where: { $0.id == id }) { return s.waiters.remove(at: i).continuation }
                // Not registered yet (or already handed the slot: then this entry is never looked at).
                s.cancelled.insert(id)
                return nil
            }
            waiting?.resume(throwing: CancellationError())
        }
        // A slot handed over by `release` keeps `inFlight` as it was: the releaser's slot became ours.
        state.withLock { s in s.peakInFlight = max(s.peakInFlight, s.inFlight) }
    }

    private func waitOutPause() async throws {
        while true {
            let wait = state.withLock { $0.pausedUntil } - clock.monotonicNow()
            if wait <= 0 { return }
            try await clock.sleep(seconds: wait)
        }
    }
}
