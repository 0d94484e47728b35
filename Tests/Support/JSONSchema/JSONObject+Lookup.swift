import HireLedgerCore

extension JSONObject {
    /// The member named `key`, or nil when there is none (a `null` member is `.some(.null)`).
    func member(_ key: String) -> JSONValue? { self[key] }

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
