/// A JSON value that keeps numbers exactly as written and object members sorted by key.
///
/// Objects hold their members sorted by the UTF-8 bytes of their keys, so two values parsed from
/// inputs that differ only in key order or whitespace are equal (`==`) and write the same canonical
/// bytes (`canonicalBytes()`). Numbers keep their source text (`1.0` and `1` are different values);
/// HireLedger compares what Ashby sent, not what it means.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// Structural equality with strings compared by their UTF-8 bytes.
    ///
    /// Not `String`'s `==`, which treats canonically equivalent strings (`"é"` and `"e\u{301}"`) as
    /// equal although their canonical JSON bytes, and so their content hashes, differ. With byte
    /// equality, `a == b` exactly when `a.canonicalBytes() == b.canonicalBytes()`. (The synthesized
    /// `hash(into:)` stays consistent: byte-equal strings hash equal.)
    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case let (.bool(x), .bool(y)): x == y
        case let (.number(x), .number(y)): x == y
        case let (.string(x), .string(y)): JSONObject.compareKeys(x, y) == 0
        case let (.array(x), .array(y)): x == y
        case let (.object(x), .object(y)): x == y
        default: false
        }
    }
}

/// A JSON number, kept as the text it was written with (always valid JSON number syntax).
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number's text, e.g. `-12.5e3`.
    public let text: String

    /// Wraps text that is already valid JSON number syntax (the parser's and the integer/double
    /// initialisers' output). Callers with untrusted text use `init?(validating:)`.
    public init(unchecked text: String) { self.text = text }

    public init?(validating text: String) {
        guard let value = try? JSONValue.parse(text), case .number(let n) = value else { return nil }
        self = n
    }

    public init<I: BinaryInteger>(_ value: I) { self.text = String(value) }

    /// A finite double in its shortest round-trip form (`1.5`, `1e+21`); integral values print without
    /// a fraction (`3`).
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        if value == value.rounded(), abs(value) < 1e15 {
            self.text = String(Int64(value))
        } else {
            self.text = String(value)
        }
    }

    public var description: String { text }
    public var int64Value: Int64? { Int64(text) }
    public var doubleValue: Double? { Double(text) }
}

/// The members of a JSON object, sorted by key (UTF-8 byte order), keys unique.
public struct JSONObject: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    public struct Member: Sendable, Hashable {
        public var key: String
        public var value: JSONValue
        public init(key: String, value: JSONValue) { self.key = key; self.value = value }

