/// Reads the members of a domain event's `data` object (or of an object inside it) for a payload's
/// `init(data:)`, under the rules of `DomainEventPayload`: `required...` throws an `EventDataError`
/// naming the member when it is absent or of another type; the nullable readers give nil for absent,
/// `null` or mistyped members.
struct EventDataReader {
    let type: DomainEventType
    let members: JSONObject
    /// Where `members` lies in the data, kept in parts (a joined path per nested object was a string
    /// allocation per event a fold reads): the path of the object holding it, the member it is, and
    /// its index when it is an array element ("" for the data). They are joined for an error message,
    /// and when a reader two or more levels down is made (its parent's path).
    private let parentPath: String
    private let name: String
    private let index: Int?

    /// The dotted path of `members` in the data, with a trailing dot ("" for the data itself).
    var path: String {
        guard !name.isEmpty else { return parentPath }
        return index.map { "\(parentPath)\(name)[\($0)]." } ?? "\(parentPath)\(name)."
    }

    init(_ data: JSONValue, as type: DomainEventType) throws(EventDataError) {
        guard case .object(let o) = data else {
            throw EventDataError(type: type, member: "", problem: "is \(data.kindName), not an object")
        }
        self.init(type: type, members: o, parentPath: "", name: "", index: nil)
    }

    private init(type: DomainEventType, members: JSONObject, parentPath: String, name: String, index: Int?) {
        self.type = type
        self.members = members
        self.parentPath = parentPath
        self.name = name
        self.index = index
    }

    /// The reader of the object `o` found under `key` (element `index` of that array, if given).
    private func nested(_ o: JSONObject, _ key: String, index: Int? = nil) -> EventDataReader {
        EventDataReader(type: type, members: o, parentPath: path, name: key, index: index)
    }

    /// The member named `key`: a linear scan of the few members a payload's object has (a pruned one
    /// has only those a fold reads), rejecting by length before comparing bytes, instead of a binary
    /// search comparing whole keys at each step. A payload asks for every member it knows, most of
    /// them absent from pruned data, so most lookups end at the length check.
    @inline(__always) private func value(_ key: String) -> JSONValue? { members.value(linearlyFor: key) }

    private func missing(_ key: String, _ expected: String) -> EventDataError {
        let problem = value(key).map { "is \($0.kindName), not \(expected)" } ?? "is missing"
        return EventDataError(type: type, member: path + key, problem: problem)
    }

    func requiredString(_ key: String) throws(EventDataError) -> String {
        guard let s = value(key)?.stringValue else { throw missing(key, "a string") }
        return s
    }

    func string(_ key: String) -> String? { value(key)?.stringValue }

    func bool(_ key: String) -> Bool? { value(key)?.boolValue }

    func int(_ key: String) -> Int? { value(key)?.intValue }

    func number(_ key: String) -> JSONNumber? { value(key)?.numberValue }

    /// An ISO 8601 timestamp written by HireLedger.
    func timestamp(_ key: String) -> Timestamp? { string(key).flatMap(Timestamp.init(iso8601:)) }

    /// A required array of strings (non-string elements are an error).
    func requiredStrings(_ key: String) throws(EventDataError) -> [String] {
        guard let items = value(key)?.arrayValue else { throw missing(key, "an array") }
        var out: [String] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard let s = item.stringValue else {
                throw EventDataError(type: type, member: "\(path)\(key)[\(i)]", problem: "is \(item.kindName), not a string")
            }
            out.append(s)
        }
        return out
    }

    /// A nullable array of strings; nil unless it is an array of strings.
    func strings(_ key: String) -> [String]? {
        guard let items = value(key)?.arrayValue else { return nil }
        var out: [String] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let s = item.stringValue else { return nil }
            out.append(s)
        }
        return out
    }

    /// A required object, read by `read`.
    func requiredObject<T>(_ key: String, _ read: (EventDataReader) throws(EventDataError) -> T) throws(EventDataError) -> T {
        guard let o = value(key)?.objectValue else { throw missing(key, "an object") }
        return try read(nested(o, key))
    }

    /// A nullable object, read by `read`; nil when absent, null, not an object or unreadable.
    func object<T>(_ key: String, _ read: (EventDataReader) throws(EventDataError) -> T) -> T? {
        guard let o = value(key)?.objectValue else { return nil }
        return try? read(nested(o, key))
    }

    /// A required array of objects, each read by `read`.
    func requiredObjects<T>(_ key: String, _ read: (EventDataReader) throws(EventDataError) -> T) throws(EventDataError) -> [T] {
        guard let items = value(key)?.arrayValue else { throw missing(key, "an array") }
        var out: [T] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard let o = item.objectValue else {
                throw EventDataError(type: type, member: "\(path)\(key)[\(i)]", problem: "is \(item.kindName), not an object")
            }
            out.append(try read(nested(o, key, index: i)))
        }
        return out
    }
}

/// Collects the members of a domain event's `data` (or of an object inside it), then builds the
/// object once.
struct EventDataWriter {
    private(set) var members: [(String, JSONValue)] = []

    init() { members.reserveCapacity(16) }

    mutating func set(_ key: String, _ value: JSONValue) { members.append((key, value)) }
    mutating func set(_ key: String, _ value: String) { members.append((key, .string(value))) }
    mutating func set(_ key: String, _ value: String?) { members.append((key, JSONValue(value))) }
    mutating func set(_ key: String, _ value: Bool?) { members.append((key, value.map(JSONValue.bool) ?? .null)) }
    mutating func set(_ key: String, _ value: Int?) { members.append((key, value.map { .number(JSONNumber($0)) } ?? .null)) }
    mutating func set(_ key: String, _ value: JSONNumber?) { members.append((key, value.map(JSONValue.number) ?? .null)) }
    mutating func set(_ key: String, _ value: Timestamp?) { members.append((key, value.map { .string($0.iso8601) } ?? .null)) }
    mutating func set(_ key: String, _ value: [String]) { members.append((key, .array(value.map(JSONValue.string)))) }
    mutating func set(_ key: String, _ value: [String]?) { members.append((key, value.map { .array($0.map(JSONValue.string)) } ?? .null)) }
    mutating func set(_ key: String, _ value: (some EventDataPart)?) { members.append((key, value?.json ?? .null)) }
    mutating func set(_ key: String, _ value: [some EventDataPart]) { members.append((key, .array(value.map(\.json)))) }

    var json: JSONValue { .object(JSONObject(members)) }

    /// The object of `write`'s members.
    static func object(_ write: (inout EventDataWriter) -> Void) -> JSONValue {
        var w = EventDataWriter()
        write(&w)
        return w.json
    }
}

/// A group of members shared by several payloads (written flat into the data) or an object inside
/// the data (`job`, `toStage`).
protocol EventDataPart: Sendable, Equatable {
    func write(to w: inout EventDataWriter)
    init(reading r: EventDataReader) throws(EventDataError)
}

extension EventDataPart {
    /// The part as an object of its own.
    var json: JSONValue { EventDataWriter.object { write(to: &$0) } }
}
