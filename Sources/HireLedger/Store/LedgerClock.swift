import AshbyAPI
import HireLedgerCore

/// Where the engine reads the time it records as `observedAt` and in sync runs. Injected so tests and
/// the demo can run many simulated days in seconds.
public protocol LedgerClock: Sendable {
    func now() -> Timestamp
}

/// The system's wall clock.
public struct SystemLedgerClock: LedgerClock {
    private let clock = SystemAshbyClock()
    public init() {}
    public func now() -> Timestamp { clock.wallNow() }
}

/// A clock reading a closure (e.g. a simulator's simulated time) or an `AshbyClock`'s wall time.
public struct ClosureLedgerClock: LedgerClock {
    private let read: @Sendable () -> Timestamp
    public init(_ read: @escaping @Sendable () -> Timestamp) { self.read = read }
    public init(_ clock: any AshbyClock) { read = { clock.wallNow() } }
    public func now() -> Timestamp { read() }
}
