import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerTestSupport
import LMDB
import Testing

/// `ProjectionService`: folds off the caller's thread, publishes immutable states, writes
/// checkpoints through the store's writer thread.
@Suite(.serialized) struct ProjectionServiceTests {
    static let start = Timestamp(iso8601: "2026-01-05T00:00:00Z")!

    static func service(_ store: LedgerStore, _ options: ProjectionService.Options = ProjectionService.Options()) -> ProjectionService {
        let service = ProjectionService(store: store, options: options)
        service.add(HeadcountProjection.self)
        service.add(PipelineProjection.self)
        service.add(PlanChangesProjection.self)
        return service
    }

    static func storedCheckpoint(_ store: LedgerStore) throws -> ProjectionCheckpoint? {
        try store.projectionValue(ProjectionRunner<PipelineProjection>.checkpointKey).flatMap { bytes in
            bytes.withUnsafeBytes { ProjectionCheckpoint(storageBytes: $0) }
        }
    }

    /// Checkpoints are stored compressed (version 2) and read back equal; a version-1 checkpoint (plain,
    /// as format 4 wrote it) is still loaded; a damaged compressed state is no checkpoint, not a trap.
    @Test func checkpointsAreStoredCompressedAndVersionOneIsStillRead() async throws {
        try await withTemporaryDirectory { path in
            let store = try LedgerStore.open(directory: path, options: Environment.Options(mapSize: 1 << 30, noSync: true), now: Self.start)
            try store.append(SyntheticViewLog.events(applications: 0..<300, start: Self.start))
            let runner = ProjectionRunner<PipelineProjection>(store: store, options: ProjectionRunnerOptions(checkpointAfter: 0))
            try runner.rebuild()
            let stored = try #require(try store.projectionValue(ProjectionRunner<PipelineProjection>.checkpointKey))
            let checkpoint = try #require(try Self.storedCheckpoint(store))
            #expect(stored[0] == 2 && stored[ProjectionCheckpoint.headerSize] == 1)
            #expect(stored.count * 3 < checkpoint.stateBytes.count, "\(stored.count) bytes stored for a \(checkpoint.stateBytes.count)-byte state")
            #expect(checkpoint.stateBytes == runner.encodedState)
            #expect(checkpoint.position == (try store.lastPosition))
            // Version 1 (the state plain after the header) is read by a new runner as before.
            var v1: [UInt8] = [1] + Array(stored[1..<ProjectionCheckpoint.headerSize]) + checkpoint.stateBytes
            let projections = try store.environment.openDatabase(name: "projections", checksummed: true)
            try store.environment.write { txn in try txn.put(projections, ProjectionRunner<PipelineProjection>.checkpointKey, v1) }
            let reloaded = ProjectionRunner<PipelineProjection>(store: store)
            let report = try reloaded.catchUp()
            #expect(report.eventsRead == 0 && !report.rebuiltFromZero, "the version-1 checkpoint was not used: \(report)")
            #expect(reloaded.encodedState == runner.encodedState)
            // A compressed state cut short decodes to nothing.
            v1 = Array(stored.prefix(stored.count - 10))
            #expect(v1.withUnsafeBytes { ProjectionCheckpoint(storageBytes: $0) } == nil)
        }
    }

