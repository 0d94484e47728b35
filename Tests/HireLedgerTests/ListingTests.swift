import AshbyAPI
import AshbySimulator
import CurlHTTP
import Foundation
@testable import HireLedger
import HireLedgerCore
import Synchronization
import Testing

/// `Listing`: a type's pages fetched ahead of its pass, in order, within a byte bound; and the sync's
/// listing window, which keeps several types' listings on the wire at once.
struct ListingTests {
    /// Serves `pages` pages of `job.list` (cursor "p2", "p3", ...), each record padded to `padding`
    /// bytes; the page numbered `failing` answers 503. Counts the requests.
    final class PagingTransport: HTTPTransport {
        let pages: Int, padding: Int, failing: Int?, delay: Duration
        private let count = Mutex(0)
        init(pages: Int, padding: Int = 1000, failing: Int? = nil, delay: Duration = .zero) {
            self.pages = pages; self.padding = padding; self.failing = failing; self.delay = delay
        }
        var requests: Int { count.withLock { $0 } }

        func send(_ request: HTTPRequest) async throws -> HTTPResponse {
            count.withLock { $0 += 1 }
            if delay > .zero { try await Task.sleep(for: delay) }
            let body = try JSONValue.parse(request.body)
            let cursor = body["cursor"]?.stringValue
            let n = cursor.map { Int($0.dropFirst())! } ?? 1
            if n == failing {
                return HTTPResponse(status: 503, headers: [], body: Array("{\"success\":false}".utf8))
            }
            var page: [String: JSONValue] = [
                "success": true,
                "results": [["id": .string("job-\(n)"), "pad": .string(String(repeating: "x", count: padding))]],
                "moreDataAvailable": .bool(n < pages),
            ]
            if n < pages { page["nextCursor"] = .string("p\(n + 1)") } else { page["syncToken"] = .string("token-after-\(n)") }
            return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: JSONValue.object(JSONObject(page.map { ($0.key, $0.value) })).canonicalBytes())
        }
    }

    private func pager(_ transport: PagingTransport) -> AshbyPager {
        AshbyClient(baseURL: "https://api.ashbyhq.test", apiKey: try! APIKey("test-key-0123456789abcdef"), transport: transport,
                    retryPolicy: .none).pager(.jobList, syncToken: nil, pageSize: 1)
    }

    /// Waits (up to 5 s) until `condition` holds.
    private func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func pagesComeInOrderWithTheLastMarkedAndItsToken() async throws {
        let transport = PagingTransport(pages: 5)
        let listing = Listing(pager(transport), aheadBytes: 1 << 20)
        var ids: [String] = []
        while true {
            let item = try await listing.next()
            let page = try #require(item.page)
            ids.append(try page.record(at: 0).string("id") ?? "?")
            if item.isLast {
                #expect(item.finalToken == "token-after-5")
                break
            }
            #expect(item.finalToken == nil)
        }
        #expect(ids == (1...5).map { "job-\($0)" })
        #expect(transport.requests == 5)
    }

    @Test func itFetchesAheadUntilTheBoundThenWaitsForThePass() async throws {
        // About 1 KB a page: a 3.5 KB bound holds four pages (one more goes in while under it).
        let transport = PagingTransport(pages: 20)
        let listing = Listing(pager(transport), aheadBytes: 3_500)
        try await eventually { transport.requests >= 4 }
        try await Task.sleep(for: .milliseconds(100))
        #expect(transport.requests == 4, "fetched \(transport.requests) pages ahead")
        // Each page taken makes room for one more.
        _ = try await listing.next()
        _ = try await listing.next()
        try await eventually { transport.requests >= 6 }
        try await Task.sleep(for: .milliseconds(100))
        #expect(transport.requests == 6)
        listing.cancel()

        // Unbounded (in effect), it runs to the end without the pass.
        let all = PagingTransport(pages: 20)
        let eager = Listing(pager(all), aheadBytes: 1 << 30)
        try await eventually { all.requests >= 20 }
        #expect(all.requests == 20)
        eager.cancel()
    }

    @Test func slowRepliesRaiseTheBoundSoAListingWaitingForItsPassGathersPages() async throws {
        // Replies of 25 ms (a real Ashby's are slower): past the 20 ms mark the bound becomes 3.5 KB.
        let slow = PagingTransport(pages: 20, delay: .milliseconds(25))
        let listing = Listing(pager(slow), aheadBytes: 1, slowAheadBytes: 3_500)
        try await eventually { slow.requests >= 4 }
        try await Task.sleep(for: .milliseconds(200))
        #expect(slow.requests == 4, "fetched \(slow.requests) pages ahead")
        listing.cancel()
        // Replies under the mark keep the one-page bound (a 1 s mark: a loaded test machine cannot cross it).
        let fast = PagingTransport(pages: 20)
        let other = Listing(pager(fast), aheadBytes: 1, slowAheadBytes: 3_500, slowReply: .seconds(1))
        try await eventually { fast.requests >= 1 }
        try await Task.sleep(for: .milliseconds(100))
        #expect(fast.requests == 1)
        other.cancel()
    }

    @Test func replyPaceIsAMovingAverageSoOneSlowReplyDoesNotCount() {
        let pace = ReplyPace()
        #expect(!pace.isSlow(.milliseconds(20)))
        #expect(pace.isSlow(.zero))
        for _ in 0..<4 { pace.record(.milliseconds(5)) }
        pace.record(.milliseconds(60))  // 0.8 x 5 + 0.2 x 60 = 16 ms
        #expect(!pace.isSlow(.milliseconds(20)))
        pace.record(.milliseconds(60))  // 0.8 x 16 + 0.2 x 60 = 24.8 ms
        #expect(pace.isSlow(.milliseconds(20)))
        for _ in 0..<10 { pace.record(.milliseconds(2)) }
        #expect(!pace.isSlow(.milliseconds(20)))
    }

    @Test func aFailedRequestComesOutAfterThePagesBeforeItAndEndsTheListing() async throws {
        let transport = PagingTransport(pages: 6, failing: 3)
        let listing = Listing(pager(transport), aheadBytes: 1 << 20)
        #expect(try await listing.next().page != nil)
        #expect(try await listing.next().page != nil)
        await #expect(throws: AshbyError.self) { try await listing.next() }
        try await Task.sleep(for: .milliseconds(50))
        #expect(transport.requests == 3)
    }

    @Test func cancellingStopsTheFetchingAndAWaitingPass() async throws {
        let transport = PagingTransport(pages: 50)
        let listing = Listing(pager(transport), aheadBytes: 1)
        try await eventually { transport.requests >= 1 }
        _ = try await listing.next()
        try await eventually { transport.requests >= 2 }
        _ = try await listing.next()
        listing.cancel()
        let made = transport.requests
        await #expect(throws: CancellationError.self) { try await listing.next() }
        try await Task.sleep(for: .milliseconds(100))
        #expect(transport.requests <= made + 1, "at most the request already on the wire")
        // A pass cancelled while it waits gets CancellationError too.
        let slow = PagingTransport(pages: 50)
        let other = Listing(pager(slow), aheadBytes: 1)
        let waiting = Task { _ = try await other.next(); _ = try await other.next(); return try await other.next() }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
    }

    /// Records, per list endpoint, whether its requests overlapped another endpoint's.
    final class OverlapTransport: HTTPTransport {
        let inner: any HTTPTransport
        private let state = Mutex((inFlight: [String: Int](), overlapped: Set<String>()))
        init(_ inner: any HTTPTransport) { self.inner = inner }
        var overlapped: Set<String> { state.withLock { $0.overlapped } }

        func send(_ request: HTTPRequest) async throws -> HTTPResponse {
            let method = String(request.url.split(separator: "/").last ?? "")
            guard method.hasSuffix(".list") else { return try await inner.send(request) }
            state.withLock { s in
                s.inFlight[method, default: 0] += 1
                let busy = s.inFlight.filter { $0.value > 0 }.keys
                if busy.count > 1 { s.overlapped.formUnion(busy) }
            }
            defer { state.withLock { $0.inFlight[method, default: 1] -= 1 } }
            return try await inner.send(request)
        }
    }

    @Test func theNextTypesAreListedWhileEarlierOnesAreRecordedAndTheLogIsTheSame() async throws {
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 41, size: .small))
        try await withSimulatorServer(sim) { url in
            try await withTemporaryDirectory { windowPath in
                try await withTemporaryDirectory { plainPath in
                    let curl = try CurlTransport(configuration: CurlTransport.Configuration(maximumConnectionsPerHost: 16))
                    let overlap = OverlapTransport(curl)
                    let key = try APIKey(sim.fullAccessKey)
                    sim.latency = SimulatorLatency(millis: 5, jitterMillis: 5)
                    var windowed = SyncOptions(pageSize: 20)
                    windowed.listingWindow = 2
                    windowed.slowReply = .zero  // the window opens for slow replies; these take 5-10 ms
                    var plain = SyncOptions(pageSize: 20)
                    plain.listingWindow = 0
                    plain.listingAheadBytes = 1
                    let windowStore = try openTestStore(windowPath, now: sim.now)
                    let plainStore = try openTestStore(plainPath, now: sim.now)
                    let clock = ClosureLedgerClock { sim.now }
                    try await SyncService(store: windowStore, client: AshbyClient(baseURL: url, apiKey: key, transport: overlap),
                                          clock: clock).sync(windowed)
                    try await SyncService(store: plainStore, client: AshbyClient(baseURL: url, apiKey: key, transport: curl),
                                          clock: clock).sync(plain)
                    // Several types' listings were on the wire together (with the window off, none: checked).
                    // Which ones depends on the machine's load (a pass busy recording holds its listing back).
                    #expect(overlap.overlapped.count >= 4, "\(overlap.overlapped.sorted())")
                    for (name, a, b) in [("log", windowStore.log, plainStore.log), ("state", windowStore.state, plainStore.state),
                                         ("by_entity", windowStore.byEntity, plainStore.byEntity)] {
                        let x = try ConcurrentHistorySyncTests.entries(windowStore, a)
                        let y = try ConcurrentHistorySyncTests.entries(plainStore, b)
                        #expect(x == y, "\(name) differs")
                    }
                }
            }
        }
    }
}
