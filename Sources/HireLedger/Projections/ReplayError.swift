/// `LedgerReplay.replay` cannot write the replayed store.
public struct ReplayError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "cannot replay the store: \(message)" }
}
