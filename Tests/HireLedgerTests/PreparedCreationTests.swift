import AshbyAPI
import AshbySimulator
import CurlHTTP
@testable import HireLedger
import HireLedgerCore
import Testing

/// New records classified ahead of their write transaction (`PreparedCreation`, `CreationPreparer`): the
/// writer takes their events only while they still hold, and a sync records the same bytes either way.
struct PreparedCreationTests {
    static let t0 = Timestamp(iso8601: "2026-03-05T09:00:00Z")!
    static let jobKey = EntityKey(.job, "job-1")

    static func job(title: String) -> NormalizedRecord {
        NormalizedRecord(["id": "job-1", "title": .string(title), "departmentId": "dep-1", "updatedAt": "2026-03-01T08:00:00.000Z"])
    }

    static func application(_ id: String, updatedAt: String? = "2026-03-02T09:00:00.000Z", status: String = "Active") -> NormalizedRecord {
        var o: JSONObject = ["id": .string(id), "status": .string(status), "job": ["id": "job-1"], "candidate": ["id": "c-1"],
                             "currentInterviewStage": ["id": "stage-a"]]
        if let updatedAt { o["updatedAt"] = .string(updatedAt) }
        return NormalizedRecord(.object(o))
    }

    /// `prepared` with its first domain event's data replaced by a marker no classification makes, so a
    /// log holding the marker shows the writer took the prepared events as they were.
    static func marked(_ prepared: PreparedCreation) -> PreparedCreation {
        var p = prepared
        let marker: JSONValue = ["marker": true]
        p.events[0].data = marker
        p.data[0] = marker.canonicalBytes()
        return p
    }

    static func domainData(_ store: LedgerStore, _ key: EntityKey) throws -> [JSONValue] {
        try store.events(for: key).filter { if case .record = $0.type { false } else { true } }.map(\.data)
    }

    @Test func theWriterTakesPreparedEventsOnlyWhileTheirLookupsHold() async throws {
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path, now: Self.t0)
            try store.record([.seen(Self.jobKey, Self.job(title: "Engineer"))], observedAt: Self.t0)
            let preparer = CreationPreparer(store: store)
            let keys = (1...4).map { EntityKey(.application, "app-\($0)") }
            let prepared = try preparer.prepare(keys.map { ($0, Self.application($0.id)) })
            #expect(prepared.count == 4)
            let first = try #require(prepared[keys[0]])
            #expect(first.recordHash == Self.application("app-1").hash)
            #expect(first.events.allSatisfy { $0.observedAt == PreparedCreation.unsetObservedAt && $0.causationIndex == nil })
            // The events' data is kept as bytes only.
            #expect(!first.events.isEmpty && first.events.allSatisfy { $0.data == .null })
            #expect(try first.data.map { try JSONValue.parse($0).string("applicationId") } == first.events.map { _ in "app-1" })
            // The job was found (with its hash), the stage was not.
            let jobHash = try #require(try store.stateRow(Self.jobKey)).hash
            #expect(first.lookups.contains { $0.key == Self.jobKey && $0.hash == jobHash })
            #expect(first.lookups.contains { $0.key == EntityKey(.interviewStage, "stage-a") && $0.hash == nil })

            // Holding: taken as prepared (the marker is in the log), at the transaction's observedAt.
            let t1 = Timestamp(iso8601: "2026-03-05T10:00:00Z")!
            try store.record([.seen(keys[0], Self.application("app-1"))], observedAt: t1, prepared: [keys[0]: Self.marked(first)])
            let events1 = try store.events(for: keys[0])
            #expect(events1.count == first.events.count + 1)
            #expect(events1.dropFirst().first?.data == ["marker": true])
            #expect(events1.allSatisfy { $0.observedAt == t1 })
            #expect(events1.dropFirst().allSatisfy { $0.causation == events1[0].seq })
            #expect(store.preparedCreations.withLock { $0 }.used == 1)

            // Another version of the record than the one prepared: classified again.
            try store.record([.seen(keys[1], Self.application("app-2", status: "Archived"))], observedAt: t1,
                             prepared: [keys[1]: Self.marked(prepared[keys[1]]!)])
            #expect(try !Self.domainData(store, keys[1]).contains(["marker": true]))
            #expect(store.preparedCreations.withLock { $0 }.reclassified == 1)

            // A history fetched for it: classified again (the classification reads it).
            let history: [JSONValue] = [["id": "h-1", "stageId": "stage-a", "title": "Screen", "enteredStageAt": "2026-03-02T09:00:00.000Z"]]
            try store.record([.seen(keys[2], Self.application("app-3"))], observedAt: t1, histories: ["app-3": history],
                             prepared: [keys[2]: Self.marked(prepared[keys[2]]!)])
            #expect(try !Self.domainData(store, keys[2]).contains(["marker": true]))
            #expect(store.preparedCreations.withLock { $0 }.reclassified == 2)

