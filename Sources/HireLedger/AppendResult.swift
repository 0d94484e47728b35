import HireLedgerCore

/// What one append wrote.
public struct AppendResult: Sendable, Hashable {
    /// The positions the events got, consecutive; empty when nothing was appended.
    public var positions: ClosedRange<LogPosition>?
    /// The observation time the events carry (the requested one, clamped to the log's last).
    public var observedAt: Timestamp?
    /// Number of record changes (record events) among the events.
    public var recordChanges: Int

    public var eventCount: Int { positions.map { Int($0.upperBound.value - $0.lowerBound.value) + 1 } ?? 0 }

    public static let empty = AppendResult(positions: nil, observedAt: nil, recordChanges: 0)
}
