/// Why a JSON Patch could not be read or applied.
public enum JSONPatchError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformedPointer(String, reason: String)
    case malformedOperation(index: Int, reason: String)
    case pathNotFound(JSONPointer, operation: Int)
    case invalidArrayIndex(String, path: JSONPointer, operation: Int)
    case notAContainer(JSONPointer, operation: Int)

    public var description: String {
        switch self {
        case .malformedPointer(let text, let reason):
            "invalid JSON Pointer \"\(text)\": \(reason)"
        case .malformedOperation(let i, let reason):
            "invalid JSON Patch operation #\(i): \(reason)"
        case .pathNotFound(let p, let i):
            "JSON Patch operation #\(i): path \"\(p)\" does not exist in the document (the patch was made against a different version)"
        case .invalidArrayIndex(let token, let p, let i):
            "JSON Patch operation #\(i): \"\(token)\" is not a valid array index at \"\(p)\""
        case .notAContainer(let p, let i):
            "JSON Patch operation #\(i): the parent of \"\(p)\" is neither an object nor an array"
        }
    }
}
