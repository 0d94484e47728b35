/// A location's name, for labelling rows.
public struct LocationFacts: CompactFacts {
    public static let kind = EntityKind.location
    public static let members: Set<String> = ["name"]

    public var name: String?

    public init(record: JSONValue) { name = record.string("name") }

    public mutating func update(member: String, to value: JSONValue?) {
        if member == "name" { name = value?.stringValue }
    }

    public var json: JSONValue { ["name": StateCoding.str(name)] }

    public init(json: JSONValue) throws(ProjectionStateError) {
        name = try StateCoding.optString(json["name"], "location.name")
    }
}
