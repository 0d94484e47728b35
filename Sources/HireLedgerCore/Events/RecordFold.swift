/// The state index's view of one record, folded from its record events: `created`/`restored` set the
/// record, `updated` applies its JSON Patch, `deleted` tombstones the last known one. What a sync leaves
/// in a state row is `row` of the fold of the record's events (`StoreVerifier` checks it, and the
/// replay and the salvage rebuild state rows with it).
///
/// The record the fold holds is as recorded; `normalizedRecord` is what the state index keeps: a log
/// written under older normaliser rules (`RecordNormalizer.version` 1 kept embedded copies) folds to a
/// record with copies, which the current rules reduce to references. Patches recorded since were
/// computed between normalised records; they touch only members both forms have (normalising only drops
/// members of embedded objects), so folding them over an older record and normalising at the end gives
/// what the state index holds.
public struct RecordFold: Sendable {
    /// The current version as recorded (nil before any record event).
    public private(set) var record: JSONValue?
    /// Whether the last record event deleted it.
    public private(set) var deleted = false
    /// The position of the last record event folded.
    public private(set) var lastSeq = LogPosition.none

    public init() {}

    /// Folds one event; other than record events are ignored.
    ///
    /// - Parameter lenient: an update that cannot be folded leaves the record as it was (and still
    ///   counts as the last record event) instead of throwing: for a salvaged log with known gaps.
    /// - Throws: `RecordFoldError` when an update comes before any version or its patch does not apply.
    public mutating func apply(_ e: RecordedEvent, lenient: Bool = false) throws(RecordFoldError) {
        guard case .record(_, let action) = e.type else { return }
        switch action {
        case .created, .restored:
            record = e.data["record"]
            deleted = false
        case .updated:
            guard let before = record, let patch = e.data["patch"] else {
                lastSeq = lenient ? e.seq : lastSeq
                if lenient { return }
                throw RecordFoldError(seq: e.seq, subject: e.subject, what: "updates it before any version of it")
            }
            do { record = try JSONPatch.apply(try JSONPatch.operations(fromJSON: patch), to: before) } catch {
                lastSeq = lenient ? e.seq : lastSeq
                if lenient { return }
                throw RecordFoldError(seq: e.seq, subject: e.subject, what: "holds a patch that does not apply (\(error))")
            }
        case .deleted:
            if record == nil { record = e.data["lastKnown"] }
            deleted = true
        }
        lastSeq = e.seq
    }

    /// The record as the state index keeps it: normalised with `normalizer`'s rules.
    public func normalizedRecord(kind: EntityKind, normalizer: RecordNormalizer = .standard) -> NormalizedRecord? {
        record.map { normalizer.normalize($0, kind: kind) }
    }
}

/// A record event that cannot be folded (a damaged or inconsistent log).
public struct RecordFoldError: Error, Sendable, CustomStringConvertible {
    public var seq: LogPosition
    public var subject: EntityKey
    public var what: String

    public var description: String { "event \(seq.value) of \(subject) \(what)" }
}
