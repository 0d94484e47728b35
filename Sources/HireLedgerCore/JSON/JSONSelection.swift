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
///
/// Keys are matched by a precomputed "key head" first: a mask of the key lengths kept (most skipped
/// keys fail there, with no memory read), then each kept key's length and first eight bytes as one
/// integer; only the bytes after the eighth are compared one by one, and only when the head matched.
/// Why (issue 14): the selective parse was ~27% of a views rebuild, and every member key of every
/// event was compared with the kept keys; with the heads, perf of `bench views` puts about a tenth of
/// `matchKey`'s samples on the comparison, the rest on the scan over the key's bytes (which checking
/// the text needs anyway).
public struct JSONMemberSelection: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var key: String
        var utf8: [UInt8]
        var selection: JSONSelection
    }

    /// A kept key's length and its first (up to) eight bytes, little-endian, zero-padded.
    struct KeyHead: Sendable, Equatable {
        var head: UInt64
        var count: Int
    }

    /// Sorted by key (UTF-8 byte order), so equal selections compare equal.
    let entries: [Entry]
    /// `entries`' key heads, same order.
    let heads: [KeyHead]
    /// Bit `n` set when a kept key has `n` bytes (bit 63: one of 63 bytes or more).
    let lengths: UInt64

    public init(_ members: [String: JSONSelection]) {
        entries = members.map { Entry(key: $0.key, utf8: Array($0.key.utf8), selection: $0.value) }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        heads = entries.map { e in
            e.utf8.withUnsafeBufferPointer { KeyHead(head: JSONMemberSelection.head($0.baseAddress, count: $0.count, readable: $0.count), count: $0.count) }
        }
        lengths = entries.reduce(0) { $0 | JSONMemberSelection.lengthBit($1.utf8.count) }
    }

    public static func == (a: JSONMemberSelection, b: JSONMemberSelection) -> Bool { a.entries == b.entries }

    /// The selection for member `key`, nil when it is not kept.
    public func selection(for key: String) -> JSONSelection? {
        entries.first { JSONObject.compareKeys($0.key, key) == 0 }?.selection
    }

    @inline(__always) static func lengthBit(_ count: Int) -> UInt64 { 1 << UInt64(min(count, 63)) }

    /// The first `min(count, 8)` bytes at `bytes` as a little-endian integer, zero-padded; one load
    /// when eight bytes may be read there (`readable`: bytes valid from `bytes` on).
    @inline(__always) static func head(_ bytes: UnsafePointer<UInt8>?, count: Int, readable: Int) -> UInt64 {
        guard let bytes, count > 0 else { return 0 }
        if readable >= 8 {
            let word = UInt64(littleEndian: UnsafeRawPointer(bytes).loadUnaligned(as: UInt64.self))
            return count >= 8 ? word : word & ((1 << UInt64(count * 8)) - 1)
        }
        var h: UInt64 = 0
        for i in 0..<min(count, 8) { h |= UInt64(bytes[i]) << UInt64(i * 8) }
        return h
    }

    /// The index of the entry whose key is exactly the `count` bytes at `bytes`; `readable` is how
    /// many bytes from `bytes` on may be read (at least `count`).
    @inline(__always) func index(ofKeyAt bytes: UnsafePointer<UInt8>, count: Int, readable: Int) -> Int? {
        guard lengths & JSONMemberSelection.lengthBit(count) != 0 else { return nil }
        let head = JSONMemberSelection.head(bytes, count: count, readable: readable)
        return heads.withUnsafeBufferPointer { heads -> Int? in
            for i in heads.indices where heads[i].head == head && heads[i].count == count {
                if count <= 8 { return i }
                let equal = entries[i].utf8.withUnsafeBufferPointer { e in memcmpBytes(e.baseAddress! + 8, bytes + 8, count - 8) }
                if equal { return i }
            }
            return nil
        }
    }
}

@inline(__always) private func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    for i in 0..<n where a[i] != b[i] { return false }
    return true
}
