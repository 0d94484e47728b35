import Foundation
import HireLedger
import HireLedgerCore
import LMDB
import Testing

/// CRASH-SAFETY TEST (issue 4): real processes, real SIGKILLs.
///
/// An `ashby-sim` process serves a small world over HTTP. Store A gets one uninterrupted
/// `hireledger sync`. Store B gets `HIRELEDGER_CRASH_TRIALS` (default 20) syncs, each SIGKILLed after a
/// seeded random delay between 5 ms and the length of the uninterrupted sync, and must open after every kill; then one complete sync. B's events
/// must then equal A's, in order: none twice, none missing.
///
/// Needs the `ashby-sim` and `hireledger` executables of the same build next to the test bundle
/// (`swift build --build-tests` builds them).
struct CrashSafetyTests {
    @Test(.timeLimit(.minutes(5)))
    func aSyncKilledAtRandomMomentsEndsWithExactlyTheEventsOfAnUninterruptedSync() async throws {
        let bin = try Executables.directory()
        let trials = Int(ProcessInfo.processInfo.environment["HIRELEDGER_CRASH_TRIALS"] ?? "") ?? 20
        let sim = try SimulatorProcess(executable: bin + "/ashby-sim", size: "small", seed: 4)
        defer { sim.stop() }

        try await withTemporaryDirectory { root in
            let storeA = root + "/A", storeB = root + "/B"
            let env = ["ASHBY_API_KEY": sim.apiKey]
            let syncArguments = { (store: String) in ["sync", "--store", store, "--base-url", sim.url] }

            let began = ContinuousClock.now
            let reference = try ChildProcess.run(bin + "/hireledger", syncArguments(storeA), environment: env)
            let elapsed = ContinuousClock.now - began
            // Kill delays spread over the first 300 ms of a sync (process start included), or all of it when
            // shorter: small steps, so B progresses through many kills before a sync first completes.
            let spanMs = min(300, max(50, Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)))
            #expect(reference.status == 0, "reference sync failed: \(reference.stderr)")

            var rng = SplitMix64(seed: 0x5EED_C2A5)
            var killedMidway = 0
            var completed = false
            for trial in 1...trials {
                let delayMs = 5 + Int(rng.next() % UInt64(spanMs))
                // Once a sync of B has completed, incremental syncs find nothing to do and end before the
                // kill; full passes still re-read everything and write tokens and run records.
                let arguments = syncArguments(storeB) + (completed ? ["--full"] : [])
                let child = try ChildProcess.start(bin + "/hireledger", arguments, environment: env)
                usleep(useconds_t(delayMs * 1000))
                child.kill(SIGKILL)
                child.waitUntilExit()
                if child.process.terminationReason == .uncaughtSignal { killedMidway += 1 } else { completed = true }
                // Killed before it created the store: nothing to check yet.
                guard FileManager.default.fileExists(atPath: storeB + "/data.mdb") else { continue }
                let status = try ChildProcess.run(bin + "/hireledger", ["status", "--store", storeB, "--format", "json"])
                try #require(status.status == 0,
                             "trial \(trial) (killed after \(delayMs) ms): store B does not open: \(status.stderr)")
                #expect((try? JSONValue.parse(status.stdout)) != nil, "trial \(trial): status output is not JSON")
            }
            // Proof the kills landed inside syncs rather than after them (else the test shows nothing).
            #expect(killedMidway > 0, "no trial was killed before its sync finished")

            let last = try ChildProcess.run(bin + "/hireledger", syncArguments(storeB), environment: env)
            #expect(last.status == 0, "final sync of B failed: \(last.stderr)")

            let a = try CrashSafetyTests.comparableEvents(storeA)
            let b = try CrashSafetyTests.comparableEvents(storeB)
            #expect(!a.isEmpty)
            #expect(Set(b).count == b.count, "store B holds a duplicated event")
            if a != b {
                let i = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
                Issue.record("""
                    B differs from A: A has \(a.count) events, B \(b.count); first difference at index \(i):
                    A: \(i < a.count ? a[i] : "<end>")
                    B: \(i < b.count ? b[i] : "<end>")
                    missing from B: \(Set(a).subtracting(b).count), extra in B: \(Set(b).subtracting(a).count)
                    """)
            }

            let stat = try ChildProcess.run("/usr/bin/env", ["mdb_stat", "-a", storeB])
            #expect(stat.status == 0, "mdb_stat cannot read store B: \(stat.stderr)")
            #expect(stat.stdout.contains("Status of log"), "mdb_stat output lacks the log database")
            print("crash safety: kill delays 5-\(spanMs + 4) ms; \(trials) trials, \(killedMidway) killed mid-sync, \(a.count) events in A and \(b.count) in B")
        }
    }

    /// One line per event of the store at `path`, without what legitimately differs between two stores
    /// (ids, seq, causation ids, observedAt). An occurredAt that fell back to the observation time is
    /// written as "observed", since two syncs observe at different instants.
    static func comparableEvents(_ path: String) throws -> [String] {
        let store = try LedgerStore.open(directory: path)
        return try store.events().map { e in
            let occurred = e.occurredAtInferred && e.occurredAt == e.observedAt ? "observed" : e.occurredAt.iso8601
            let data = String(decoding: e.data.canonicalBytes(), as: UTF8.self)
            return "\(e.type.wireName) \(e.subject.wireForm) \(occurred) inferred=\(e.occurredAtInferred) backfilled=\(e.backfilled) \(data)"
        }
    }
}

