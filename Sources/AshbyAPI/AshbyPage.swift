import HireLedgerCore

/// One page of a list endpoint, as Ashby returned it.
public struct AshbyPage: Sendable {
    /// The `results` items, untouched.
    public var records: [JSONValue]
    /// Ashby's `moreDataAvailable`. Only `false` ends a listing; an empty or short page does not.
    public var moreDataAvailable: Bool
    /// The cursor for the next page (send it back unchanged), when Ashby gave one.
    public var nextCursor: String?
    /// Present on the last page of endpoints that support incremental sync: store it with the data.
    public var syncToken: String?
    /// Ashby's optional `warnings` (codes of parts of the request that did not apply).
    public var warnings: [String]
    /// The `x-ashby-request-id` of the response, for support requests.
    public var requestId: String?

    public init(records: [JSONValue], moreDataAvailable: Bool, nextCursor: String? = nil, syncToken: String? = nil,
                warnings: [String] = [], requestId: String? = nil) {
        self.records = records
        self.moreDataAvailable = moreDataAvailable
        self.nextCursor = nextCursor
        self.syncToken = syncToken
        self.warnings = warnings
        self.requestId = requestId
    }
}
