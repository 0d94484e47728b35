/// A record's events do not fold into versions.
public struct RecordHistoryError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "cannot rebuild the record's history: \(message); the log may be damaged (run 'hireledger status')" }
}
