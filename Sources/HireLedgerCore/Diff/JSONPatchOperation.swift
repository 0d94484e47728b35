/// One RFC 6902 operation. HireLedger writes and reads `add`, `remove` and `replace`; that is all
/// `JSONPatch.diff` produces, and the patches in the log are only ever HireLedger's own.
public enum JSONPatchOperation: Sendable, Hashable {
    case add(JSONPointer, JSONValue)
    case remove(JSONPointer)
    case replace(JSONPointer, JSONValue)

    public var path: JSONPointer {
        switch self {
        case .add(let p, _), .remove(let p), .replace(let p, _): p
        }
    }

    /// `{"op": ..., "path": ..., "value": ...}`.
    public var json: JSONValue {
        switch self {
        case .add(let p, let v): ["op": "add", "path": .string(p.description), "value": v]
        case .remove(let p): ["op": "remove", "path": .string(p.description)]
        case .replace(let p, let v): ["op": "replace", "path": .string(p.description), "value": v]
        }
    }

    /// Reads one operation object; `index` is its position in the patch, for the error message.
    public init(json: JSONValue, index: Int = 0) throws(JSONPatchError) {
        guard case .object = json else {
            throw .malformedOperation(index: index, reason: "expected an object, got \(json.kindName)")
        }
        guard let op = json.string("op") else { throw .malformedOperation(index: index, reason: "missing string member \"op\"") }
        guard let pathText = json.string("path") else { throw .malformedOperation(index: index, reason: "missing string member \"path\"") }
        let path = try JSONPointer(parsing: pathText)
        switch op {
        case "add", "replace":
            guard let value = json["value"] else {
                throw .malformedOperation(index: index, reason: "\"\(op)\" needs a \"value\" member")
            }
            self = op == "add" ? .add(path, value) : .replace(path, value)
        case "remove":
            self = .remove(path)
        default:
            throw .malformedOperation(index: index, reason: "unsupported op \"\(op)\" (HireLedger patches use add, remove and replace)")
        }
    }
}
