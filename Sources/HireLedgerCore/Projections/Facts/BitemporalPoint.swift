/// A point on both time axes (docs/ARCHITECTURE.md §4): read the world as it was at `validAt` (valid time,
/// `occurredAt`), using only what had been observed by `knownAt` (transaction time, `observedAt`).
///
/// - `--as-of T`: `BitemporalPoint(validAt: T, knownAt: .max)`: what was true at T as we know it now.
/// - `--known-at T`: `BitemporalPoint(validAt: T, knownAt: T)`: what we knew at T, then.
public struct BitemporalPoint: Sendable, Hashable {
    public var validAt: Timestamp
    public var knownAt: Timestamp

    public init(validAt: Timestamp, knownAt: Timestamp) {
        self.validAt = validAt
        self.knownAt = knownAt
    }

    /// What was true at `t`, as known now.
    public static func asOf(_ t: Timestamp) -> BitemporalPoint { BitemporalPoint(validAt: t, knownAt: .distantFuture) }

    /// What we knew at `t`.
    public static func knownAt(_ t: Timestamp) -> BitemporalPoint { BitemporalPoint(validAt: t, knownAt: t) }

    /// Resolves optional `asOf` / `knownAt` query parameters: `knownAt` alone reads as of that same
    /// instant; neither reads as of `head` (the latest observation in the state), known now.
    public static func resolve(asOf: Timestamp?, knownAt: Timestamp?, head: Timestamp) -> BitemporalPoint {
        BitemporalPoint(validAt: asOf ?? knownAt ?? head, knownAt: knownAt ?? .distantFuture)
    }
}

extension Timestamp {
    /// Later than any real instant: "known now". 9999-12-31T23:59:59.999Z, so it still formats.
    public static let distantFuture = Timestamp(millisecondsSinceEpoch: 253_402_300_799_999)
    /// Earlier than any real instant: 0000-01-01T00:00:00.000Z, so it still formats.
    public static let distantPast = Timestamp(millisecondsSinceEpoch: -62_167_219_200_000)
}
