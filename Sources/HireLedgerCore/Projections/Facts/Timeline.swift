/// The versions of one entity's compact facts, each with when it became true (valid time) and when
/// HireLedger learnt it (transaction time), in log order.
///
/// A point-in-time read is a filter over these few versions, so a query at any T needs no refold.
/// Because `observedAt` never decreases along the log, the versions known at K are a prefix.
public struct Timeline<Facts: Sendable & Equatable>: Sendable, Equatable {
    /// One version. `facts == nil` means the record was deleted (a tombstone).
    public struct Version: Sendable, Equatable {
        public var valid: Timestamp
        public var known: Timestamp
        public var seq: LogPosition
        public var facts: Facts?

        public init(valid: Timestamp, known: Timestamp, seq: LogPosition, facts: Facts?) {
            self.valid = valid
            self.known = known
            self.seq = seq
            self.facts = facts
        }
    }

    /// In log order (increasing `seq`, so non-decreasing `known`).
    public private(set) var versions: [Version]

    public init(versions: [Version] = []) { self.versions = versions }

    /// The latest facts by log order (what the store holds now); nil when deleted or empty.
    public var current: Facts? { versions.last?.facts ?? nil }

    /// Appends a version unless it repeats the current facts (keeps timelines compact).
    /// Precondition: `seq` is not less than any version's (one event may add several versions).
    public mutating func append(valid: Timestamp, known: Timestamp, seq: LogPosition, facts: Facts?) {
        precondition(versions.last.map { $0.seq <= seq } ?? true, "timeline versions must be appended in log order")
        if let last = versions.last, last.facts == facts { return }
        versions.append(Version(valid: valid, known: known, seq: seq, facts: facts))
    }

    /// The facts true at `point.validAt` as known at `point.knownAt`: among the versions known by
    /// then, the one with the latest valid time not after `validAt` (log order breaks ties, so a later
    /// observation of the same instant wins). Nil when none, or when that version is a deletion.
    public func facts(at point: BitemporalPoint) -> Facts? { versionIndex(at: point).flatMap { versions[$0].facts } }

    /// The version `facts(at:)` reads.
    public func version(at point: BitemporalPoint) -> Version? { versionIndex(at: point).map { versions[$0] } }

    /// The index of the version `facts(at:)` reads. By index, so that the scan copies no version
    /// (a copy retains every string of the facts; views and series call this millions of times).
    public func versionIndex(at point: BitemporalPoint) -> Int? {
        var best: Int?
        var bestValid = Timestamp.distantPast
        for i in versions.indices {
            if versions[i].known > point.knownAt { break }
            let valid = versions[i].valid
            if valid <= point.validAt, best == nil || valid >= bestValid {
                best = i
                bestValid = valid
            }
        }
        return best
    }

    /// The versions known at `point.knownAt` and valid by `point.validAt`, in log order.
    public func visibleVersions(at point: BitemporalPoint) -> [Version] {
        var out: [Version] = []
        for v in versions {
            if v.known > point.knownAt { break }
            if v.valid <= point.validAt { out.append(v) }
        }
        return out
    }
}
