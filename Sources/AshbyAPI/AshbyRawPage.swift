import HireLedgerCore

/// One page of a list endpoint with its records left as the bytes Ashby sent (`AshbyClient.listRawPage`).
///
/// The response body is kept whole (no copy) and each `results` item is a byte range in it, located by
/// a checking scan (`JSONObjectLayout`): a caller can hash an item's exact bytes and parse only the
/// items it needs. The body was checked as JSON except for repeated keys inside items, which
/// `record(at:)` reports when it parses one.
public struct AshbyRawPage: Sendable {
    /// The method that answered, for error messages.
    public let endpoint: String
    /// The response body the `items` point into.
    public let body: [UInt8]
    /// The `results` items in order: each one's byte range in `body` and its top-level `id` string, if
    /// it has one (see `JSONObjectLayout.Element.key`).
    public let items: [JSONObjectLayout.Element]
    /// Ashby's `moreDataAvailable`. Only `false` ends a listing; an empty or short page does not.
    public var moreDataAvailable: Bool
    /// The cursor for the next page (send it back unchanged), when Ashby gave one.
    public var nextCursor: String?
    /// Present on the last page of endpoints that support incremental sync: store it with the data.
    public var syncToken: String?
    /// Ashby's optional `warnings`.
    public var warnings: [String]
    /// The `x-ashby-request-id` of the response.
    public var requestId: String?
    /// Attempts the request took, for error reports.
    let attempts: Int

    init(endpoint: String, body: [UInt8], items: [JSONObjectLayout.Element], moreDataAvailable: Bool,
         nextCursor: String?, syncToken: String?, warnings: [String], requestId: String?, attempts: Int) {
        self.endpoint = endpoint
        self.body = body
        self.items = items
        self.moreDataAvailable = moreDataAvailable
        self.nextCursor = nextCursor
        self.syncToken = syncToken
        self.warnings = warnings
        self.requestId = requestId
        self.attempts = attempts
    }

    /// A page made from parsed records, for callers and tests that have values rather than a body: the
    /// records are written canonically into a body of their own.
    public init(endpoint: String, records: [JSONValue], moreDataAvailable: Bool, nextCursor: String? = nil,
                syncToken: String? = nil, warnings: [String] = [], requestId: String? = nil) {
        var body: [UInt8] = [UInt8(ascii: "[")]
        var items: [JSONObjectLayout.Element] = []
        items.reserveCapacity(records.count)
        for (i, record) in records.enumerated() {
            if i > 0 { body.append(UInt8(ascii: ",")) }
            let start = body.count
            record.writeCanonical(into: &body)
            items.append(JSONObjectLayout.Element(range: start..<body.count, key: record["id"]?.stringValue))
        }
        body.append(UInt8(ascii: "]"))
        self.init(endpoint: endpoint, body: body, items: items, moreDataAvailable: moreDataAvailable,
                  nextCursor: nextCursor, syncToken: syncToken, warnings: warnings, requestId: requestId, attempts: 1)
    }

    public var count: Int { items.count }

    /// Calls `body` with the exact bytes of item `index`; the buffer is valid only during the call.
    public func withBytes<R>(ofItem index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let range = items[index].range
        return try self.body.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    /// Parses item `index`. Throws `AshbyError.malformedResponse` when it holds a repeated key (the only
    /// defect the page's scan leaves to this parse).
    public func record(at index: Int) throws(AshbyError) -> JSONValue {
        let range = items[index].range
        let result = body.withUnsafeBytes { buffer -> Result<JSONValue, JSONParseError> in
            do throws(JSONParseError) {
                return .success(try JSONValue.parse(UnsafeRawBufferPointer(rebasing: buffer[range])))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let value): return value
        case .failure(let error):
            let offset = range.lowerBound + error.offset
            throw .malformedResponse(endpoint: endpoint, offset: offset,
                                     reason: "results[\(index)]: \(JSONParseError(offset: offset, reason: error.reason))",
                                     excerpt: AshbyClient.maskedExcerpt(body, around: offset), attempts: attempts)
        }
    }

    /// Every item parsed: the page as `AshbyClient.listPage` returns it.
    public func parsed() throws(AshbyError) -> AshbyPage {
        var records: [JSONValue] = []
        records.reserveCapacity(items.count)
        for i in items.indices { records.append(try record(at: i)) }
        return AshbyPage(records: records, moreDataAvailable: moreDataAvailable, nextCursor: nextCursor,
                         syncToken: syncToken, warnings: warnings, requestId: requestId)
    }
}
