import Synchronization
/// A latch the dispatcher waits on between passes: `signal()` wakes every waiter, or the next one to
/// wait if none is waiting (a signal is never lost between a pass and the wait).
final class WakeSignal: Sendable {
    private let state = Mutex<(pending: Bool, next: Int, waiters: [Int: CheckedContinuation<Void, Never>])>((false, 0, [:]))

    func signal() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            if s.waiters.isEmpty { s.pending = true; return [] }
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume() }
    }

    /// Returns on the next signal (or at once if one is pending), or when the task is cancelled.
    func wait() async {
        let token = state.withLock { s -> Int in s.next += 1; return s.next }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.pending || Task.isCancelled { s.pending = false; return true }
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
