import HireLedgerCore

extension JSONValue {
    /// Equality as JSON Schema defines it for `enum`, `const` and `uniqueItems`: numbers compare by
    /// value (`1` equals `1.0`), objects by members regardless of order, arrays element by element.
    /// (`==` on `JSONValue` instead compares number text exactly.)
    func schemaEquals(_ other: JSONValue) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.number(let a), .number(let b)):
            if a.text == b.text { return true }
            if let x = a.int64Value, let y = b.int64Value { return x == y }
            guard let x = a.doubleValue, let y = b.doubleValue else { return false }
            return x == y
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.schemaEquals($1) }
        case (.object(let a), .object(let b)):
            // Both are sorted by key, so equal objects line up member by member.
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value.schemaEquals($1.value) }
        default:
            return false
        }
    }
}
