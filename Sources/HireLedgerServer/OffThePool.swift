import Dispatch

/// Runs a query that walks the whole plan state many times (a series is one view per point, tens of
/// milliseconds on a large store) on a GCD worker thread, so that it does not hold one of the few
/// cooperative threads every other request of the server runs on.
func computedOffThePool<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<R, any Error>) in
        DispatchQueue.global(qos: .userInitiated).async { c.resume(with: Result { try body() }) }
    }
}
