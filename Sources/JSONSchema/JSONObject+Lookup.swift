import HireLedgerCore

extension JSONObject {
    /// The member named `key`, or nil when there is none (a `null` member is `.some(.null)`).
    ///
    /// Searched here rather than through `JSONObject.subscript(_:)`: at the time of writing that
    /// subscript returns `.null` for a missing key (its `found ? value : nil` turns `nil` into
    /// `JSONValue.null`, which is `ExpressibleByNilLiteral`), and presence matters to `required`,
    /// `$ref` resolution and JSON pointers.
    func member(_ key: String) -> JSONValue? {
        var lo = 0, hi = members.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let c = JSONObject.compareKeys(members[mid].key, key)
            if c == 0 { return members[mid].value }
            if c < 0 { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }

    /// Whether a member named `key` exists; a `null` member counts.
    func hasMember(_ key: String) -> Bool { member(key) != nil }
}

extension JSONValue {
    /// The member `key` of an object, nil when absent or when this is not an object.
    func member(_ key: String) -> JSONValue? {
        guard case .object(let o) = self else { return nil }
        return o.member(key)
    }
}
