/// RFC 6902 JSON Patch: computing the patch between two documents and applying one.
///
/// The rule a caller may rely on: `try JSONPatch.apply(JSONPatch.diff(from: a, to: b), to: a) == b`
/// for every pair of values. `diff` is deterministic (same inputs, same operations) and yields no
/// operations exactly when `a == b`.
public enum JSONPatch {
    /// The operations that turn `a` into `b`.
    ///
    /// Objects are compared member by member (removals, then additions, then changes, each in key
    /// order); arrays of equal length element by element. Arrays of different lengths drop their
    /// common prefix and suffix, diff the overlapping middle element by element, then remove the
    /// surplus from the back or add the new elements in order. Anything else that differs is one
    /// `replace`. Not a minimal edit script, but small for the usual record change (one field, one
    /// appended element) and always correct.
    public static func diff(from a: JSONValue, to b: JSONValue) -> [JSONPatchOperation] {
        var ops: [JSONPatchOperation] = []
        diff(a, b, at: JSONPointer(), into: &ops)
        return ops
    }

    private static func diff(_ a: JSONValue, _ b: JSONValue, at path: JSONPointer, into ops: inout [JSONPatchOperation]) {
        if a == b { return }
        switch (a, b) {
        case (.object(let x), .object(let y)):
            for m in x.members where y[m.key].isAbsent { ops.append(.remove(path.appending(m.key))) }
            for m in y.members where x[m.key].isAbsent { ops.append(.add(path.appending(m.key), m.value)) }
            for m in y.members {
                if let old = x[m.key] { diff(old, m.value, at: path.appending(m.key), into: &ops) }
            }
        case (.array(let x), .array(let y)):
            diffArrays(x, y, at: path, into: &ops)
        default:
            ops.append(.replace(path, b))
        }
    }

    private static func diffArrays(_ x: [JSONValue], _ y: [JSONValue], at path: JSONPointer, into ops: inout [JSONPatchOperation]) {
        if x.count == y.count {
            for i in x.indices { diff(x[i], y[i], at: path.appending(i), into: &ops) }
            return
        }
        var prefix = 0
        while prefix < x.count, prefix < y.count, x[prefix] == y[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < x.count - prefix, suffix < y.count - prefix,
              x[x.count - 1 - suffix] == y[y.count - 1 - suffix] { suffix += 1 }
        let oldMiddle = x.count - prefix - suffix
        let newMiddle = y.count - prefix - suffix
        let common = min(oldMiddle, newMiddle)
        for i in 0..<common { diff(x[prefix + i], y[prefix + i], at: path.appending(prefix + i), into: &ops) }
        if oldMiddle > newMiddle {
            // From the back, so each index still names the element it named in the original array.
            for i in stride(from: prefix + oldMiddle - 1, through: prefix + common, by: -1) {
                ops.append(.remove(path.appending(i)))
            }
        } else {
            for i in common..<newMiddle { ops.append(.add(path.appending(prefix + i), y[prefix + i])) }
        }
    }

    /// Applies `operations` in order to `document`. Throws when an operation's path does not exist
    /// where it must (`remove`, `replace`, the parent of `add`) or names an invalid array index; the
    /// document is then left as it was (the result is only returned on success).
    public static func apply(_ operations: [JSONPatchOperation], to document: JSONValue) throws(JSONPatchError) -> JSONValue {
        var doc = document
        for (i, op) in operations.enumerated() {
            let tokens = op.path.tokens
            if tokens.isEmpty {
                switch op {
                case .add(_, let v), .replace(_, let v): doc = v
                case .remove: throw JSONPatchError.malformedOperation(index: i, reason: "cannot remove the whole document")
                }
                continue
            }
            doc = try update(doc, tokens[...], depth: 0, op: op, index: i)
        }
        return doc
    }

    private static func update(_ value: JSONValue, _ tokens: ArraySlice<String>, depth: Int, op: JSONPatchOperation, index: Int) throws(JSONPatchError) -> JSONValue {
        let token = tokens.first!
        let here = JSONPointer(tokens: Array(op.path.tokens.prefix(depth + 1)))
        if tokens.count > 1 {
            switch value {
            case .object(var o):
                guard let child = o[token] else { throw .pathNotFound(here, operation: index) }
                o[token] = try update(child, tokens.dropFirst(), depth: depth + 1, op: op, index: index)
                return .object(o)
            case .array(var a):
                let i = try arrayIndex(token, count: a.count, path: here, index: index)
                a[i] = try update(a[i], tokens.dropFirst(), depth: depth + 1, op: op, index: index)
                return .array(a)
            default:
                throw .notAContainer(here, operation: index)
            }
        }
        switch value {
        case .object(var o):
            switch op {
            case .add(_, let v): o[token] = v
            case .remove:
                guard !o[token].isAbsent else { throw .pathNotFound(here, operation: index) }
                o[token] = Optional<JSONValue>.none
            case .replace(_, let v):
                guard !o[token].isAbsent else { throw .pathNotFound(here, operation: index) }
                o[token] = v
            }
            return .object(o)
        case .array(var a):
            switch op {
            case .add(_, let v):
                if token == "-" { a.append(v); break }
                let i = try arrayIndex(token, count: a.count + 1, path: here, index: index)
                a.insert(v, at: i)
            case .remove:
                a.remove(at: try arrayIndex(token, count: a.count, path: here, index: index))
            case .replace(_, let v):
                a[try arrayIndex(token, count: a.count, path: here, index: index)] = v
            }
            return .array(a)
        default:
            throw .notAContainer(here, operation: index)
        }
    }

    /// An RFC 6901 array index (`0` or digits without a leading zero) below `count`.
    private static func arrayIndex(_ token: String, count: Int, path: JSONPointer, index: Int) throws(JSONPatchError) -> Int {
        let u = Array(token.utf8)
        guard !u.isEmpty, u.allSatisfy({ (48...57).contains($0) }), u.count == 1 || u[0] != 48, let i = Int(token) else {
            throw .invalidArrayIndex(token, path: path, operation: index)
        }
        guard i < count else { throw .pathNotFound(path, operation: index) }
        return i
    }

    // MARK: - JSON form

    /// The patch as a JSON array of operation objects.
    public static func json(_ operations: [JSONPatchOperation]) -> JSONValue {
        .array(operations.map(\.json))
    }

    /// Reads a patch written by `json(_:)` (or any RFC 6902 patch using add, remove and replace).
    public static func operations(fromJSON json: JSONValue) throws(JSONPatchError) -> [JSONPatchOperation] {
        guard case .array(let items) = json else {
            throw .malformedOperation(index: 0, reason: "a patch must be a JSON array, got \(json.kindName)")
        }
        var ops: [JSONPatchOperation] = []
        ops.reserveCapacity(items.count)
        for (i, item) in items.enumerated() { ops.append(try JSONPatchOperation(json: item, index: i)) }
        return ops
    }
}

extension Optional where Wrapped == JSONValue {
    /// True for a missing value. Use this, never `== nil`: `JSONValue` is `ExpressibleByNilLiteral`,
    /// so the literal `nil` can type-check as `JSONValue.null`, and `optional == nil` (or assigning
    /// `nil` in a conditional expression) then silently means "is JSON null" / "set to JSON null".
    var isAbsent: Bool { if case .none = self { true } else { false } }
}

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
