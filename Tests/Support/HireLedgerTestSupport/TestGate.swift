import Foundation

/// A gate a receiver's handler can wait at: closed until `open()`, then open for good. With it a crash
/// test holds the sender mid-delivery (answers stop after request N) however fast or loaded the machine,
/// so that a kill always lands during delivery.
public final class TestGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false

    public init() {}

    /// Blocks the calling thread until the gate is open, or at most `timeout` (so a test that forgets to
    /// open it does not leave threads behind for ever).
    public func wait(timeout: TimeInterval = 120) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !isOpen, condition.wait(until: deadline) {}
    }

    public func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }
}
