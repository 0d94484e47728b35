/// Which parts of a JSON text `JSONValue.parse(_:selecting:)` builds into values; everything else is
/// checked for well-formedness and skipped without building anything.
///
/// Why: a projection fold reads a handful of members of each event's `data` (a record's `status`, the
/// `after` of a change), while the rest (whole records, RFC 6902 patches, candidates) made up most of
/// the cost of a rebuild: building strings, arrays and objects only to free them again. Skipping
/// scans the same bytes but allocates nothing.
///
/// Meaning (the reference is `prune(_:)`, which the tests compare the parser with):
/// - `.all`: the value whole.
/// - `.object(m)`: of an object, only the members `m` names, each pruned by its own selection; an
///   object without any of them is `{}`. A value that is not an object is taken whole.
/// - `.elements(s)`: of an array, every element pruned by `s`. A value that is not an array is taken
///   whole.
public indirect enum JSONSelection: Sendable, Equatable {
    case all
    case object(JSONMemberSelection)
    case elements(JSONSelection)

    /// `.object` with the given members.
    public static func members(_ members: [String: JSONSelection]) -> JSONSelection {
        .object(JSONMemberSelection(members))
    }

    /// `.object` with the given members, each whole.
    public static func only(_ keys: some Sequence<String>) -> JSONSelection {
        .object(JSONMemberSelection(Dictionary(keys.map { ($0, JSONSelection.all) }, uniquingKeysWith: { a, _ in a })))
    }

    /// What `JSONValue.parse(bytes, selecting: self)` gives for the text of `value`.
    public func prune(_ value: JSONValue) -> JSONValue {
        switch (self, value) {
        case (.all, _):
            return value
        case (.object(let m), .object(let o)):
            var kept: [JSONObject.Member] = []
            for member in o {
                if let s = m.selection(for: member.key) { kept.append(JSONObject.Member(key: member.key, value: s.prune(member.value))) }
            }
            return .object(JSONObject(sortedUniqueMembers: kept))
        case (.elements(let s), .array(let items)):
            return .array(items.map(s.prune))
        default:
            return value
        }
    }
}

/// The members an object selection keeps, with their keys' UTF-8 bytes at hand so the parser matches
/// a key in place without making a `String` of every key it skips.
public struct JSONMemberSelection: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var key: String
        var utf8: [UInt8]
        var selection: JSONSelection
    }

    /// Sorted by key (UTF-8 byte order), so equal selections compare equal.
    let entries: [Entry]

    public init(_ members: [String: JSONSelection]) {
        entries = members.map { Entry(key: $0.key, utf8: Array($0.key.utf8), selection: $0.value) }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The selection for member `key`, nil when it is not kept.
    public func selection(for key: String) -> JSONSelection? {
        entries.first { JSONObject.compareKeys($0.key, key) == 0 }?.selection
    }

    /// The index of the entry whose key is exactly the `count` bytes at `bytes`.
    @inline(__always) func index(ofKeyAt bytes: UnsafePointer<UInt8>, count: Int) -> Int? {
        for i in entries.indices where entries[i].utf8.count == count {
            let equal = entries[i].utf8.withUnsafeBufferPointer { e in
                count == 0 || memcmpBytes(e.baseAddress!, bytes, count)
            }
            if equal { return i }
        }
        return nil
    }
}

@inline(__always) private func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    for i in 0..<n where a[i] != b[i] { return false }
    return true
}
