/// The answer to one request sent with `NATSConnection.request`: the reply message, or why there is none
/// (timed out, no responders, connection lost). Completed exactly once, by the connection's I/O thread.
public final class PendingReply: @unchecked Sendable {
    // Invariant: `result` and `waiter` are only touched with `lock` held; once `result` is set it never changes.
    private let lock = PThreadLock()
    private var result: Result<NATSMessage, NATSError>?
    private var waiter: CheckedContinuation<NATSMessage, any Error>?
    /// Monotonic deadline (nanoseconds); read by the I/O thread.
    let deadline: UInt64
    let subject: String
    let timeout: Double

    init(subject: String, timeout: Double) {
        self.subject = subject
        self.timeout = timeout
        deadline = monotonicNanoseconds() + UInt64(max(0, timeout) * 1e9)
    }

    /// Sets the outcome (the first call wins) and resumes a waiting task.
    func complete(_ outcome: Result<NATSMessage, NATSError>) {
        let w = lock.withLock { () -> CheckedContinuation<NATSMessage, any Error>? in
            guard result == nil else { return nil }
            result = outcome
            defer { waiter = nil }
            return waiter
        }
        w?.resume(with: outcome.mapError { $0 as any Error })
    }

    /// Waits for the reply. Throws `NATSError`.
    public func reply() async throws -> NATSMessage {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<NATSMessage, any Error>) in
            let ready = lock.withLock { () -> Result<NATSMessage, NATSError>? in
                if let result { return result }
                waiter = c
                return nil
            }
            if let ready { c.resume(with: ready.mapError { $0 as any Error }) }
        }
    }
}
