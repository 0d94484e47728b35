import Synchronization

/// A broadcast the dispatcher's loops wait on between passes. Each `signal()` bumps a generation and
/// wakes every waiter; a loop reads `generation` before its pass and waits with `wait(since:)`, which
/// returns at once if a signal came meanwhile, so a signal is never lost between a pass and the wait,
/// whichever loop it was meant for.
final class WakeSignal: Sendable {
    private let state = Mutex<(generation: UInt64, next: Int, waiters: [Int: CheckedContinuation<Void, Never>])>((0, 0, [:]))

    /// The number of signals so far.
    var generation: UInt64 { state.withLock { $0.generation } }

    func signal() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.generation &+= 1
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume() }
    }

    /// Returns once `generation` differs from `seen` (at once if it already does), or when the task is
    /// cancelled.
    func wait(since seen: UInt64) async {
        let token = state.withLock { s -> Int in s.next += 1; return s.next }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.generation != seen || Task.isCancelled { return true }
                    s.waiters[token] = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let c = state.withLock { $0.waiters.removeValue(forKey: token) }
            c?.resume()
        }
    }
}
