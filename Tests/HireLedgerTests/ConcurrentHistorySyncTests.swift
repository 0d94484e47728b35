import AshbyAPI
import AshbySimulator
import CurlHTTP
import Foundation
@testable import HireLedger
import HireLedgerCore
import LMDB
import Synchronization
import Testing

/// Application histories fetched concurrently (`SyncOptions.maxConcurrentRequests`) are recorded exactly
/// as one request at a time records them, and the histories a change cannot use are not fetched.
struct ConcurrentHistorySyncTests {
    /// Every entry of `db`, key and value bytes, in key order.
    /// The entries of `db` as key ‖ FF FE ‖ value; for the log and the state, the value decoded and
    /// written plain (format 4 compresses with dictionaries trained from whichever values a store's
    /// transactions met first, so equal contents need not be equal bytes).
    static func entries(_ store: LedgerStore, _ db: Database) throws -> [[UInt8]] {
        if db.name == "log" {
            return try store.events().map { $0.seq.value.bigEndianBytes + [0xFF, 0xFE] + $0.storageBytes() }
        }
        if db.name == "state" {
            var out: [[UInt8]] = []
            for kind in EntityKind.allCases {
                for key in try store.keys(of: kind, after: nil, limit: .max, includeDeleted: true) {
                    var row = try #require(try store.stateRow(key))
                    row.recordSeq = nil
                    out.append(key.storageBytes + [0xFF, 0xFE] + row.storageBytes())
                }
            }
            return out.sorted { $0.lexicographicallyPrecedes($1) }
        }
        return try store.environment.read { txn in
            var out: [[UInt8]] = []
            try txn.scan(db) { key, value in out.append(Array(key) + [0xFF, 0xFE] + Array(value)) }
            return out
        }
    }

    /// Sums what the pages report.
    final class HistoryCounts: Sendable {
        private let counts = Mutex((fetched: 0, skipped: 0))
        func add(_ p: SyncProgress) {
            if case .page(let page) = p { counts.withLock { $0.fetched += page.historiesFetched; $0.skipped += page.historiesSkipped } }
        }
        var fetched: Int { counts.withLock { $0.fetched } }
        var skipped: Int { counts.withLock { $0.skipped } }
    }

    @Test func historiesFetchedEightAtATimeRecordTheSameBytesAsOneAtATime() async throws {
        var configuration = SimulatorConfiguration(seed: 23, size: .small)
        configuration.behaviours = .all  // out-and-back moves too: only the history shows them
        let sim = SimulatedAshby(configuration: configuration)
        try await withSimulatorServer(sim) { url in
            try await withTemporaryDirectory { sequentialPath in
                try await withTemporaryDirectory { concurrentPath in
                    let transport = try CurlTransport(configuration: CurlTransport.Configuration(maximumConnectionsPerHost: 16))
                    let key = try APIKey(sim.fullAccessKey)
                    let one = RequestBudget(maxConcurrentRequests: 1), eight = RequestBudget(maxConcurrentRequests: 8)
                    let oneCounts = HistoryCounts(), eightCounts = HistoryCounts()
                    func service(_ path: String, _ budget: RequestBudget, _ counts: HistoryCounts) throws -> (LedgerStore, SyncService) {
                        let store = try openTestStore(path, now: sim.now)
                        let client = AshbyClient(baseURL: url, apiKey: key, transport: transport).withRequestBudget(budget)
                        return (store, SyncService(store: store, client: client, clock: ClosureLedgerClock { sim.now },
                                                   observer: { counts.add($0) }))
                    }
                    let (sequentialStore, sequential) = try service(sequentialPath, one, oneCounts)
                    let (concurrentStore, concurrent) = try service(concurrentPath, eight, eightCounts)
                    // As the CLI: small types (applications too, in this world) get a full pass on every sync.
                    let options = SyncOptions(deletionCheckMaxRecords: 20_000)
                    try await sequential.sync(options)
                    try await concurrent.sync(options)
                    let baseline = try sequentialStore.lastPosition
                    // Replies take 1 to 9 ms, drawn per reply, so concurrent replies come back out of order.
                    sim.latency = SimulatorLatency(millis: 1, jitterMillis: 8)
                    for days in [1, 2, 1] {
                        sim.advance(days: days)
                        try await sequential.sync(options)
                        try await concurrent.sync(options)
                    }
                    #expect(try sequentialStore.lastPosition > baseline)
                    #expect(oneCounts.fetched >= 20, "the days should move applications")
                    #expect(oneCounts.fetched == eightCounts.fetched)
                    #expect(oneCounts.skipped == eightCounts.skipped)
                    #expect(one.peakInFlight == 1)
                    #expect(eight.peakInFlight > 1, "histories should have been fetched concurrently")
                    for (name, db) in [("log", sequentialStore.log), ("state", sequentialStore.state),
                                       ("by_entity", sequentialStore.byEntity)] {
                        let a = try Self.entries(sequentialStore, db)
                        let b = try Self.entries(concurrentStore, [
                            "log": concurrentStore.log, "state": concurrentStore.state,
                            "by_entity": concurrentStore.byEntity][name]!)
                        #expect(a.count == b.count, "\(name)")
                        #expect(a == b, "\(name): first difference at entry \(Array(zip(a, b)).firstIndex { $0.0 != $0.1 } ?? -1)")
                    }
                }
            }
        }
    }

