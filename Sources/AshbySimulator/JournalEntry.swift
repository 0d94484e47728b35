import HireLedgerCore

/// One ground-truth change in the simulated world, as a sync test compares against.
///
/// A single change of a record may produce several entries (one per field that changed); they share
/// `changeSeq` and `at`. `at` is the exact simulated time of the change (for a stage move, the new
/// history entry's `enteredStageAt`).
public struct JournalEntry: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case created, updated, deleted, merged }

    /// Dense position in the journal, from 1.
    public var seq: Int
    /// The global change sequence the record's change got.
    public var changeSeq: UInt64
    public var at: Timestamp
    /// The Ashby entity type, e.g. `application`, `offer`, `opening`.
    public var entityType: String
    public var entityId: String
    public var kind: Kind
    /// The field path for updates, e.g. `currentInterviewStage.id`, `latestVersion.targetStartDate`; nil otherwise.
    public var field: String?
    public var old: JSONValue?
    public var new: JSONValue?

    /// The entry as a JSON object (for `/_sim/journal`).
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("seq", JSONValue(seq)), ("changeSeq", JSONValue(changeSeq)), ("at", .string(at.iso8601)),
            ("entityType", .string(entityType)), ("entityId", .string(entityId)), ("kind", .string(kind.rawValue)),
        ]
        if let field { pairs.append(("field", .string(field))) }
        if let old { pairs.append(("old", old)) }
        if let new { pairs.append(("new", new)) }
        return .object(JSONObject(pairs))
    }
}
