import Foundation
import HireLedger
import HireLedgerCore
import LMDB
import Testing

struct LedgerStoreTests {
    let job = json(#"{"id":"j1","title":"Engineer","status":"Open","openedAt":"2026-01-05T10:00:00Z","updatedAt":"2026-01-05T10:00:00Z"}"#)

    @Test func aNewStoreIsOwnerOnlyAndEmpty() async throws {
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path)
            #expect(try posixPermissions(path) == 0o700)
            #expect(try posixPermissions(path + "/data.mdb") == 0o600)
            #expect(try store.lastPosition == .none)
            #expect(try store.lastObservedAt == nil)
            #expect(store.storeId.count == 32)
            #expect(try store.events().isEmpty)
        }
    }

    @Test func recordingAssignsConsecutivePositionsAndWritesStateAndIndexes() async throws {
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path)
            let r1 = try store.record([seen(.job, job)], observedAt: t0)
            // record.job.created + job.opened.
            #expect(r1.positions == LogPosition(1)...LogPosition(2))
            #expect(r1.recordChanges == 1)
            var closed = job
            closed = json(#"{"id":"j1","title":"Engineer","status":"Closed","openedAt":"2026-01-05T10:00:00Z","closedAt":"2026-02-01T10:00:00Z","updatedAt":"2026-02-01T10:00:00Z"}"#)
            let r2 = try store.record([seen(.job, closed)], observedAt: t0.adding(days: 1))
            #expect(r2.positions == LogPosition(3)...LogPosition(4))

            let events = try store.events()
            #expect(events.map(\.seq.value) == [1, 2, 3, 4])
            #expect(events.map(\.type.wireName) == ["record.job.created", "job.opened", "record.job.updated", "job.closed"])
            #expect(events[1].causation == LogPosition(1))
            #expect(events[3].occurredAt == Timestamp(iso8601: "2026-02-01T10:00:00Z"))

            let key = EntityKey(.job, "j1")
            let row = try #require(try store.stateRow(key))
            #expect(row.lastSeq == LogPosition(3))
            #expect(row.deleted == false)
            #expect(row.hash == closed.contentHash)
            #expect(try store.currentRecord(key) == closed)
            #expect(try store.events(for: key).map(\.seq.value) == [1, 2, 3, 4])
            #expect(try store.events(for: EntityKey(.job, "j")).isEmpty)
            #expect(try store.events(after: LogPosition(2), limit: 1).map(\.seq.value) == [3])
            #expect(try store.events(types: EventTypeFilter(["job.*"])).map(\.seq.value) == [2, 4])
            #expect(try store.events(after: LogPosition(1), types: EventTypeFilter(["record.*"]), entity: key).map(\.seq.value) == [3])
            // job.opened and the created record event occurred on 2026-01-05.
            let jan = Timestamp(iso8601: "2026-01-01T00:00:00Z")!...Timestamp(iso8601: "2026-01-31T00:00:00Z")!
            #expect(try store.events().filter { jan.contains($0.occurredAt) }.map(\.seq) == [LogPosition(1), LogPosition(2)])
        }
    }

    @Test func anUnchangedRecordAppendsNothing() async throws {
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path)
            try store.record([seen(.job, job)], observedAt: t0)
            let again = try store.record([seen(.job, job)], observedAt: t0.adding(days: 1))
            #expect(again == .empty)
            #expect(try store.lastPosition == LogPosition(2))
            #expect(try store.compare([(EntityKey(.job, "j1"), RecordNormalizer.standard.normalize(job, kind: .job).hash)]) == [.unchanged])
        }
    }

    @Test func aChangeOfADeclaredVolatileFieldIsNoChange() async throws {
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path)
            let v1 = json(#"{"id":"c1","name":"Ada","resumeFileHandle":{"id":"f1","name":"cv.pdf","handle":"signed-1"}}"#)
            let v2 = json(#"{"id":"c1","name":"Ada","resumeFileHandle":{"id":"f1","name":"cv.pdf","handle":"signed-2"}}"#)
            try store.record([seen(.candidate, v1)], observedAt: t0)
            #expect(try store.record([seen(.candidate, v2)], observedAt: t0.adding(days: 1)) == .empty)
            // The stored record leaves the volatile field out.
            #expect(try store.currentRecord(EntityKey(.candidate, "c1"))?["resumeFileHandle"]?["handle"] == nil)
        }
    }

    @Test func observedAtNeverDecreasesAlongTheLog() async throws {
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path)
            try store.record([seen(.job, job)], observedAt: t0)
            let earlier = json(#"{"id":"j2","title":"Designer","status":"Draft"}"#)
            let r = try store.record([seen(.job, earlier)], observedAt: t0.adding(days: -3))
            #expect(r.observedAt == t0)
            #expect(try store.events().map(\.observedAt).allSatisfy { $0 == t0 })
        }
    }

    @Test func tombstonesAndRestoresFollowTheStateRow() async throws {
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path)
            let candidate = json(#"{"id":"c1","name":"Ada","applicationIds":["a1"]}"#)
            let key = EntityKey(.candidate, "c1")
            try store.record([seen(.candidate, candidate)], observedAt: t0)
            try store.record([.absent(key, .absentFromFullSync)], observedAt: t0.adding(days: 1))
            #expect(try store.currentRecord(key) == nil)
            #expect(try store.stateRow(key)?.deleted == true)
            #expect(try store.liveKeys(of: .candidate).isEmpty)
            // A second absence of a tombstoned record records nothing.
            #expect(try store.record([.absent(key, .absentFromFullSync)], observedAt: t0.adding(days: 2)) == .empty)
            try store.record([seen(.candidate, candidate)], observedAt: t0.adding(days: 3))
            let types = try store.events(for: key).map(\.type.wireName)
            #expect(types == ["record.candidate.created", "record.candidate.deleted", "candidate.deleted", "record.candidate.restored"])
            let tombstone = try store.events(for: key)[1]
            #expect(tombstone.data["reason"]?.stringValue == "absent_from_full_sync")
            #expect(try store.liveKeys(of: .candidate) == [key])
        }
    }

    @Test func theClassifierSeesEarlierChangesOfTheSameBatch() async throws {
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path)
            let stage = json(#"{"id":"s1","title":"Offer","type":"Offer","orderInInterviewPlan":3}"#)
            let app = json(#"{"id":"a1","status":"Active","candidate":{"id":"c1"},"job":{"id":"j1"},"currentInterviewStage":{"id":"s1"},"updatedAt":"2026-01-06T10:00:00Z"}"#)
            try store.record([seen(.job, job), seen(.interviewStage, stage), seen(.application, app)], observedAt: t0)
            let moved = try #require(try store.events(types: EventTypeFilter(["application.stage_changed"])).first)
            #expect(moved.data["job"]?["title"]?.stringValue == "Engineer")
            #expect(moved.data["toStage"]?["title"]?.stringValue == "Offer")
            // In a later batch the same lookups are answered from the store.
            let app2 = json(#"{"id":"a2","status":"Active","candidate":{"id":"c2"},"job":{"id":"j1"},"currentInterviewStage":{"id":"s1"}}"#)
            try store.record([seen(.application, app2)], observedAt: t0)
            let second = try store.events(types: EventTypeFilter(["application.stage_changed"]), entity: EntityKey(.application, "a2"))
            #expect(second.first?.data["job"]?["title"]?.stringValue == "Engineer")
            #expect(second.first?.data["toStage"]?["type"]?.stringValue == "Offer")
        }
    }

    @Test func checkpointsAreWrittenWithTheEventsAndRemovable() async throws {
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path)
            let run = SyncRun(entityType: "jobs", mode: .full, startedAt: t0, finishedAt: t0.adding(milliseconds: 500),
                              pages: 1, records: 1, events: 2)
            try store.record([seen(.job, job)], observedAt: t0,
                             checkpoints: [.syncToken("tok-1", endpoint: "job.list"), run.checkpointWrite])
            #expect(try store.syncToken(endpoint: "job.list") == "tok-1")
            #expect(try store.lastSyncRun(entityType: "jobs") == run)
            try store.setCheckpoints([.syncToken(nil, endpoint: "job.list")])
            #expect(try store.syncToken(endpoint: "job.list") == nil)
            let status = try store.status()
            #expect(status.lastSyncs["jobs"] == run)
            #expect(status.eventCount == 2)
            #expect(status.records[.job]?.live == 1)
        }
    }

    @Test func reopeningKeepsEverything() async throws {
        try await withTemporaryDirectory { path in
            let id: String
            do {
                let store = try openTestStore(path)
                id = store.storeId
                try store.record([seen(.job, job)], observedAt: t0, checkpoints: [.syncToken("tok", endpoint: "job.list")])
            }
            let again = try openTestStore(path, now: t0.adding(days: 30))
            #expect(again.storeId == id)
            #expect(again.createdAt == Timestamp(millisecondsSinceEpoch: 1_780_000_000_000))
            #expect(try again.lastPosition == LogPosition(2))
            #expect(try again.events().first?.id == "\(id):1")
            #expect(try again.syncToken(endpoint: "job.list") == "tok")
            #expect(try again.currentRecord(EntityKey(.job, "j1")) == job)
        }
    }

    @Test func anotherFormatVersionIsRefusedWithAClearMessage() async throws {
        try await withTemporaryDirectory { path in
            do {
                let env = try Environment.open(directory: path, options: testStoreOptions)
                let meta = try env.openDatabase(name: "meta")
                try env.write { txn in try txn.put(meta, "format_version", UInt64(99)) }
            }
            #expect {
                _ = try openTestStore(path)
            } throws: { error in
                guard case LedgerStoreError.formatVersionMismatch(_, let found, let supported) = error else { return false }
                let text = "\(error)"
                return found == 99 && supported == LedgerStore.formatVersion && text.contains("version 99")
                    && text.contains("Upgrade HireLedger")
            }
        }
    }

    @Test func aFormatOneStoreOpensAndIsMigratedToTheCurrentFormat() async throws {
        try await withTemporaryDirectory { path in
            let id: String
            do {
                let store = try openTestStore(path)
                id = store.storeId
            }
            do {
                let env = try Environment.open(directory: path, options: testStoreOptions)
                let meta = try env.openDatabase(name: "meta")
                try env.write { txn in try txn.put(meta, "format_version", UInt64(1)) }
            }
            do {
                let reopened = try openTestStore(path)
                #expect(reopened.storeId == id)
            }
            let env = try Environment.open(directory: path, options: testStoreOptions)
            let meta = try env.openDatabase(name: "meta")
            let version = try env.read { txn in try txn.get(meta, "format_version").flatMap { UInt64(bigEndianBytes: $0) } }
            #expect(version == LedgerStore.formatVersion)
            // Formats 3 to 5 (checksums, compression, compact keys) migrate a format-1 store opened writable.
            #expect(LedgerStore.formatVersion == 5)
        }
    }

    @Test func appendedEventsAreIndexedAndClamped() async throws {
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path)
            try store.record([seen(.job, job)], observedAt: t0)
            let key = EntityKey(.application, "a9")
            let e = PendingEvent(type: .domain(.applicationStageChanged), subject: key, observedAt: t0.adding(days: -1),
                                 occurredAt: Timestamp(iso8601: "2025-12-01T00:00:00Z")!, occurredAtInferred: false,
                                 backfilled: true, data: ["applicationId": "a9"])
            let r = try store.append([e])
            #expect(r.positions == LogPosition(3)...LogPosition(3))
            let stored = try #require(try store.event(at: LogPosition(3)))
            #expect(stored.observedAt == t0)
            #expect(stored.backfilled)
            #expect(try store.events(for: key).map(\.seq) == [LogPosition(3)])
            #expect(stored.occurredAt == Timestamp(iso8601: "2025-12-01T00:00:00Z"))
        }
    }

    @Test func writesFromManyTasksRunOneAtATimeOnTheWriterThread() async throws {
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path)
            // The thread is identified by pthread_self (Foundation's Thread.current.name proved unreliable
            // on Linux under load).
            let results = try await withThrowingTaskGroup(of: (AppendResult, UInt).self) { group in
                for i in 0..<20 {
                    group.addTask {
                        try await store.onWriterThread {
                            let record = json(#"{"id":"u\#(i)","name":"User \#(i)"}"#)
                            return (try store.record([seen(.user, record)], observedAt: t0), UInt(pthread_self()))
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(results.map(\.1)).count == 1, "writes ran on \(Set(results.map(\.1)).count) threads")
            let positions = results.compactMap { $0.0.positions?.lowerBound.value }.sorted()
            #expect(positions == Array(1...20))
            #expect(try store.liveKeys(of: .user).count == 20)
        }
    }

    @Test func aCopyOpensWithTheSameContent() async throws {
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path)
            try store.record([seen(.job, job)], observedAt: t0)
            let target = path + "-copy"
            defer { try? FileManager.default.removeItem(atPath: target) }
            try store.copy(to: target)
            let copy = try openTestStore(target)
            #expect(copy.storeId == store.storeId)
            #expect(try copy.events() == store.events())
        }
    }
}