    /// An Ashby stand-in for `application.list` (the body the test sets) and `application.listHistory`
    /// (one entry per application), noting which applications' histories were asked for.
    final class ApplicationsTransport: HTTPTransport {
        private let state = Mutex((list: [UInt8](), asked: [String]()))
        func answer(_ records: [JSONValue]) {
            let body: JSONValue = ["success": true, "results": .array(records), "moreDataAvailable": false, "syncToken": "tok"]
            state.withLock { $0.list = body.canonicalBytes() }
        }
        var asked: [String] { state.withLock { $0.asked } }

        func send(_ request: HTTPRequest) async throws -> HTTPResponse {
            if request.url.hasSuffix("/application.list") {
                return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: state.withLock { $0.list })
            }
            guard request.url.hasSuffix("/application.listHistory"), let id = try JSONValue.parse(request.body).string("applicationId") else {
                return HTTPResponse(status: 200, body: Array(#"{"success":false,"errors":["unknown_endpoint"]}"#.utf8))
            }
            state.withLock { $0.asked.append(id) }
            let entry: JSONValue = ["id": .string("h-\(id)"), "stageId": "stage-a", "title": "Screen", "enteredStageAt": "2026-02-20T09:00:00.000Z"]
            let body: JSONValue = ["success": true, "results": [entry], "moreDataAvailable": false]
            return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: body.canonicalBytes())
        }
    }

    @Test func aFullPassAsksForNoHistoryOfAnApplicationThatCannotHaveMoved() async throws {
        try await withTemporaryDirectory { path in
            let now = Timestamp(iso8601: "2026-03-05T09:00:00Z")!
            let store = try openTestStore(path, now: now)
            let transport = ApplicationsTransport()
            let client = AshbyClient(baseURL: "http://scripted.invalid", apiKey: try APIKey("hlk_test_0123456789abcdef"),
                                     transport: transport, retryPolicy: RetryPolicy.ashbyClient(maxAttempts: 1, seed: 7),
                                     clock: ManualAshbyClock())
            let counts = HistoryCounts()
            let service = SyncService(store: store, client: client, clock: ClosureLedgerClock { now }, observer: { counts.add($0) })
            func app(_ id: String, updatedAt: String, name: String) -> JSONValue {
                var a = Self.application(stage: Self.stageA, updatedAt: updatedAt, name: name)
                // The source reference follows `name`: a change the application owns (a change inside the
                // embedded candidate summary alone is the candidate's, and changes nothing here).
                if case .object(var o) = a { o["id"] = .string(id); o["source"] = ["id": .string("src-\(name)")]; a = .object(o) }
                return a
            }
            let t1 = "2026-03-01T09:00:00.000Z", t2 = "2026-03-02T10:00:00.000Z"
            transport.answer([app("app-1", updatedAt: t1, name: "Ann"), app("app-2", updatedAt: t1, name: "Bob")])
            try await service.sync(.applications, options: SyncOptions(forceFull: true))
            #expect(transport.asked == [], "the first pass leaves histories to the backfill")

            // app-1: only its source changed (same stage, same updatedAt); app-2: touched
            // (updatedAt moved on, an out-and-back move may hide behind it); app-3: new.
            transport.answer([app("app-1", updatedAt: t1, name: "Ann B"), app("app-2", updatedAt: t2, name: "Bob"),
                              app("app-3", updatedAt: t2, name: "Cy")])
            let run = try await service.sync(.applications, options: SyncOptions(forceFull: true))
            #expect(transport.asked.sorted() == ["app-2", "app-3"])
            #expect(counts.skipped == 1 && counts.fetched == 2)
            #expect(run.events >= 3, "app-1's and app-2's updates and app-3's creation are recorded")
        }
    }

