import HireLedgerCore

/// Walks every page of one list endpoint, one `next()` at a time, so the caller can store each page
/// (and the cursor to resume from) before asking for the next.
///
/// Rules it keeps (ASHBY_API.md §3): it stops only when a page says `moreDataAvailable: false` (an
/// empty or short page with `moreDataAvailable: true` is followed); it sends the previous page's
/// `nextCursor` and, in an incremental pass, the same `syncToken` on every page; it throws
/// `AshbyError.cursorLoop` when a page hands back a cursor already used in this walk and
/// `AshbyError.missingNextCursor` when more data is announced without a cursor.
///
/// Not for concurrent use: it is a value with mutating `next()`; copy it only before the first call.
public struct AshbyPager: Sendable {
    /// Called after each page with running totals; must be cheap and must not block.
    public typealias ProgressHandler = @Sendable (AshbyListProgress) -> Void

    public let client: AshbyClient
    public let endpoint: AshbyEndpoint
    /// Request parameters sent on every page (without cursor, syncToken, limit).
    public let parameters: JSONObject
    /// The stored token this pass started from (nil: a full pass).
    public let syncToken: String?
    public let pageSize: Int?
    /// The cursor the next `next()` will send; a checkpoint to resume an interrupted walk from.
    public private(set) var nextCursor: String?
    public private(set) var pagesFetched = 0
    public private(set) var recordsFetched = 0
    /// True once a page said `moreDataAvailable: false`.
    public private(set) var isFinished = false
    /// The last page's `syncToken`, once finished (nil if Ashby sent none).
    public private(set) var finalSyncToken: String?
    private var usedCursors: Set<String> = []
    private let progress: ProgressHandler?

    init(client: AshbyClient, endpoint: AshbyEndpoint, parameters: JSONObject, syncToken: String?,
         resumeCursor: String?, pageSize: Int?, progress: ProgressHandler?) {
        self.client = client
        self.endpoint = endpoint
        self.parameters = parameters
        self.syncToken = syncToken
        self.pageSize = pageSize
        self.nextCursor = resumeCursor
        self.progress = progress
        if let resumeCursor { usedCursors.insert(resumeCursor) }
    }

    /// Fetches the next page, or returns nil when the listing is complete. After a throw the pager
    /// is unchanged: calling `next()` again retries the same page.
    public mutating func next() async throws -> AshbyPage? {
        guard !isFinished else { return nil }
        let page = try await client.listPage(endpoint, cursor: nextCursor, syncToken: syncToken,
                                             parameters: parameters, pageSize: pageSize)
        try advance(more: page.moreDataAvailable, cursor: page.nextCursor, syncToken: page.syncToken,
                    records: page.records.count)
        return page
    }

    /// `next()` with the records left as the bytes Ashby sent (`AshbyClient.listRawPage`). The two may
    /// be mixed in one walk; the same rules and errors apply.
    public mutating func nextRaw() async throws -> AshbyRawPage? {
        guard !isFinished else { return nil }
        let page = try await client.listRawPage(endpoint, cursor: nextCursor, syncToken: syncToken,
                                                parameters: parameters, pageSize: pageSize)
        try advance(more: page.moreDataAvailable, cursor: page.nextCursor, syncToken: page.syncToken,
                    records: page.count)
        return page
    }

    /// Checks a fetched page's paging fields and moves the walk past it (nothing changes on a throw).
    private mutating func advance(more: Bool, cursor: String?, syncToken token: String?, records: Int) throws {
        let number = pagesFetched + 1
        if more {
            guard let cursor, !cursor.isEmpty else {
                throw AshbyError.missingNextCursor(endpoint: endpoint.method, page: number)
            }
            guard !usedCursors.contains(cursor) else {
                throw AshbyError.cursorLoop(endpoint: endpoint.method, page: number)
            }
            usedCursors.insert(cursor)
            nextCursor = cursor
        } else {
            isFinished = true
            nextCursor = nil
            finalSyncToken = token
        }
        pagesFetched = number
        recordsFetched += records
        progress?(AshbyListProgress(endpoint: endpoint.method, pages: pagesFetched, records: recordsFetched,
                                    lastPageRecords: records, isFinished: isFinished))
    }
}

/// Running totals of one listing, for a progress display.
public struct AshbyListProgress: Sendable, Hashable {
    public var endpoint: String
    public var pages: Int
    public var records: Int
    public var lastPageRecords: Int
    public var isFinished: Bool
}
