import AshbyAPI
import CurlHTTP
import Foundation
@testable import HireLedger
import HireLedgerCore
import Synchronization
import Testing

/// Application histories are fetched while the listing goes on, and a transaction waits for its pages'
/// histories: a failed one fails the sync, naming the application and its page, without recording that
/// transaction's pages, and the next sync records them.
struct HistoryPipelineTests {
    /// An Ashby stand-in for `application.list` in pages of two and `application.listHistory`. It can
    /// fail one application's history (HTTP 500), and hold every history reply until the listing's last
    /// page has been asked for (or 5 s have passed), noting which came first.
    final class PagedApplications: HTTPTransport {
        struct State {
            var applications: [JSONValue] = []
            var failing: String?
            var holdHistories = false
            /// Every history reply waits until its request is cancelled (at most 10 s, so a sync that does
            /// not cancel it fails the test instead of hanging it).
            var holdUntilCancelled = false
            var lastPageAsked = false
            var historyAnsweredBeforeLastPage = false
            var asked: [String] = []
        }
        let state = Mutex(State())

        func send(_ request: HTTPRequest) async throws -> HTTPResponse {
            let body = try JSONValue.parse(request.body)
            if request.url.hasSuffix("/application.list") {
                let all = state.withLock { $0.applications }
                let start = body.string("cursor").flatMap { Int($0) } ?? 0
                let end = min(start + 2, all.count)
                let more = end < all.count
                if !more { state.withLock { $0.lastPageAsked = true } }
                var page: JSONObject = ["success": true, "results": .array(Array(all[start..<end])), "moreDataAvailable": .bool(more)]
                if more { page["nextCursor"] = .string(String(end)) } else { page["syncToken"] = "tok" }
                return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: JSONValue.object(page).canonicalBytes())
            }
            guard request.url.hasSuffix("/application.listHistory"), let id = body.string("applicationId") else {
                return HTTPResponse(status: 200, body: Array(#"{"success":false,"errors":["unknown_endpoint"]}"#.utf8))
            }
            let (failing, hold) = state.withLock { s in
                s.asked.append(id)
                return (s.failing, s.holdHistories)
            }
            if state.withLock({ $0.holdUntilCancelled }) {
                let until = ContinuousClock.now + .seconds(10)
                while ContinuousClock.now < until { try await Task.sleep(for: .milliseconds(5)) }
            }
            if hold {
                let deadline = ContinuousClock.now + .seconds(5)
                while !state.withLock({ $0.lastPageAsked }), ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
                state.withLock { if !$0.lastPageAsked { $0.historyAnsweredBeforeLastPage = true } }
            }
            if id == failing {
                return HTTPResponse(status: 500, body: Array(#"{"success":false,"errors":["internal_error"]}"#.utf8))
            }
            let stage = state.withLock { $0.applications }.first { $0.string("id") == id }?["currentInterviewStage"]?.string("id") ?? "stage-a"
            let entries: JSONValue = [
                ["id": .string("h-\(id)-a"), "stageId": "stage-a", "title": "Screen", "enteredStageAt": "2026-03-01T09:00:00.000Z"],
                ["id": .string("h-\(id)-b"), "stageId": .string(stage), "title": "Onsite", "enteredStageAt": "2026-03-02T09:00:00.000Z"],
            ]
            let reply: JSONValue = ["success": true, "results": stage == "stage-a" ? [entries.arrayValue![0]] : entries,
                                    "moreDataAvailable": false]
            return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: reply.canonicalBytes())
        }
    }

    static func applications(count: Int, stage: String, updatedAt: String) -> [JSONValue] {
        (1...count).map { i in
            ["id": .string("app-\(i)"), "updatedAt": .string(updatedAt), "status": "Active",
             "candidate": ["id": .string("c-\(i)")], "currentInterviewStage": ["id": .string(stage)]]
        }
    }

    static func service(_ store: LedgerStore, _ transport: PagedApplications, now: Timestamp) throws -> SyncService {
        let client = AshbyClient(baseURL: "http://scripted.invalid", apiKey: try APIKey("hlk_test_0123456789abcdef"),
                                 transport: transport, retryPolicy: RetryPolicy.ashbyClient(maxAttempts: 1, seed: 7),
                                 clock: ManualAshbyClock())
            .withRequestBudget(RequestBudget(maxConcurrentRequests: 4))
        return SyncService(store: store, client: client, clock: ClosureLedgerClock { now })
    }

    /// Stage moves recorded, by application.
    static func moves(_ store: LedgerStore) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for event in try store.events() where event.type == .domain(.applicationStageChanged) { out[event.subject.id, default: 0] += 1 }
        return out
    }

    @Test func theListingGoesOnWhileTheHistoriesOfEarlierPagesAreFetched() async throws {
        try await withTemporaryDirectory { path in
            let now = Timestamp(iso8601: "2026-03-05T09:00:00Z")!
            let store = try openTestStore(path, now: now)
            let transport = PagedApplications()
            let service = try Self.service(store, transport, now: now)
            transport.state.withLock { $0.applications = Self.applications(count: 6, stage: "stage-a", updatedAt: "2026-03-01T09:00:00.000Z") }
            try await service.sync(.applications)
            // Every application moved; three pages of two. Page 1's histories are held until the last
            // page is asked for: a listing that waited for them would only ask for page 3 after 5 s.
            transport.state.withLock { s in
                s.applications = Self.applications(count: 6, stage: "stage-b", updatedAt: "2026-03-02T09:00:00.000Z")
                s.holdHistories = true
                s.lastPageAsked = false
            }
            let run = try await service.sync(.applications)
            let (early, asked) = transport.state.withLock { ($0.historyAnsweredBeforeLastPage, $0.asked) }
            #expect(!early, "a history was answered before the listing's last page was asked for")
            #expect(asked.sorted() == (1...6).map { "app-\($0)" })
            #expect(run.pages == 3)
            #expect(try Self.moves(store) == Dictionary(uniqueKeysWithValues: (1...6).map { ("app-\($0)", 2) }),
                    "the first sync's stay and the move the history shows, for every application")
        }
    }