    @Test func aReadDuringA100kEventCatchUpIsAnsweredFromTheLastPublishedStateWithin50ms() async throws {
        try await withTemporaryDirectory { path in
            let store = try LedgerStore.open(directory: path, options: Environment.Options(mapSize: 1 << 30, noSync: true), now: Self.start)
            try store.append(SyntheticViewLog.events(applications: 0..<200, start: Self.start))
            let service = Self.service(store)
            defer { service.stop() }
            service.start()
            try await service.waitUntilCurrent()
            let before = try #require(service.published(PlanChangesProjection.self))
            let initialLast = try store.lastPosition
            #expect(before.position == initialLast)
            while service.status.folding { try await Task.sleep(for: .milliseconds(1)) }
            let roundsBefore = service.status.rounds

            // About 100k events more, appended in a few transactions, then the service is told.
            let more = SyntheticViewLog.events(applications: 200..<12_700, start: Self.start.adding(days: 30))
            #expect(more.count >= 100_000)
            for chunk in stride(from: 0, to: more.count, by: 25_000) {
                try store.append(Array(more[chunk..<min(chunk + 25_000, more.count)]))
            }
            let last = try store.lastPosition
            service.logAdvanced()
            let waitStart = ContinuousClock.now
            while !service.status.folding {
                try #require(ContinuousClock.now - waitStart < .seconds(10), "the service never started folding")
                try await Task.sleep(for: .milliseconds(1))
            }

            // Plan changes is the last projection of a round: while the round runs, its published
            // state is the previous one, and reading it must not wait for the fold.
            var slowest = Duration.zero
            var positions: Set<UInt64> = []
            for _ in 0..<20 {
                let t = ContinuousClock.now
                let published = try await service.state(PlanChangesProjection.self)
                slowest = max(slowest, ContinuousClock.now - t)
                positions.insert(published.position.value)
            }
            let during = service.status
            #expect(during.folding && during.rounds == roundsBefore, "the reads were made while the catch-up ran")
            #expect(positions == [before.position.value], "every read during the catch-up got the previous state")
            #expect(slowest < .milliseconds(50), "slowest read \(slowest)")

            try await service.waitUntilCurrent(through: last, timeout: .seconds(120))
            let after = try #require(service.published(PlanChangesProjection.self))
            #expect(after.position == last)
            #expect(after.state.changes.count > before.state.changes.count)
            // The state published equals a fold of the whole log.
            let pipeline = try #require(service.published(PipelineProjection.self))
            let all = try store.events()
            #expect(PipelineProjection.encode(pipeline.state) == PipelineProjection.encode(PipelineProjection.fold(all)))
        }
    }

    @Test func theServiceStoresCheckpointsThatACLIReadThenStartsFrom() async throws {
        try await withTemporaryDirectory { path in
            let store = try LedgerStore.open(directory: path, options: Environment.Options(mapSize: 256 << 20, noSync: true), now: Self.start)
            try store.append(SyntheticViewLog.events(applications: 0..<1_000, start: Self.start))
            let service = Self.service(store, ProjectionService.Options(checkpointAfter: 1_000))
            defer { service.stop() }
            service.start()
            try await service.waitUntilCurrent()
            let last = try store.lastPosition
            // The checkpoint write is made after the publication; wait for it to land.
            var stored: ProjectionCheckpoint?
            for _ in 0..<2_000 {
                stored = try Self.storedCheckpoint(store)
                if stored?.position == last { break }
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(stored?.position == last)
            #expect(service.status.lastError == nil)

            // A reader folding in memory (what `hireledger pipeline` does) starts from that checkpoint and writes nothing.
            try store.append(SyntheticViewLog.events(applications: 1_000..<1_010, start: Self.start.adding(days: 10)))
            let runner = ProjectionRunner<PipelineProjection>(store: store, options: .inMemory)
            let report = try runner.catchUp()
            let newLast = try store.lastPosition
            #expect(report.eventsRead == newLast.value - last.value)
            #expect(report.checkpointsWritten == 0)
            let still = try Self.storedCheckpoint(store)
            #expect(still?.position == last)
        }
    }

    @Test func aReadBeforeTheFirstPublicationWaitsForItAndStoppingFailsTheReadersStillWaiting() async throws {
        try await withTemporaryDirectory { path in
            let store = try LedgerStore.open(directory: path, options: Environment.Options(mapSize: 64 << 20, noSync: true), now: Self.start)
            try store.append(SyntheticViewLog.events(applications: 0..<50, start: Self.start))
            let service = Self.service(store)
            service.start()
            let first = try await service.state(HeadcountProjection.self)
            let last = try store.lastPosition
            #expect(first.position == last)
            // After a stop, reads still get the published state.
            service.stop()
            let again = try await service.state(HeadcountProjection.self)
            #expect(again.position == first.position)

            // A service that never started publishes nothing; stopping it fails its waiting readers.
            let idle = Self.service(store)
            let waiter = Task { try await idle.state(PipelineProjection.self) }
            try await Task.sleep(for: .milliseconds(50))
            idle.stop()
            await #expect(throws: ProjectionServiceError.self) { _ = try await waiter.value }
        }
    }
}
