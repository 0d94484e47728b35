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
        let bin = try CrashSafetyTests.executablesDirectory()
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

    /// The directory holding this build's executables: beside the test bundle, else `.build/debug`.
    static func executablesDirectory() throws -> String {
        var candidates: [String] = []
        let arg0 = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        candidates.append(arg0)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().path)
        candidates.append(Bundle.main.bundleURL.path)
        if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent().path) }
        // Tests/HireLedgerTests/<file> → package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug").path)
        for dir in candidates where FileManager.default.isExecutableFile(atPath: dir + "/ashby-sim")
            && FileManager.default.isExecutableFile(atPath: dir + "/hireledger") {
            return dir
        }
        throw CrashTestSetupError("""
            the ashby-sim and hireledger executables were not found in any of \(candidates); \
            build them first with `swift build --build-tests`
            """)
    }
}

struct CrashTestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A child process with captured output.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    private let out = Pipe(), err = Pipe()

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static func start(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ChildProcess {
        let child = ChildProcess()
        child.process.executableURL = URL(fileURLWithPath: path)
        child.process.arguments = arguments
        child.process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        child.process.standardOutput = child.out
        child.process.standardError = child.err
        child.process.standardInput = FileHandle.nullDevice
        try child.process.run()
        return child
    }

    /// Runs to completion. Output is read before waiting so a full pipe cannot block the child.
    static func run(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let child = try start(path, arguments, environment: environment)
        // stderr is drained on another thread so that neither pipe can fill up and block the child.
        let errData = LockedData()
        let errHandle = child.err.fileHandleForReading
        let reader = Thread { errData.set(errHandle.readDataToEndOfFile()) }
        reader.start()
        let stdout = child.out.fileHandleForReading.readDataToEndOfFile()
        child.process.waitUntilExit()
        let stderr = errData.waitForValue()
        return Result(status: child.process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Sends `signal`; true when the process was still running.
    @discardableResult
    func kill(_ signal: Int32) -> Bool {
        guard process.isRunning else { return false }
        return Foundation.kill(process.processIdentifier, signal) == 0
    }

    func waitUntilExit() {
        process.waitUntilExit()
        // Drain so the pipes' file descriptors close.
        _ = try? out.fileHandleForReading.readToEnd()
        _ = try? err.fileHandleForReading.readToEnd()
    }

    var stdoutHandle: FileHandle { out.fileHandleForReading }
}

/// One `Data` handed from a reader thread to the waiting one.
final class LockedData: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Data?
    func set(_ data: Data) { condition.lock(); value = data; condition.signal(); condition.unlock() }
    func waitForValue() -> Data {
        condition.lock(); defer { condition.unlock() }
        while value == nil { condition.wait() }
        return value!
    }
}

/// An `ashby-sim` process; its URL and key are read from the first lines it prints.
final class SimulatorProcess: @unchecked Sendable {
    let child: ChildProcess
    let url: String
    let apiKey: String

    init(executable: String, size: String, seed: UInt64) throws {
        child = try ChildProcess.start(executable, ["--port", "0", "--seed", String(seed), "--size", size])
        var text = ""
        var url: String?, key: String?
        let handle = child.stdoutHandle
        while url == nil || key == nil {
            let chunk = handle.availableData
            if chunk.isEmpty {
                child.kill(SIGKILL)
                throw CrashTestSetupError("ashby-sim exited before printing its URL and key; it printed: \(text)")
            }
            text += String(decoding: chunk, as: UTF8.self)
            for line in text.split(separator: "\n") {
                if line.hasPrefix("ashby-sim listening on ") { url = String(line.dropFirst("ashby-sim listening on ".count)) }
                if line.hasPrefix("api key"), let colon = line.firstIndex(of: ":") {
                    key = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        self.url = url!
        self.apiKey = key!
    }

    func stop() {
        child.kill(SIGKILL)
        child.process.waitUntilExit()
    }
}

