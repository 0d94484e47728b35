import Synchronization

/// Turns a record as Ashby sent it into the canonical form HireLedger hashes, diffs and stores.
///
/// Two rules, per kind:
/// - **Volatile fields** are removed: values that change on every read (signed file handles), so two
///   reads of an unchanged record give the same bytes and hash and never cause an event.
/// - **Embedded copies become references.** Ashby embeds other entities in a record (the user in an
///   application's `creditedToUser`, the job and current stage in an application, interviewers in a
///   schedule, an offer version's author). Those copies change when the other entity changes (a user
///   deactivated, a stage renamed) without the parent's `updatedAt` moving, so Ashby's incremental feed
///   never returns the parent and its stored copy would go stale until a full pass. Each copy is
///   replaced by a reference: the entity's id plus only the members the parent itself owns (a hiring
///   team member's `role`, an interviewer's `trainingRole`). The entity's own changes come from its own
///   endpoint; readers that need its fields look it up by id (the classifier through
///   `ClassificationContext.currentRecord`). The list is in `standardReferences` and in the README
///   ("What HireLedger records, infers, and cannot see").
///
/// Everything else is kept as sent. Both rules are part of the store format: changing them changes
/// hashes, so every stored record of an affected kind would look changed once unless the store
/// re-normalises its state rows (`RecordNormalizer.version` tells a store when; `normalize` is
/// idempotent, so re-normalising a row written by any earlier version gives what a fresh read gives).
public struct RecordNormalizer: Sendable {
    /// The version of `standard`'s rules. A store records the version its state rows were normalised
    /// with and re-normalises them (without events) when it differs.
    /// 1: volatile fields (file handles) removed. 2: embedded copies of other entities kept as references.
    public static let version = 2

    /// Volatile fields per kind.
    public let volatileFields: [EntityKind: [FieldPath]]
    /// Embedded copies of other entities per kind, each kept as a reference.
    public let references: [EntityKind: [EmbeddedReference]]

    /// The rules compiled per kind (`NormalizationPlan`); a kind without one has no rules, or a `*` step.
    private let plans: [EntityKind: NormalizationPlan]

    public init(volatileFields: [EntityKind: [FieldPath]], references: [EntityKind: [EmbeddedReference]] = [:]) {
        self.volatileFields = volatileFields
        self.references = references
        var plans: [EntityKind: NormalizationPlan] = [:]
        for kind in Set(volatileFields.keys).union(references.keys) {
            plans[kind] = NormalizationPlan(volatileFields: volatileFields[kind] ?? [], references: references[kind] ?? [])
        }
        self.plans = plans
    }

    /// The fields known to change on every read of Ashby's API.
    ///
    /// File handles (`handle`) are signed, time-limited tokens re-issued on each response; the file
    /// itself is identified by the handle's `id`, which is kept.
    public static let standardVolatileFields: [EntityKind: [FieldPath]] = [
        .candidate: ["resumeFileHandle.handle", "fileHandles[*].handle"],
        .application: ["resumeFileHandle.handle", "applicationFormSubmissions[*].fileHandles[*].handle"],
        .offer: ["latestVersion.fileHandles[*].handle", "versions[*].fileHandles[*].handle"],
    ]

