import AshbyAPI
import AshbySimulator
import Foundation
import HireLedger
import HireLedgerCore
import LMDB
import Testing

/// A `hireledger sync` process killed with SIGKILL mid-sync leaves a consistent store, and the next
/// sync neither duplicates nor loses a change (ARCHITECTURE §5, §2 "crash safety with real processes").
struct CrashRecoveryTests {
    /// The package's `.build/debug/hireledger`, built by `swift build --build-tests`.
    static var cliPath: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent(".build/debug/hireledger").path
    }

    /// Events as the sync derives them from Ashby's data, without the parts that depend on when and
    /// where they were recorded (store id, observation time, and occurredAt when it is inferred from it).
    static func content(_ events: [RecordedEvent]) -> [String] {
        events.map { e in
            "\(e.seq) \(e.type) \(e.subject) \(e.occurredAtInferred ? "-" : e.occurredAt.iso8601) \(e.backfilled) "
                + "\(e.causation?.value ?? 0) \(String(decoding: e.data.canonicalBytes(), as: UTF8.self))"
        }
    }

    @Test func aSyncProcessKilledMidSyncResumesWithoutDuplicatesOrLosses() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.cliPath), "build the CLI first: swift build --build-tests")
        try await withTemporaryDirectory { path in
            let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 44, size: .small))
            // Slow every response a little so the kill lands mid-sync.
            sim.faults = FaultConfiguration(rateSlow: 1, slowMillis: 15)
            let server = SimulatorServer(simulator: sim)
            let url = try await server.start()
            do {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: Self.cliPath)
                process.arguments = ["sync", "--base-url", url, "--store", path]
                var environment = ProcessInfo.processInfo.environment
                environment["ASHBY_API_KEY"] = sim.fullAccessKey
                process.environment = environment
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                // Wait until the child has committed a good part of the log, then kill it without warning.
                var killedAt: LogPosition = .none
                while process.isRunning {
                    if FileManager.default.fileExists(atPath: path + "/data.mdb"),
                       let store = try? LedgerStore.open(directory: path),
                       let last = try? store.lastPosition, last.value > 1_500 {
                        kill(process.processIdentifier, SIGKILL)
                        killedAt = last
                        break
                    }
                    try await Task.sleep(for: .milliseconds(5))
                }
                process.waitUntilExit()
                #expect(process.terminationReason == .uncaughtSignal, "the sync should have been killed mid-way")
                #expect(killedAt.value > 0)

                sim.faults = FaultConfiguration()
                let h = try SyncHarness(sim: sim, storePath: path, transport: nil)
                #expect(try h.store.lastSyncRun(entityType: SyncPlan.order.last!.rawValue) == nil, "killed before the end")
                try await h.service().sync()
                try await withTemporaryDirectory { cleanPath in
                    let clean = try SyncHarness(sim: SimulatedAshby(configuration: SimulatorConfiguration(seed: 44, size: .small)),
                                                storePath: cleanPath)
                    try await clean.service().sync()
                    #expect(Self.content(try h.store.events()) == Self.content(try clean.store.events()))
                }
            } catch {
                await server.stop()
                throw error
            }
            await server.stop()
        }
    }
}
