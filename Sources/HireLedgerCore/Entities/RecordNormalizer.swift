/// Turns a record as Ashby sent it into the canonical form HireLedger hashes, diffs and stores.
///
/// Removes the declared volatile fields of the record's kind (values that change on every read, such
/// as signed file handles), so two reads of an unchanged record give the same bytes and hash and never
/// cause an event. Everything else is kept as sent. The declared list is part of the store format:
/// adding a field changes hashes, so every stored record of that kind looks changed once (one
/// `updated` event each, removing the field) unless the store re-normalises its state in a migration.
public struct RecordNormalizer: Sendable {
    /// Volatile fields per kind.
    public let volatileFields: [EntityKind: [FieldPath]]

    public init(volatileFields: [EntityKind: [FieldPath]]) {
        self.volatileFields = volatileFields
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

    /// The normaliser with `standardVolatileFields`.
    public static let standard = RecordNormalizer(volatileFields: standardVolatileFields)

    /// The record with its kind's volatile fields removed.
    public func normalizedValue(_ record: JSONValue, kind: EntityKind) -> JSONValue {
        guard let paths = volatileFields[kind] else { return record }
        return paths.reduce(record) { $1.removing(from: $0) }
    }

    /// The normalised record with its canonical bytes and their hash.
    public func normalize(_ record: JSONValue, kind: EntityKind) -> NormalizedRecord {
        NormalizedRecord(normalizedValue(record, kind: kind))
    }
}

/// A record after `RecordNormalizer`, with its canonical bytes and content hash computed once.
public struct NormalizedRecord: Sendable, Hashable {
    public let value: JSONValue
    /// `value.canonicalBytes()`: what the state index stores.
    public let canonicalBytes: [UInt8]
    /// The hash of `canonicalBytes`: what a sync compares to decide whether the record changed.
    public let hash: ContentHash

    /// Wraps a value that is already normalised (e.g. read back from the state index).
    public init(_ value: JSONValue) {
        self.value = value
        canonicalBytes = value.canonicalBytes()
        hash = ContentHash(bytes: canonicalBytes)
    }
}