    @Test func aFailedHistoryFailsTheSyncNamingItsApplicationAndTheNextSyncRecordsThePage() async throws {
        try await withTemporaryDirectory { path in
            try await withTemporaryDirectory { referencePath in
                let now = Timestamp(iso8601: "2026-03-05T09:00:00Z")!
                let store = try openTestStore(path, now: now), reference = try openTestStore(referencePath, now: now)
                let transport = PagedApplications(), referenceTransport = PagedApplications()
                let service = try Self.service(store, transport, now: now)
                let referenceService = try Self.service(reference, referenceTransport, now: now)
                let day0 = Self.applications(count: 6, stage: "stage-a", updatedAt: "2026-03-01T09:00:00.000Z")
                let day1 = Self.applications(count: 6, stage: "stage-b", updatedAt: "2026-03-02T09:00:00.000Z")
                for t in [transport, referenceTransport] { t.state.withLock { $0.applications = day0 } }
                try await service.sync(.applications)
                try await referenceService.sync(.applications)
                for t in [transport, referenceTransport] { t.state.withLock { $0.applications = day1 } }
                transport.state.withLock { $0.failing = "app-3" }
                // One transaction per page, so page 1 is committed before page 2's histories fail.
                var perPage = SyncOptions()
                perPage.transactionBytes = 1
                let error = await #expect(throws: SyncError.self) { try await service.sync(.applications, options: perPage) }
                if let error {
                    guard case .fetchingHistory(let id) = error.step else {
                        Issue.record("failed at \(error.step), not at a history")
                        return
                    }
                    #expect(id == "app-3")
                    #expect(error.page == 2)
                    #expect(error.pagesRecorded == 1)
                    #expect(error.description.contains("app-3"))
                }
                // Page 1 is in; page 2 (app-3, app-4) and what came after it are not.
                #expect(try Self.moves(store) == ["app-1": 2, "app-2": 2, "app-3": 1, "app-4": 1, "app-5": 1, "app-6": 1])

                transport.state.withLock { $0.failing = nil }
                try await service.sync(.applications, options: perPage)
                try await referenceService.sync(.applications, options: perPage)
                #expect(try Self.moves(store) == Dictionary(uniqueKeysWithValues: (1...6).map { ("app-\($0)", 2) }))
                func payloads(_ s: LedgerStore) throws -> [String] {
                    try s.events().map { "\($0.type) \($0.subject.id) \(String(decoding: $0.data.canonicalBytes(), as: UTF8.self))" }
                }
                #expect(try payloads(store) == payloads(reference), "the recovered store holds what a store that never failed holds")
            }
        }
    }
}

/// A cancelled sync stops waiting for the histories its transactions wait for. Its time bound makes it
/// one of the suites `tools/test.sh` runs alone, after the parallel phase: with every cooperative thread
/// busy with other suites, a cancellation's tasks wait their turn for seconds.
struct HistoryCancellationTests {
    @Test func aCancelledSyncStopsWaitingForItsHistoriesAndRecordsNothingOfTheirPages() async throws {
        try await withTemporaryDirectory { path in
            let now = Timestamp(iso8601: "2026-03-05T09:00:00Z")!
            let store = try openTestStore(path, now: now)
            let transport = HistoryPipelineTests.PagedApplications()
            let service = try HistoryPipelineTests.service(store, transport, now: now)
            transport.state.withLock { $0.applications = HistoryPipelineTests.applications(count: 6, stage: "stage-a", updatedAt: "2026-03-01T09:00:00.000Z") }
            try await service.sync(.applications)
            let before = try store.lastPosition
            transport.state.withLock { s in
                s.applications = HistoryPipelineTests.applications(count: 6, stage: "stage-b", updatedAt: "2026-03-02T09:00:00.000Z")
                s.holdUntilCancelled = true
            }
            let sync = Task { try await service.sync(.applications) }
            let deadline = ContinuousClock.now + .seconds(10)
            // Four held histories take the budget's four slots.
            while transport.state.withLock({ $0.asked.count < 4 }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(transport.state.withLock { $0.asked.count } == 4)
            let cancelledAt = ContinuousClock.now
            sync.cancel()
            let result = await sync.result
            #expect(ContinuousClock.now - cancelledAt < .seconds(3), "the sync waited for its held histories after being cancelled")
            #expect(throws: CancellationError.self) { try result.get() }
            #expect(try store.lastPosition == before, "nothing of the pages whose histories never came is recorded")

            transport.state.withLock { $0.holdUntilCancelled = false }
            try await service.sync(.applications)
            #expect(try HistoryPipelineTests.moves(store) == Dictionary(uniqueKeysWithValues: (1...6).map { ("app-\($0)", 2) }))
        }
    }
}
