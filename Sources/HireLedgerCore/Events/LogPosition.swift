/// A position in the event log: the `seq` of a `RecordedEvent`. Positions start at 1 and increase by
/// one per appended event; 0 (`LogPosition.none`) means "before the first event" (an empty cursor).
///
/// Stored as 8 big-endian bytes, so byte order equals numeric order and an LMDB cursor walks the log
/// in order.
public struct LogPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let value: UInt64

    public init(_ value: UInt64) { self.value = value }

    /// Before the first event.
    public static let none = LogPosition(0)

    public static func < (a: LogPosition, b: LogPosition) -> Bool { a.value < b.value }

    /// The largest position any input (query parameter, flag, header, stored JSON) may name:
    /// 2^63 - 1, the largest integer every JSON reader here (and JSON Schema `int64`) holds exactly.
    /// Parsers refuse larger numbers with a message; readers given a position at or past it get an
    /// empty answer, never a trap.
    public static let maximum = LogPosition(UInt64(Int64.max))

    /// A position read from untrusted text: a decimal integer from 0 to `maximum`; nil otherwise.
    public init?(parsing text: some StringProtocol) {
        guard text.utf8.count <= 19, let v = UInt64(text), v <= LogPosition.maximum.value else { return nil }
        self.init(v)
    }

    /// The next position. Precondition: below `UInt64.max` (a log of 2^64 events is a programmer
    /// error); code reading after a position that came from outside checks `hasNext` first.
    public var next: LogPosition { LogPosition(value + 1) }

    /// Whether `next` exists (false only at `UInt64.max`).
    public var hasNext: Bool { value < UInt64.max }

    /// Precondition: no overflow (callers add event counts to positions of the log itself).
    public func advanced(by n: UInt64) -> LogPosition { LogPosition(value + n) }

    /// 8 bytes, big-endian.
    public var bigEndianBytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64($0))) }
    }

    /// Reads 8 big-endian bytes; nil when `bytes` does not hold exactly 8.
    public init?(bigEndianBytes bytes: some Collection<UInt8>) {
        guard bytes.count == 8 else { return nil }
        self.init(bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }

    public var description: String { String(value) }
}