        /// Keys compare by UTF-8 bytes, like `JSONValue` strings.
        public static func == (a: Member, b: Member) -> Bool {
            JSONObject.compareKeys(a.key, b.key) == 0 && a.value == b.value
        }
    }

    public private(set) var members: [Member]

    public init() { members = [] }

    /// Members in any order; a later duplicate key replaces an earlier one.
    ///
    /// Sorted once (a stable sort, so equal keys keep their order and the last one is kept), not
    /// inserted one by one: every event payload is built this way, and the inserts (a search and an
    /// array shift per member) were a twentieth of a first sync's write transactions.
    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        var members = pairs.map { Member(key: $0.0, value: $0.1) }
        if members.count <= 64 {
            JSONObject.sortMembers(&members)  // an insertion sort: stable
        } else {
            members = members.enumerated().sorted { a, b in
                let c = JSONObject.compareKeys(a.element.key, b.element.key)
                return c != 0 ? c < 0 : a.offset < b.offset
            }.map(\.element)
        }
        if members.count > 1 {
            // Duplicates are neighbours now: keep each run's last.
            var kept = 0
            for i in members.indices {
                if i + 1 < members.count, JSONObject.compareKeys(members[i].key, members[i + 1].key) == 0 { continue }
                if kept != i { members.swapAt(kept, i) }
                kept += 1
            }
            members.removeLast(members.count - kept)
        }
        self.members = members
    }

    /// Members already sorted by key in UTF-8 byte order with unique keys (the parser's fast path).
    public init(sortedUniqueMembers: [Member]) { members = sortedUniqueMembers }

    public init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }

    public var startIndex: Int { members.startIndex }
    public var endIndex: Int { members.endIndex }
    public subscript(position: Int) -> Member { members[position] }

    public var keys: [String] { members.map(\.key) }

    /// The member named `key`, or nil; setting nil removes it.
    public subscript(key: String) -> JSONValue? {
        get {
            let (found, i) = search(key)
            // Not `found ? value : nil`: in a ternary `nil` would become `JSONValue.null` (the type is
            // ExpressibleByNilLiteral), so a missing key would read as a present `null`.
            guard found else { return Optional<JSONValue>.none }
            return members[i].value
        }
        set {
            let (found, i) = search(key)
            switch (found, newValue) {
            case (true, .some(let v)): members[i].value = v
            case (true, .none): members.remove(at: i)
            case (false, .some(let v)): members.insert(Member(key: key, value: v), at: i)
            case (false, .none): break
            }
        }
    }

    /// The member named `key`, like `self[key]`, found by a linear scan when the object is small
    /// (at most 8 members): a member whose key has another UTF-8 length is passed over without
    /// comparing bytes. For readers that ask for many keys of small objects, most of them absent
    /// (`EventDataReader` on pruned event data); larger objects are searched as `self[key]` does.
    @inline(__always)
    public func value(linearlyFor key: String) -> JSONValue? {
        guard members.count <= 8 else { return self[key] }
        let length = key.utf8.count
        for i in members.indices where members[i].key.utf8.count == length {
            if JSONObject.compareKeys(members[i].key, key) == 0 { return members[i].value }
        }
        return Optional<JSONValue>.none
    }

    /// Binary search by UTF-8 byte order: (found, index of the match or of the insertion point).
    private func search(_ key: String) -> (Bool, Int) {
        var lo = 0, hi = members.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let c = JSONObject.compareKeys(members[mid].key, key)
            if c == 0 { return (true, mid) }
            if c < 0 { lo = mid + 1 } else { hi = mid }
        }
        return (false, lo)
    }

    /// Compares two keys by their UTF-8 bytes: negative, zero or positive (only the sign means
    /// anything).
    ///
    /// Byte order, not `String`'s `<`: Swift compares strings by canonical equivalence, under which
    /// `"é"` (U+00E9) equals `"e\u{301}"`, but the canonical form must keep both apart.
    @inlinable
    public static func compareKeys(_ a: String, _ b: String) -> Int {
        // Native strings (all the parser makes) expose contiguous UTF-8 without copying.
        let fast = a.utf8.withContiguousStorageIfAvailable { pa in
            b.utf8.withContiguousStorageIfAvailable { pb in compareUTF8(pa, pb) }
        }
        if let fast, let result = fast { return result }
        return compareBytes(Array(a.utf8), Array(b.utf8))
    }

    /// `compareBytes` over contiguous bytes, eight at a time (member lookups in event data and the
    /// projections' key sorts spend their time here).
    @inlinable
    static func compareUTF8(_ pa: UnsafeBufferPointer<UInt8>, _ pb: UnsafeBufferPointer<UInt8>) -> Int {
        let n = Swift.min(pa.count, pb.count)
        guard n > 0, let a = pa.baseAddress, let b = pb.baseAddress else { return pa.count - pb.count }
        var i = 0
        while i + 8 <= n {
            let x = UInt64(bigEndian: UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self))
            let y = UInt64(bigEndian: UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self))
            if x != y { return x < y ? -1 : 1 }
            i += 8
        }
        while i < n {
            if a[i] != b[i] { return Int(a[i]) - Int(b[i]) }
            i += 1
        }
        return pa.count - pb.count
    }

    @inlinable
    static func compareBytes(_ pa: some RandomAccessCollection<UInt8>, _ pb: some RandomAccessCollection<UInt8>) -> Int {
        var ia = pa.startIndex, ib = pb.startIndex
        while ia != pa.endIndex && ib != pb.endIndex {
            if pa[ia] != pb[ib] { return Int(pa[ia]) - Int(pb[ib]) }
            pa.formIndex(after: &ia)
            pb.formIndex(after: &ib)
        }
        return pa.count - pb.count
    }

    /// Sorts `members` by key in UTF-8 byte order (stable).
    ///
    /// Objects in API records are small and usually arrive in the sender's field order, not sorted.
    /// Insertion sort through a raw buffer moves members without retaining their strings, which the
    /// generic `sort` did on every comparison; large objects still go to the standard library.
    static func sortMembers(_ members: inout [Member]) {
        guard members.count <= 64 else {
            members.sort { compareKeys($0.key, $1.key) < 0 }
            return
        }
        members.withUnsafeMutableBufferPointer { buf in
            for i in 1..<Swift.max(buf.count, 1) {
                var j = i
                while j > 0 && compareKeys(buf[j - 1].key, buf[j].key) > 0 {
                    buf.swapAt(j - 1, j)
                    j -= 1
                }
            }
        }
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{

    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(floatLiteral value: Double) { self = JSONNumber(value).map { .number($0) } ?? .null }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}

// MARK: - Accessors

extension JSONValue {
    /// The member `key` of an object; nil when this is not an object or has no such member.
    public subscript(key: String) -> JSONValue? {
        get {
            guard case .object(let o) = self else { return nil }
            return o[key]
        }
        set {
            guard case .object(var o) = self else { return }
            o[key] = newValue
            self = .object(o)
        }
    }

    /// The element at `index` of an array; nil when out of range or not an array.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let a) = self, a.indices.contains(index) else { return nil }
        return a[index]
    }

    public var isNull: Bool { if case .null = self { return true } else { return false } }
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var numberValue: JSONNumber? { if case .number(let n) = self { return n } else { return nil } }
    public var int64Value: Int64? { numberValue?.int64Value }
    public var intValue: Int? { int64Value.map { Int($0) } }
    public var doubleValue: Double? { numberValue?.doubleValue }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }

    /// The value as a string when it is a non-null string; `nil` for `null` and absent alike.
    public func string(_ key: String) -> String? { self[key]?.stringValue }

    /// A short name of the value's kind, for error messages.
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

extension JSONValue {
    public init(_ s: String?) { self = s.map { .string($0) } ?? .null }
    public init(_ b: Bool) { self = .bool(b) }
    public init<I: BinaryInteger>(_ i: I) { self = .number(JSONNumber(i)) }
}