            // The job changed since it was looked up: classified again, with the job's new title.
            try store.record([.seen(Self.jobKey, Self.job(title: "Staff Engineer"))], observedAt: t1)
            try store.record([.seen(keys[3], Self.application("app-4"))], observedAt: t1, prepared: [keys[3]: Self.marked(prepared[keys[3]]!)])
            let data4 = try Self.domainData(store, keys[3])
            #expect(!data4.contains(["marker": true]))
            #expect(data4.contains { $0["job"]?.string("title") == "Staff Engineer" })
            #expect(store.preparedCreations.withLock { $0 } == (used: 1, reclassified: 3))
        }
    }

    @Test func aChangeEarlierInTheSameBatchToALookedUpRecordIsSeen() async throws {
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path, now: Self.t0)
            try store.record([.seen(Self.jobKey, Self.job(title: "Engineer"))], observedAt: Self.t0)
            let key = EntityKey(.application, "app-1")
            let prepared = try CreationPreparer(store: store).prepare([(key, Self.application("app-1"))])
            // The job's change comes first in the batch: the application must see its new title.
            try store.record([.seen(Self.jobKey, Self.job(title: "Principal Engineer")), .seen(key, Self.application("app-1"))],
                             observedAt: Self.t0, prepared: [key: Self.marked(prepared[key]!)])
            let data = try Self.domainData(store, key)
            #expect(!data.contains(["marker": true]))
            #expect(data.contains { $0["job"]?.string("title") == "Principal Engineer" })
        }
    }

    @Test func whatIsLeftToTheWriterAndWhatIsNotClassified() async throws {
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path, now: Self.t0)
            let key = EntityKey(.application, "app-1")
            // No updatedAt and no history: the stage move's time would be the transaction's observedAt.
            let prepared = try CreationPreparer(store: store).prepare([(key, Self.application("app-1", updatedAt: nil))])
            #expect(prepared[key] == nil)
            // A kind without creation events is not classified, nor given a tree: only its updatedAt is read,
            // for its record event.
            let user = EntityKey(.user, "u-1")
            let text = #"{"id":"u-1","firstName":"Ann","updatedAt":"2026-01-02T03:04:05.000Z"}"#
            let record = try #require(Array(text.utf8).withUnsafeBytes { RecordNormalizer.standard.normalize(bytes: $0, kind: .user) })
            let users = try CreationPreparer(store: store).prepare([(user, record)])
            #expect(users[user]?.events.isEmpty == true)
            #expect(users[user]?.recordUpdatedAt == Timestamp(iso8601: "2026-01-02T03:04:05.000Z"))
            #expect(!record.hasTree)
        }
    }

    /// A sync classifying its new records ahead records the same log, state and index bytes as one that
    /// classifies everything on the writer thread, over a first sync and days of changes in a world with
    /// every real-account behaviour; and most creations of the first sync came prepared.
    @Test func aSyncRecordsTheSameBytesWithOrWithoutClassifyingAhead() async throws {
        var configuration = SimulatorConfiguration(seed: 31, size: .small)
        configuration.behaviours = .all
        let sim = SimulatedAshby(configuration: configuration)
        try await withSimulatorServer(sim) { url in
            try await withTemporaryDirectory { writerPath in
                try await withTemporaryDirectory { aheadPath in
                    let transport = try CurlTransport()
                    let key = try APIKey(sim.fullAccessKey)
                    func service(_ path: String) throws -> (LedgerStore, SyncService) {
                        let store = try openTestStore(path, now: sim.now)
                        let client = AshbyClient(baseURL: url, apiKey: key, transport: transport)
                        return (store, SyncService(store: store, client: client, clock: ClosureLedgerClock { sim.now }))
                    }
                    let (writerStore, writer) = try service(writerPath)
                    let (aheadStore, ahead) = try service(aheadPath)
                    var writerOptions = SyncOptions(deletionCheckMaxRecords: 20_000)
                    writerOptions.classifyNewRecordsAhead = false
                    var aheadOptions = writerOptions
                    aheadOptions.classifyNewRecordsAhead = true
                    // Small transactions: pages of one type are prepared while earlier ones are in flight.
                    aheadOptions.transactionBytes = 64 << 10
                    writerOptions.transactionBytes = 64 << 10
                    try await writer.sync(writerOptions)
                    try await ahead.sync(aheadOptions)
                    let firstSync = aheadStore.preparedCreations.withLock { $0 }
                    let created = try aheadStore.events(types: EventTypeFilter(["record.*.created"])).count
                    // All but applications whose history is fetched and records without updatedAt come prepared;
                    // records looked up before the transaction writing them committed are classified again.
                    #expect(firstSync.used > created / 2, "\(firstSync.used) of \(created) creations came prepared")
                    #expect(firstSync.reclassified < firstSync.used / 10)
                    for days in [1, 3, 2] {
                        sim.advance(days: days)
                        try await writer.sync(writerOptions)
                        try await ahead.sync(aheadOptions)
                    }
                    #expect(writerStore.preparedCreations.withLock { $0 } == (used: 0, reclassified: 0))
                    for (name, db) in [("log", writerStore.log), ("state", writerStore.state), ("by_entity", writerStore.byEntity)] {
                        let a = try ConcurrentHistorySyncTests.entries(writerStore, db)
                        let b = try ConcurrentHistorySyncTests.entries(aheadStore, [
                            "log": aheadStore.log, "state": aheadStore.state, "by_entity": aheadStore.byEntity][name]!)
                        #expect(a.count == b.count, "\(name)")
                        #expect(a == b, "\(name): first difference at entry \(Array(zip(a, b)).firstIndex { $0.0 != $0.1 } ?? -1)")
                    }
                }
            }
        }
    }
}