    /// Which nested objects are another entity's copy, and what of each the parent owns.
    ///
    /// - Users (`user.list`): `creditedToUser` (candidates, applications), hiring team members (jobs,
    ///   applications, opening versions; the parent owns `role`), a job's `author`, an offer version's
    ///   `author`, a schedule's `scheduledBy`, interviewers in interview events (the event owns
    ///   `trainingRole`, `interviewerPool` and `isFeedbackRequired`), referrers.
    /// - Jobs, stages, candidates, openings, locations, sources, tags, archive reasons: an application's
    ///   `job`, `currentInterviewStage`, `candidate` summary, expanded `openings`, `source` and
    ///   `archiveReason` (the application owns the reason's `customFields`); a candidate's `source` and
    ///   `tags`; a job's expanded `location` and `openings`; an interview event's expanded `interview`.
    /// - Custom field values (`customFields[*]` of candidates, applications, jobs, opening and offer
    ///   versions, archive reasons): the record owns `id` (the field's) and `value`; `title`,
    ///   `isPrivate` and `valueLabel` are the field definition's (`customField.list`).
    ///
    /// Not references: ids already (`departmentId`, `locationIds`, `jobIds`, `authorId`,
    /// `interviewerUserIds`), a candidate's own `location` (its own id and text, not a `location.list`
    /// record), job postings' `departmentName`/`teamName`/`locationName` (plain strings of a listing that
    /// Ashby offers no incremental feed for, so every sync reads it whole anyway), application history
    /// titles (the stage's title at the time of the move).
    public static let standardReferences: [EntityKind: [EmbeddedReference]] = {
        let customFieldValue: Set<String> = ["id", "value"]
        let hiringTeamMember: Set<String> = ["userId", "role"]
        return [
            .candidate: [
                EmbeddedReference("source", keep: ["id"]),
                EmbeddedReference("creditedToUser", keep: ["id"]),
                EmbeddedReference("tags[*]", keep: ["id"]),
                EmbeddedReference("customFields[*]", keep: customFieldValue),
            ],
            .application: [
                EmbeddedReference("candidate", keep: ["id"]),
                EmbeddedReference("currentInterviewStage", keep: ["id"]),
                EmbeddedReference("job", keep: ["id"]),
                EmbeddedReference("source", keep: ["id"]),
                EmbeddedReference("creditedToUser", keep: ["id"]),
                EmbeddedReference("archiveReason", keep: ["id", "customFields"]),
                EmbeddedReference("archiveReason.customFields[*]", keep: customFieldValue),
                EmbeddedReference("hiringTeam[*]", keep: hiringTeamMember),
                EmbeddedReference("openings[*]", keep: ["id"]),
                EmbeddedReference("referrals[*].user", keep: ["id"]),
                EmbeddedReference("customFields[*]", keep: customFieldValue),
            ],
            .job: [
                EmbeddedReference("author", keep: ["id"]),
                EmbeddedReference("hiringTeam[*]", keep: hiringTeamMember),
                EmbeddedReference("location", keep: ["id"]),
                EmbeddedReference("openings[*]", keep: ["id"]),
                EmbeddedReference("customFields[*]", keep: customFieldValue),
            ],
            .opening: [
                EmbeddedReference("latestVersion.hiringTeam[*]", keep: hiringTeamMember),
                EmbeddedReference("latestVersion.customFields[*]", keep: customFieldValue),
            ],
            .offer: [
                EmbeddedReference("latestVersion.author", keep: ["id"]),
                EmbeddedReference("versions[*].author", keep: ["id"]),
                EmbeddedReference("latestVersion.customFields[*]", keep: customFieldValue),
                EmbeddedReference("versions[*].customFields[*]", keep: customFieldValue),
            ],
            .interviewSchedule: [
                EmbeddedReference("scheduledBy", keep: ["id"]),
                EmbeddedReference("interviewEvents[*].interviewers[*]",
                                  keep: ["id", "trainingRole", "interviewerPool", "isFeedbackRequired"]),
                EmbeddedReference("interviewEvents[*].interview", keep: ["id"]),
            ],
        ]
    }()

    /// The normaliser with `standardVolatileFields` and `standardReferences` (rules of `version`).
    public static let standard = RecordNormalizer(volatileFields: standardVolatileFields, references: standardReferences)

    /// The record with its kind's volatile fields removed and embedded copies reduced to references.
    /// Idempotent: a normalised record (of this or any earlier version of the rules) normalises to itself
    /// or to what a fresh read of the same record normalises to.
    public func normalizedValue(_ record: JSONValue, kind: EntityKind) -> JSONValue {
        if let plan = plans[kind] { return plan.apply(to: record) ?? record }
        return normalizedValueRuleByRule(record, kind: kind)
    }

    /// `normalizedValue` by applying the rules one after another: the volatile fields in order, then
    /// the references in order. The definition the compiled plans are tested against, and the path for
    /// rules with a `*` step.
    public func normalizedValueRuleByRule(_ record: JSONValue, kind: EntityKind) -> JSONValue {
        var value = record
        if let paths = volatileFields[kind] { value = paths.reduce(value) { $1.removing(from: $0) } }
        if let refs = references[kind] { value = refs.reduce(value) { $1.apply(to: $0) } }
        return value
    }

    /// The normalised record with its canonical bytes and their hash.
    public func normalize(_ record: JSONValue, kind: EntityKind) -> NormalizedRecord {
        NormalizedRecord(normalizedValue(record, kind: kind))
    }

