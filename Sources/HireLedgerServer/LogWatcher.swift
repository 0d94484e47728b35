import HireLedger
import HireLedgerCore
import ServiceLifecycle
import Synchronization

/// Tells waiting SSE streams when the log grows.
///
/// It polls the store's last position every `pollInterval` (one short read transaction), so appends
/// by another process (a `hireledger sync` cron job) are seen within one interval; `notify()` makes an
/// in-process appender's events visible at once. Waiters also wake at their deadline (for SSE
/// heartbeats) with the resolution of the poll interval.
///
/// Rules: `run()` is the poll loop (a `Service`: it ends on graceful shutdown or cancellation and then
/// wakes every waiter with `.closed`). Without `run()`, waiters wake only through `notify()`, deadlines
/// are not checked, and `wait` is only useful with events already there.
public final class LogWatcher: Service, Sendable {
    /// Why `wait` returned.
    public enum Wake: Sendable, Equatable {
        /// The log's last position is now beyond the one waited on.
        case advanced(LogPosition)
        /// The deadline passed first.
        case timedOut
        /// The watcher stopped (shutdown) or the waiting task was cancelled.
        case closed
    }

    private struct Waiter {
        var after: LogPosition
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Wake, Never>
    }

    private struct State {
        var last: LogPosition
        var waiters: [UInt64: Waiter] = [:]
        var nextId: UInt64 = 0
        var closed = false
    }

    public let store: LedgerStore
    public let pollInterval: Duration
    private let state: Mutex<State>
    private let listeners: Mutex<[@Sendable (LogPosition) -> Void]> = Mutex([])

    public init(store: LedgerStore, pollInterval: Duration = .milliseconds(250)) throws {
        self.store = store
        self.pollInterval = pollInterval
        state = Mutex(State(last: try store.lastPosition))
    }

    /// The last position seen by the latest poll or `notify()`.
    public var lastSeen: LogPosition { state.withLock { $0.last } }

    /// Calls `listener` with the new last position whenever a poll or `notify()` finds the log grown
    /// (e.g. to wake the webhook dispatcher). It runs on the polling task: keep it short, never block.
    public func onAdvance(_ listener: @escaping @Sendable (LogPosition) -> Void) {
        listeners.withLock { $0.append(listener) }
    }

    /// Number of tasks waiting right now (the SSE streams idle at the head of the log).
    public var waiting: Int { state.withLock { $0.waiters.count } }

    /// Waits until the log holds an event after `after`, `timeout` passes, or the watcher closes.
    public func wait(after: LogPosition, timeout: Duration) async -> Wake {
        let current: LogPosition
        do { current = try store.lastPosition } catch { current = lastSeen }
        publish(current)
        if current > after { return .advanced(current) }
        let id = state.withLock { s -> UInt64 in s.nextId += 1; return s.nextId }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Wake, Never>) in
                let immediate: Wake? = state.withLock { s in
                    if s.closed || Task.isCancelled { return .closed }
                    if s.last > after { return .advanced(s.last) }
                    s.waiters[id] = Waiter(after: after, deadline: deadline, continuation: c)
                    return nil
                }
                if let immediate { c.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(returning: .closed)
        }
    }

    /// Reads the last position now and wakes the waiters it satisfies. Call after appending in-process.
    public func notify() {
        if let p = try? store.lastPosition { publish(p) }
    }

    /// Polls until graceful shutdown or cancellation, then closes.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                self.tick()
                do { try await Task.sleep(for: self.pollInterval) } catch { break }
            }
        }
        close()
    }

    /// Wakes every waiter with `.closed`; later waits return `.closed` at once unless events are there.
    public func close() {
        let waiters = state.withLock { s -> [Waiter] in
            s.closed = true
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for w in waiters { w.continuation.resume(returning: .closed) }
    }

    /// One poll: publish the last position and time out waiters past their deadline.
    func tick() {
        notify()
        let now = ContinuousClock.now
        let due = state.withLock { s -> [Waiter] in
            let ids = s.waiters.filter { $0.value.deadline <= now }.map(\.key)
            return ids.compactMap { s.waiters.removeValue(forKey: $0) }
        }
        for w in due { w.continuation.resume(returning: .timedOut) }
    }

    private func publish(_ position: LogPosition) {
        let (ready, advanced) = state.withLock { s -> ([(Waiter, LogPosition)], Bool) in
            let advanced = position > s.last
            if advanced { s.last = position }
            let last = s.last
            let ids = s.waiters.filter { $0.value.after < last }.map(\.key)
            return (ids.compactMap { id in s.waiters.removeValue(forKey: id).map { ($0, last) } }, advanced)
        }
        for (w, p) in ready { w.continuation.resume(returning: .advanced(p)) }
        if advanced { for listener in listeners.withLock({ $0 }) { listener(position) } }
    }
}