    static let stageA: JSONValue = ["id": "stage-a", "title": "Screen"]
    static let stageB: JSONValue = ["id": "stage-b", "title": "Onsite"]

    static func application(stage: JSONValue?, updatedAt: String, name: String = "Ann", history: Bool = false) -> JSONValue {
        var o: JSONObject = ["id": "app-1", "updatedAt": .string(updatedAt), "candidate": ["id": "c-1", "name": .string(name)]]
        if let stage { o["currentInterviewStage"] = stage }
        if history { o["applicationHistory"] = [["id": "h-1", "stageId": "stage-a", "enteredStageAt": "2026-03-01T09:00:00.000Z"]] }
        return .object(o)
    }

    @Test func theHistoryIsFetchedOnlyWhenItCanChangeWhatIsRecorded() {
        let t1 = "2026-03-01T09:00:00.000Z", t2 = "2026-03-02T10:00:00.000Z"
        let before = Self.application(stage: Self.stageA, updatedAt: t1)
        // New: the real time of the first stay and its history entry.
        #expect(SyncService.historyCanAddMoves(previous: nil, current: before))
        // Moved: real times and the moves in between.
        #expect(SyncService.historyCanAddMoves(previous: before, current: Self.application(stage: Self.stageB, updatedAt: t2)))
        // Same stage, updatedAt moved on: an out-and-back move may be behind it.
        #expect(SyncService.historyCanAddMoves(previous: before, current: Self.application(stage: Self.stageA, updatedAt: t2)))
        // Same stage, same updatedAt (only an embedded summary changed): no move can have happened.
        #expect(!SyncService.historyCanAddMoves(previous: before, current: Self.application(stage: Self.stageA, updatedAt: t1, name: "Ann B")))
        // No stage to place, or a record that carries its own history.
        #expect(!SyncService.historyCanAddMoves(previous: before, current: Self.application(stage: nil, updatedAt: t2)))
        #expect(!SyncService.historyCanAddMoves(previous: nil, current: Self.application(stage: Self.stageB, updatedAt: t2, history: true)))
        // Without updatedAt on either side nothing can be ruled out.
        #expect(SyncService.historyCanAddMoves(previous: ["id": "app-1", "currentInterviewStage": Self.stageA],
                                               current: Self.application(stage: Self.stageA, updatedAt: t1)))
    }

    /// The rule's premise, checked on the classifier: for a same-stage change with `updatedAt` unchanged,
    /// the events are the same whether the history (here, one showing no move since) is given or not.
    @Test func aSkippedHistoryWouldNotHaveChangedTheEvents() throws {
        let t1 = "2026-03-01T09:00:00.000Z"
        let before = Self.application(stage: Self.stageA, updatedAt: t1)
        let after = Self.application(stage: Self.stageA, updatedAt: t1, name: "Ann B")
        let history: [JSONValue] = [["id": "h-1", "stageId": "stage-a", "title": "Screen", "enteredStageAt": "2026-02-20T09:00:00.000Z"]]
        func events(_ histories: [String: [JSONValue]]) -> [String] {
            var batch = EventBatch(classifier: EventClassifier())
            _ = batch.append(.updated(before: before, after: after), of: EntityKey(.application, "app-1"),
                             observedAt: Timestamp(iso8601: "2026-03-03T00:00:00Z")!, context: InMemoryClassificationContext(histories: histories))
            return batch.events.map { "\($0.type) \(String(decoding: $0.data.canonicalBytes(), as: UTF8.self))" }
        }
        #expect(events([:]) == events(["app-1": history]))
        #expect(!events([:]).isEmpty, "the record event itself is recorded")
    }
}
