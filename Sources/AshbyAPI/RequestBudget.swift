import Synchronization

/// A cap on the requests one client has in flight at once, shared by every task that calls through it,
/// and one back-off for all of them: when Ashby answers a request with a rate limit (429, or a
/// `rate_limit_exceeded` envelope), `AshbyClient` pauses the whole budget for the wait it is about to
/// take (the `Retry-After`, else its backoff), so every concurrent caller holds off, not only the one
/// that was refused.
///
/// The cap adapts, the way TCP's congestion window does (additive increase, multiplicative decrease):
/// it starts at `startingConcurrentRequests`, grows by one each time as many requests as the current cap
/// have succeeded, up to `maxConcurrentRequests`, and halves (down to 1) when a request is rate-limited.
/// Ashby publishes no number for its per-key limits (see ASHBY_API.md, "Rate limits"), so the budget
/// learns it from the replies instead of guessing: a key that is never refused gets the ceiling's
/// concurrency after about a hundred requests; one that is refused settles below the point where
/// refusals start. Only a request sent after the latest halving can halve the cap again: the requests
/// already on the wire when one was refused were sent under the old cap and carry no news about the new
/// one, so a burst of refusals from one window counts once.
///
/// Slots are handed out in call order (a released slot goes to the longest waiter). A slot is held only
/// while one attempt is on the wire, never during a retry's sleep. Attach one to a client with
/// `AshbyClient.withRequestBudget(_:)`; a client without one sends at once, as before.
public final class RequestBudget: Sendable {
    /// The ceiling: the cap never grows past this.
    public let maxConcurrentRequests: Int
    /// Where the cap starts.
    public let startingConcurrentRequests: Int
    private let clock: any AshbyClock

    /// One attempt's hold on the budget, from `acquire()` to `release(_:succeeded:)`.
    public struct Slot: Sendable {
        /// The number of halvings before this slot was taken (see `rateLimited(_:pauseSeconds:)`).
        let epoch: UInt64
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var inFlight = 0
        /// The current cap, 1...maxConcurrentRequests.
        var limit: Int
        /// Successes since the cap last changed.
        var successes = 0
        /// Halvings so far; a slot taken before the latest one cannot cause another.
        var epoch: UInt64 = 0
        var waiters: [Waiter] = []
        var nextId: UInt64 = 0
        /// Waiters cancelled before their continuation was registered.
        var cancelled: Set<UInt64> = []
        /// Monotonic time before which no request may be sent.
        var pausedUntil = -Double.infinity
        /// Pauses taken so far (for tests and the benchmark's report).
        var pauses = 0
        var peakInFlight = 0
        var peakLimit: Int
    }
    // Invariant: every mutable field lives in `state`, behind its lock.
    private let state: Mutex<State>

    /// - Parameters:
    ///   - maxConcurrentRequests: the ceiling, at least 1.
    ///   - startingConcurrentRequests: where the cap starts, clamped to 1...maxConcurrentRequests; nil:
    ///     at the ceiling (the cap then only drops when Ashby refuses, and climbs back).
    public init(maxConcurrentRequests: Int, startingConcurrentRequests: Int? = nil,
                clock: any AshbyClock = SystemAshbyClock()) {
        precondition(maxConcurrentRequests >= 1, "maxConcurrentRequests must be at least 1")
        self.maxConcurrentRequests = maxConcurrentRequests
        let start = min(max(startingConcurrentRequests ?? maxConcurrentRequests, 1), maxConcurrentRequests)
        self.startingConcurrentRequests = start
        self.clock = clock
        state = Mutex(State(limit: start, peakLimit: start))
    }

    /// The most requests that were in flight at once so far.
    public var peakInFlight: Int { state.withLock { $0.peakInFlight } }
    /// How many times a rate-limited reply paused the budget.
    public var pausesTaken: Int { state.withLock { $0.pauses } }
    /// The cap now.
    public var currentConcurrentRequests: Int { state.withLock { $0.limit } }
    /// The highest the cap has been.
    public var peakConcurrentRequests: Int { state.withLock { $0.peakLimit } }
    /// How many times a rate-limited reply halved the cap.
    public var reductions: Int { state.withLock { Int($0.epoch) } }

    /// Waits for a free slot, then for any rate-limit pause to pass. Every successful return must be
    /// matched by one `release(_:succeeded:)`. Throws `CancellationError` when the task is cancelled while
    /// waiting (holding no slot then).
    public func acquire() async throws -> Slot {
        try await takeSlot()
        let slot = Slot(epoch: state.withLock { $0.epoch })
        do {
            try await waitOutPause()
        } catch {
            release(slot, succeeded: false)
            throw error
        }
        return slot
    }

    /// Gives a slot back (to the longest waiters, as many as the cap now allows). `succeeded`: the
    /// attempt got a reply that was not a refusal; as many of those as the cap grow it by one.
    public func release(_ slot: Slot, succeeded: Bool) {
        let wake: [CheckedContinuation<Void, any Error>] = state.withLock { s in
            if succeeded {
                s.successes += 1
                if s.successes >= s.limit, s.limit < maxConcurrentRequests {
                    s.limit += 1
                    s.successes = 0
                    s.peakLimit = max(s.peakLimit, s.limit)
                }
            }
            s.inFlight -= 1
            var wake: [CheckedContinuation<Void, any Error>] = []
            while s.inFlight < s.limit, !s.waiters.isEmpty {
                s.inFlight += 1
                wake.append(s.waiters.removeFirst().continuation)
            }
            s.peakInFlight = max(s.peakInFlight, s.inFlight)
            return wake
        }
        for continuation in wake { continuation.resume() }
    }

    /// The attempt that held `slot` was rate-limited: holds every caller off for `pauseSeconds` from now
    /// (a later pause already set is kept), and halves the cap unless it was halved since `slot` was
    /// taken.
    public func rateLimited(_ slot: Slot, pauseSeconds: Double) {
        let until = clock.monotonicNow() + max(pauseSeconds, 0)
        state.withLock { s in
            if slot.epoch == s.epoch {
                s.limit = max(1, s.limit / 2)
                s.successes = 0
                s.epoch += 1
            }
            if pauseSeconds > 0 {
                s.pauses += 1
                s.pausedUntil = max(s.pausedUntil, until)
            }
        }
    }

    private func takeSlot() async throws {
        try Task.checkCancellation()
        let id: UInt64? = state.withLock { s in
            if s.inFlight < s.limit, s.waiters.isEmpty {
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
                let resumeNow: Bool? = state.withLock { s in
                    if s.cancelled.remove(id) != nil { return false }
                    // Slots freed between the check above and here would otherwise wait for the next release.
                    if s.inFlight < s.limit, s.waiters.isEmpty {
                        s.inFlight += 1
                        return true
                    }
                    s.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                switch resumeNow {
                case true?: continuation.resume()
                case false?: continuation.resume(throwing: CancellationError())
                case nil: break
                }
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
        // A slot handed over by `release` counted itself in `inFlight` there.
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
