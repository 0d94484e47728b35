/// A department (or team: a department with a parent) for rolling rows up the tree.
public struct DepartmentFacts: CompactFacts {
    public static let kind = EntityKind.department
    public static let members: Set<String> = ["name", "parentId"]

    public var name: String?
    public var parentId: String?

    public init(record: JSONValue) {
        name = record.string("name")
        parentId = record.string("parentId")
    }

    public mutating func update(member: String, to value: JSONValue?) {
        switch member {
        case "name": name = value?.stringValue
        case "parentId": parentId = value?.stringValue
        default: break
        }
    }

    public var json: JSONValue { ["name": StateCoding.str(name), "parentId": StateCoding.str(parentId)] }

    public init(json: JSONValue) throws(ProjectionStateError) {
        name = try StateCoding.optString(json["name"], "department.name")
        parentId = try StateCoding.optString(json["parentId"], "department.parentId")
    }
}
