import Foundation

/// One dedicated OS thread that runs submitted jobs one after another, in submission order.
///
/// Store writes block their thread (waiting for LMDB's writer lock and for the commit's fsync). Run
/// from async code they would park one of the few cooperative threads (two on a two-core machine) and
/// stall every other task, such as an HTTP server sharing the process; on this thread they do not.
/// Each job is a whole synchronous write, so a transaction begins and ends on one thread (LMDB's
/// writer lock belongs to the thread that began it) and never spans an `await`.
///
/// The thread starts with the first job and ends after `stop()` once the queued jobs are done.
final class WriterThread: @unchecked Sendable {
    // Invariant: `jobs`, `started` and `stopped` are only touched with `condition` locked.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var started = false
    private var stopped = false
    /// The thread's name (on Linux, what `top -H` and perf show).
    private let name: String

    init(name: String = "ledger-writer") { self.name = name }

    /// Runs `body` on the writer thread and returns its result to the awaiting task.
    func perform<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<R, any Error>) in
            submit { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Runs `body` on the writer thread and waits for its result, blocking the calling thread. For
    /// callers on a dedicated thread of their own (the projection service), never for async code.
    func performAndWait<R: Sendable>(_ body: @escaping @Sendable () throws -> R) throws -> R {
        assert(withUnsafeCurrentTask { $0 == nil }, "WriterThread.performAndWait blocks its thread; call it from a dedicated thread, not a task")
        return try start { Result { try body() } }.wait().get()
    }

    /// Starts `body` on this thread and returns at once; the result's `wait()` blocks until it has run.
    /// For a dedicated thread that shares out its work (the writer's compression), never for async code.
    func start<R: Sendable>(_ body: @escaping @Sendable () -> R) -> Started<R> {
        let started = Started<R>()
        submit { started.finish(body()) }
        return started
    }

    /// Releases `values` on this thread: whatever only they hold is freed here, not on the caller's
    /// thread. The caller must not use them afterwards. When `maxQueued` jobs already wait, nothing is
    /// handed over and false is returned: the caller's own references free them where it drops them,
    /// so memory waiting to be freed stays bounded when this thread falls behind.
    @discardableResult
    func release(_ values: Any, unlessQueued maxQueued: Int) -> Bool {
        condition.lock()
        let queued = jobs.count
        condition.unlock()
        guard queued < maxQueued else { return false }
        let box = Discarded(values)
        submit { box.drop() }
        return true
    }

    /// What `release` hands over: touched by the receiving thread only once handed over.
    private final class Discarded: @unchecked Sendable {
        private var value: Any?
        init(_ value: Any) { self.value = value }
        func drop() { value = nil }
    }

    /// The result of a job `start` began.
    final class Started<R: Sendable>: @unchecked Sendable {
        // Invariant: `value` is only touched with `done` locked.
        private let done = NSCondition()
        private var value: R?

        fileprivate func finish(_ result: R) {
            done.lock()
            value = result
            done.signal()
            done.unlock()
        }

        /// Blocks until the job has run, and returns what it returned.
        func wait() -> R {
            assert(withUnsafeCurrentTask { $0 == nil }, "WriterThread.Started.wait blocks its thread; not for a task")
            done.lock()
            defer { done.unlock() }
            while value == nil { done.wait() }
            return value!
        }
    }

    private func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        defer { condition.unlock() }
        precondition(!stopped, "job submitted to a stopped writer thread")
        jobs.append(job)
        if !started {
            started = true
            // The thread holds this object until its loop ends (after `stop()`).
            let thread = Thread { [self] in
                // Named from inside: on Linux a name set before `start()` is not applied.
                Thread.current.name = name
                run()
            }
            thread.start()
        }
        condition.signal()
    }

    /// Lets the thread end once its queue is empty. Jobs may not be submitted afterwards.
    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
