/// A path to fields inside a record, with wildcards: `resumeFileHandle.handle`,
/// `fileHandles[*].handle` (every element of an array), `extraData.*` (every member of an object).
///
/// Grammar: segments separated by `.`; a segment is a member name optionally followed by one or more
/// `[*]`, or a lone `*`. Member names cannot contain `.`, `[` or `]` (Ashby's field names never do).
/// A path that does not match a record simply selects nothing.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public enum Step: Sendable, Hashable {
        case member(String)
        case everyElement
        case everyMember
    }

    public let steps: [Step]
    public let description: String

    /// Parses `text`; nil when it breaks the grammar (empty segment, unbalanced brackets).
    public init?(_ text: String) {
        var steps: [Step] = []
        for segment in text.split(separator: ".", omittingEmptySubsequences: false) {
            if segment == "*" { steps.append(.everyMember); continue }
            var name = Substring(segment)
            var elements = 0
            while name.hasSuffix("[*]") {
                name = name.dropLast(3)
                elements += 1
            }
            guard !name.isEmpty, !name.contains("["), !name.contains("]"), !name.contains("*") else { return nil }
            steps.append(.member(String(name)))
            steps.append(contentsOf: repeatElement(.everyElement, count: elements))
        }
        guard !steps.isEmpty else { return nil }
        self.steps = steps
        self.description = text
    }

    /// For declared constants only: traps on a malformed literal (a programmer error).
    public init(stringLiteral value: String) {
        guard let p = FieldPath(value) else { preconditionFailure("malformed field path literal \"\(value)\"") }
        self = p
    }

    /// `value` with every field this path selects removed (members deleted from their objects; an
    /// `everyElement` step at the end removes nothing, since array slots are positional).
    public func removing(from value: JSONValue) -> JSONValue {
        FieldPath.remove(steps[...], from: value)
    }

    /// `value` with `transform` applied to every value this path selects (a path that matches
    /// nothing leaves `value` as it is).
    public func mapping(_ value: JSONValue, _ transform: (JSONValue) -> JSONValue) -> JSONValue {
        FieldPath.map(steps[...], value, transform)
    }

    private static func map(_ steps: ArraySlice<Step>, _ value: JSONValue, _ transform: (JSONValue) -> JSONValue) -> JSONValue {
        guard let step = steps.first else { return transform(value) }
        let rest = steps.dropFirst()
        switch (step, value) {
        case (.member(let name), .object(var o)):
            guard let child = o[name] else { return value }
            o[name] = map(rest, child, transform)
            return .object(o)
        case (.everyMember, .object(let o)):
            return .object(JSONObject(sortedUniqueMembers: o.members.map {
                JSONObject.Member(key: $0.key, value: map(rest, $0.value, transform))
            }))
        case (.everyElement, .array(let items)):
            return .array(items.map { map(rest, $0, transform) })
        default:
            return value
        }
    }

    private static func remove(_ steps: ArraySlice<Step>, from value: JSONValue) -> JSONValue {
        guard let step = steps.first else { return value }
        let rest = steps.dropFirst()
        switch (step, value) {
        case (.member(let name), .object(var o)):
            guard let child = o[name] else { return value }
            o[name] = rest.isEmpty ? Optional<JSONValue>.none : remove(rest, from: child)
            return .object(o)
        case (.everyMember, .object(let o)):
            if rest.isEmpty { return .object(JSONObject()) }
            return .object(JSONObject(sortedUniqueMembers: o.members.map {
                JSONObject.Member(key: $0.key, value: remove(rest, from: $0.value))
            }))
        case (.everyElement, .array(let items)):
            if rest.isEmpty { return value }
            return .array(items.map { remove(rest, from: $0) })
        default:
            return value
        }
    }
}