    /// The normalised record straight from the bytes of one record as Ashby sent it, without a tree
    /// (`JSONCanonicalizer`): the same canonical bytes and hash as `normalize(JSONValue.parse(bytes), kind:)`.
    /// Nil when the bytes are not valid JSON, have a key written with an escape, or the kind's rules do
    /// not compile (a `*` step): the caller parses them and normalises the tree, which reports the error.
    public func normalize(bytes: UnsafeRawBufferPointer, kind: EntityKind) -> NormalizedRecord? {
        // Without a plan, either the rules change nothing or one has a `*` step (which the plans leave out).
        let plan = plans[kind]
        if plan == nil, hasWildcardStep(kind) { return nil }
        return JSONCanonicalizer.canonicalBytes(bytes, plan: plan).map(NormalizedRecord.init(canonicalBytes:))
    }

    /// Whether one of `kind`'s rules has a `*` step.
    private func hasWildcardStep(_ kind: EntityKind) -> Bool {
        let paths = (volatileFields[kind] ?? []) + (references[kind] ?? []).map(\.path)
        return paths.contains { $0.steps.contains(.everyMember) }
    }

    /// A description of the rules for `kind` (what raw hashes made under them are seeded with).
    public func rulesDescription(_ kind: EntityKind) -> String {
        let volatile = (volatileFields[kind] ?? []).map(\.description).joined(separator: ",")
        let refs = (references[kind] ?? []).map(\.description).joined(separator: ",")
        return refs.isEmpty ? volatile : "\(volatile);refs:\(refs)"
    }
}

/// An embedded copy of another entity inside a record, kept as a reference: at every object `path`
/// selects, only the `keep` members stay (those present; nothing is added). A `null` or a non-object
/// is left as it is.
public struct EmbeddedReference: Sendable, Hashable, CustomStringConvertible {
    public let path: FieldPath
    public let keep: Set<String>

    public init(_ path: FieldPath, keep: Set<String>) {
        self.path = path
        self.keep = keep
    }

    public func apply(to record: JSONValue) -> JSONValue {
        path.mapping(record) { value in
            guard case .object(let o) = value, o.members.contains(where: { !keep.contains($0.key) }) else { return value }
            return .object(JSONObject(sortedUniqueMembers: o.members.filter { keep.contains($0.key) }))
        }
    }

    public var description: String { "\(path.description){\(keep.sorted().joined(separator: ","))}" }
}

/// A record after `RecordNormalizer`, with its canonical bytes and content hash computed once.
///
/// Made from a tree (`init(_:)`) or straight from a record's bytes (`RecordNormalizer.normalize(bytes:kind:)`);
/// in the second case the tree (`value`) is parsed from the canonical bytes the first time it is asked
/// for, so a record that is only hashed, compared and stored never gets one (most of a first sync).
public struct NormalizedRecord: Sendable, Hashable {
    /// `value.canonicalBytes()`: what the state index stores.
    public let canonicalBytes: [UInt8]
    /// The hash of `canonicalBytes`: what a sync compares to decide whether the record changed.
    public let hash: ContentHash
    private let tree: Tree

    /// The normalised record.
    public var value: JSONValue { tree.value(canonicalBytes) }

    /// Wraps a value that is already normalised (e.g. read back from the state index).
    public init(_ value: JSONValue) {
        canonicalBytes = value.canonicalBytes()
        hash = ContentHash(bytes: canonicalBytes)
        tree = Tree(value)
    }

    /// A record from canonical bytes made by `JSONCanonicalizer` (valid JSON in canonical form).
    init(canonicalBytes: [UInt8]) {
        self.canonicalBytes = canonicalBytes
        hash = ContentHash(bytes: canonicalBytes)
        tree = Tree(nil)
    }

    /// Whether the tree has been made (for tests: a record only compared and stored never needs it).
    public var hasTree: Bool { tree.isMade }

    /// Equal values have equal canonical bytes and the other way round (`JSONValue.==`).
    public static func == (a: NormalizedRecord, b: NormalizedRecord) -> Bool { a.canonicalBytes == b.canonicalBytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(hash) }

    /// The tree, made once on first use when the record came from bytes.
    private final class Tree: Sendable {
        private let made: Mutex<JSONValue?>

        init(_ value: JSONValue?) { made = Mutex(value) }

        var isMade: Bool { made.withLock { $0 != nil } }

        func value(_ canonicalBytes: [UInt8]) -> JSONValue {
            made.withLock { made in
                if let made { return made }
                guard let parsed = try? JSONValue.parse(canonicalBytes) else {
                    preconditionFailure("canonical bytes that do not parse: JSONCanonicalizer wrote invalid JSON")
                }
                made = parsed
                return parsed
            }
        }
    }
}
