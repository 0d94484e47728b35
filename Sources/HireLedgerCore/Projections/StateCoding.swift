/// Helpers for projection states' canonical JSON form: timestamps as integer milliseconds, dates as
/// integer days since 1970-01-01, absent optionals as `null`. Decoding errors name the member.
enum StateCoding {
    static func ts(_ t: Timestamp) -> JSONValue { JSONValue(t.millisecondsSinceEpoch) }
    static func ts(_ t: Timestamp?) -> JSONValue { t.map(ts) ?? .null }
    static func int(_ i: Int?) -> JSONValue { i.map { JSONValue($0) } ?? .null }
    static func str(_ s: String?) -> JSONValue { JSONValue(s) }

    /// An object from members with unique keys in any order (e.g. a dictionary's). Sorts once:
    /// inserting members one by one into a `JSONObject` moves the tail each time, quadratic for the
    /// hundred-thousand-member maps of a large state.
    static func object(uniqueKeys pairs: [(String, JSONValue)]) -> JSONObject {
        var members = pairs.map { JSONObject.Member(key: $0.0, value: $0.1) }
        members.sort { JSONObject.compareKeys($0.key, $1.key) < 0 }
        return JSONObject(sortedUniqueMembers: members)
    }

    static func object(_ v: JSONValue, _ what: String) throws(ProjectionStateError) -> JSONObject {
        guard let o = v.objectValue else { throw ProjectionStateError("\(what) is not an object") }
        return o
    }

    static func array(_ v: JSONValue?, _ what: String) throws(ProjectionStateError) -> [JSONValue] {
        guard let a = v?.arrayValue else { throw ProjectionStateError("\(what) is not an array") }
        return a
    }

    static func int64(_ v: JSONValue?, _ what: String) throws(ProjectionStateError) -> Int64 {
        guard let i = v?.int64Value else { throw ProjectionStateError("\(what) is not an integer") }
        return i
    }

    static func timestamp(_ v: JSONValue?, _ what: String) throws(ProjectionStateError) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: try int64(v, what))
    }

    static func optTimestamp(_ v: JSONValue?, _ what: String) throws(ProjectionStateError) -> Timestamp? {
        guard let v, !v.isNull else { return nil }
        return try timestamp(v, what)
    }

    static func optInt(_ v: JSONValue?, _ what: String) throws(ProjectionStateError) -> Int? {
        guard let v, !v.isNull else { return nil }
        return Int(try int64(v, what))
    }

    static func optString(_ v: JSONValue?, _ what: String) throws(ProjectionStateError) -> String? {
        guard let v, !v.isNull else { return nil }
        guard let s = v.stringValue else { throw ProjectionStateError("\(what) is not a string") }
        return s
    }

    static func string(_ v: JSONValue?, _ what: String) throws(ProjectionStateError) -> String {
        guard let s = v?.stringValue else { throw ProjectionStateError("\(what) is not a string") }
        return s
    }

    static func bool(_ v: JSONValue?, _ what: String) throws(ProjectionStateError) -> Bool {
        guard let b = v?.boolValue else { throw ProjectionStateError("\(what) is not a boolean") }
        return b
    }

    static func parse(_ bytes: [UInt8]) throws(ProjectionStateError) -> JSONValue {
        do { return try JSONValue.parse(bytes) } catch { throw ProjectionStateError("not JSON (\(error))") }
    }
}

extension JSONValue {
    /// A member read as a date (`YYYY-MM-DD` or a timestamp), as days since 1970-01-01.
    func day(_ key: String) -> Int? { StateCoding.day(string(key)) }
}

extension StateCoding {
    /// A date (`YYYY-MM-DD` or a timestamp) as days since 1970-01-01; nil when absent or unreadable.
    static func day(_ text: String?) -> Int? { text.flatMap(Timestamp.init(iso8601:))?.day.daysSinceEpoch }
}
