import AshbyAPI
import AshbySimulator
import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import LMDB
import Synchronization

/// `bench sync [--size large] [--seed N]`: the whole sync path end to end in one process — a simulated
/// Ashby world behind `SimulatorServer` on loopback, `CurlTransport`, `SyncService`, a fresh LMDB store
/// (default options, as the CLI opens it) in a temporary directory:
///
/// (a) the first full sync; (b) a full resync with nothing changed (`forceFull`), target ≥ 50k records/s;
/// (b2) the same with file handles re-signed on every read, as Ashby does; (c) one simulated day later
/// (handles still re-signed), an incremental sync. Peak RSS (ru_maxrss) after each step, target < 300 MB;
/// it includes the simulated world, whose share is printed before the first sync.
///
/// With `--latency-ms N` (d): every simulator reply then takes N ms, as a real Ashby's would, and the
/// day-1 incremental sync of (c) is run again from a copy of the store as it was after (a), once per
/// `--concurrency` value (default 4,8,16; `SyncOptions.maxConcurrentRequests`, the budget's ceiling: it
/// starts at `SyncOptions.startingConcurrentRequests` and grows), next to the time to
/// merely download the changed pages (the same listing requests, sequential, nothing recorded). The logs
/// of the runs are compared: they must be byte-identical.
enum SyncBench {
    static func run(_ arguments: [String]) async throws {
        var size = WorldSize.large, seed: UInt64 = 1, inProcess = false
        var latencyMillis = 0, concurrencies = [4, 8, 16]
        var transactionBytes: Int?, transactionSeconds: Double?, noSync = false, resyncs = 1
        var i = 0
        // The value after the current flag, which must satisfy `valid` (else `message`), and moves past both.
        func value<T: LosslessStringConvertible>(_ valid: (T) -> Bool, _ message: String) throws -> T {
            guard let v = T(arguments[i + 1]), valid(v) else { throw BenchError("\(message), got \(arguments[i + 1])") }
            i += 2
            return v
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--size" where i + 1 < arguments.count: size = WorldSize(rawValue: arguments[i + 1]) ?? size; i += 2
            case "--seed" where i + 1 < arguments.count: seed = UInt64(arguments[i + 1]) ?? seed; i += 2
            case "--in-process": inProcess = true; i += 1
            case "--txn-bytes" where i + 1 < arguments.count:
                transactionBytes = try value({ $0 >= 1 }, "--txn-bytes takes a byte count >= 1 (1: a transaction per changed page)")
            case "--txn-seconds" where i + 1 < arguments.count: transactionSeconds = try value({ $0 >= 0 }, "--txn-seconds takes seconds >= 0")
            case "--no-fsync": noSync = true; i += 1
            case "--resyncs" where i + 1 < arguments.count: resyncs = try value({ $0 >= 1 }, "--resyncs takes a count >= 1")
            case "--latency-ms" where i + 1 < arguments.count: latencyMillis = try value({ $0 >= 0 }, "--latency-ms takes milliseconds")
            case "--files":
                try await FilesSyncBench.run(arguments)
                return
            case "--concurrency" where i + 1 < arguments.count:
                let list = arguments[i + 1].split(separator: ",").compactMap { Int($0) }
                guard !list.isEmpty, list.allSatisfy({ (1...32).contains($0) }) else {
                    throw BenchError("--concurrency takes a list such as 1,4,8 (each 1 to 32), got \(arguments[i + 1])")
                }
                concurrencies = list; i += 2
            default:
                print("usage: bench sync [--size tiny|small|medium|large] [--seed N] [--in-process] [--latency-ms N [--concurrency 4,8,16]]\n"
                    + "       [--txn-bytes N] [--txn-seconds S] [--no-fsync] [--resyncs N]\n"
                    + "       bench sync --files DIR [--day1 DIR2] [--in-process] [--latency-ms N] [--concurrency N] [--classify-on-writer]")
                exit(2)
            }
        }
        print("sync benchmark: size \(size.rawValue), seed \(seed)")
        // The simulator runs as its own process (`ashby-sim`, built beside this binary) unless --in-process:
        // then the figures below are the sync's alone, not the simulated world's.
        let (simulator, memory) = try await SyncSteps.start(inProcess ? "in this process" : "ashby-sim process") {
            inProcess ? try await SimulatorEndpoint.inProcess(seed: seed, size: size) : try SimulatorEndpoint.process(seed: seed, size: size)
        }
        defer { simulator.stop() }

        let directory = Bench.temporaryPath("sync")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let transport = try CurlTransport()
        let client = AshbyClient(baseURL: simulator.url, apiKey: try APIKey(simulator.key), transport: transport)
        let now = try await simulator.now()
        let store = try LedgerStore.open(directory: directory, options: Environment.Options(noSync: noSync), now: now)
        var options = SyncOptions()
        if let transactionBytes { options.transactionBytes = transactionBytes }
        if let transactionSeconds { options.transactionSeconds = transactionSeconds }
        print("store: \(noSync ? "MDB_NOSYNC (no fsync at commit)" : "default durability (fsync at every commit)"); "
            + "transactions of up to \(options.transactionBytes) record bytes or \(options.transactionSeconds) s")
        // Observation times come from the simulated clock, read once per sync (the world only moves on advance).
        let simulatedNow = LockedTimestamp(now)
        let service = SyncService(store: store, client: client, clock: ClosureLedgerClock { simulatedNow.value })

        let steps = SyncSteps(service: service, store: store, memory: memory)
        _ = try await steps.run("(a) first full sync", options)
        // The store as the first sync left it, for (d).
        let snapshot = directory + "-day0"
        defer { try? FileManager.default.removeItem(atPath: snapshot) }
        if latencyMillis > 0 { try store.copy(to: snapshot) }

        var full = options
        full.forceFull = true
        for _ in 0..<resyncs {
            _ = try await steps.run("(b) full resync, nothing changed (target ≥ 50000 records/s)", full)
        }

        // As Ashby does: every file handle signed anew on every read, so candidates' bytes differ on each
        // pass although nothing changed (the raw hash leaves handle values out; see RawRecordHash).
        try await simulator.resignFileHandles(true)
        _ = try await steps.run("(b2) full resync, nothing changed, file handles re-signed on every read", full)

        try await simulator.advance(days: 1)
        simulatedNow.value = try await simulator.now()
        _ = try await steps.run("(c) incremental sync after one simulated day", options)

        let bytes = (try? FileManager.default.attributesOfItem(atPath: directory + "/data.mdb")[.size] as? NSNumber)?.intValue ?? 0
        let events = Int(try store.lastPosition.value)
        let records = try store.recordCounts().values.reduce(0) { $0 + $1.live + $1.deleted }
        print("store: \(bytes / 1_000_000) MB data.mdb, \(events) events, \(records) records; "
            + "\(bytes / max(records, 1)) B per record, \(bytes / max(events, 1)) B per event")
        print("where the bytes go: \(try Bench.storeBreakdown(store))")
        if latencyMillis > 0 {
            try await SyncLatencyBench.run(simulator: simulator, snapshot: snapshot, latencyMillis: latencyMillis,
                                           concurrencies: concurrencies, now: simulatedNow.value)
        }
        print("memory: heap = anonymous resident memory (RssAnon), the process's own; mapped = resident pages of "
            + "the LMDB file mapping (RssFile), page cache the kernel reclaims under pressure. Target < 300 MB applies to heap.")
    }

    static func format(_ x: Double) -> String { String(format: "%.3f", x) }
}

/// The simulator the benchmark syncs from: an `ashby-sim` process (default) or one in this process.
final class SimulatorEndpoint: @unchecked Sendable {
    let url: String
    let key: String
    private let process: Process?
    private let server: SimulatorServer?
    private let simulator: SimulatedAshby?

    private init(url: String, key: String, process: Process?, server: SimulatorServer?, simulator: SimulatedAshby?) {
        self.url = url; self.key = key; self.process = process; self.server = server; self.simulator = simulator
    }

    static func inProcess(seed: UInt64, size: WorldSize) async throws -> SimulatorEndpoint {
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: seed, size: size, incrementalPageCap: 100_000))
        let server = SimulatorServer(simulator: sim)
        let url = try await server.start(host: "127.0.0.1", port: 0)
        return SimulatorEndpoint(url: url, key: sim.fullAccessKey, process: nil, server: server, simulator: sim)
    }

    /// Starts `ashby-sim` from the directory of this executable and reads its URL and key from its output.
    static func process(seed: UInt64, size: WorldSize) throws -> SimulatorEndpoint {
        try process(arguments: ["--port", "0", "--seed", String(seed), "--size", size.rawValue])
    }

    /// A files stand-in in this process (`FolderAshby`).
    static func inProcess(folder: FolderAshby) async throws -> SimulatorEndpoint {
        let server = SimulatorServer(responder: folder)
        let url = try await server.start(host: "127.0.0.1", port: 0)
        return SimulatorEndpoint(url: url, key: folder.key, process: nil, server: server, simulator: nil)
    }

    /// Starts `ashby-sim ARGUMENTS` from the directory of this executable.
    static func process(arguments: [String]) throws -> SimulatorEndpoint {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let binary = dir.appendingPathComponent("ashby-sim").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("no ashby-sim beside the bench binary (\(binary)): run swift build -c release --product ashby-sim, or pass --in-process")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        var text = ""
        let handle = out.fileHandleForReading
        while !(text.contains("api key") && text.contains("\n", after: "api key")) {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let urlLine = text.split(separator: "\n").first(where: { $0.contains("listening on ") }),
              let keyLine = text.split(separator: "\n").first(where: { $0.hasPrefix("api key") }),
              let url = urlLine.split(separator: " ").last, let key = keyLine.split(separator: " ").last
        else {
            p.terminate()
            throw BenchError("could not read ashby-sim's URL and key from its output: \(text)")
        }
        return SimulatorEndpoint(url: String(url), key: String(key), process: p, server: nil, simulator: nil)
    }

    func now() async throws -> Timestamp {
        if let simulator { return simulator.now }
        let status = try await control("GET", "/_sim/status", body: nil)
        guard let text = status["now"]?.stringValue, let t = Timestamp(iso8601: text) else {
            throw BenchError("ashby-sim /_sim/status has no 'now': \(status)")
        }
        return t
    }

    func resignFileHandles(_ on: Bool) async throws {
        if let simulator { simulator.resignsFileHandles = on; return }
        _ = try await control("POST", "/_sim/behaviours", body: ["resignFileHandles": .bool(on)])
    }

    /// Every API reply from now on takes `millis` ms (0: none).
    func setLatency(millis: Int) async throws {
        if let simulator { simulator.latency = SimulatorLatency(millis: millis); return }
        _ = try await control("POST", "/_sim/latency", body: ["millis": JSONValue(millis)])
    }

    /// API requests the simulator has answered so far.
    func requestCount() async throws -> Int {
        let status = try await control("GET", "/_sim/status", body: nil)
        return status["requests"]?.intValue ?? 0
    }

    func advance(days: Int) async throws {
        if let simulator { simulator.advance(days: days); return }
        _ = try await control("POST", "/_sim/advance", body: ["days": JSONValue(days)])
    }

    private func control(_ method: String, _ path: String, body: JSONValue?) async throws -> JSONValue {
        let transport = try CurlTransport()
        let response = try await transport.send(HTTPRequest(method: method, url: url + path,
            headers: [("Content-Type", "application/json")], body: body?.canonicalBytes() ?? []))
        guard response.status == 200 else { throw BenchError("ashby-sim \(path) answered \(response.status)") }
        return try JSONValue.parse(response.body)
    }

    func stop() {
        process?.terminate()
        process?.waitUntilExit()
        if let server { Task { await server.stop() } }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A timestamp shared between the benchmark and the sync's clock closure.
final class LockedTimestamp: Sendable {
    private let stored: Mutex<Timestamp>
    init(_ t: Timestamp) { stored = Mutex(t) }
    var value: Timestamp {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
}

/// Samples /proc/self/status every 5 ms on its own thread and keeps the peaks of RssAnon (the heap and
/// other private memory) and RssFile (resident pages of mapped files: here the LMDB store).
final class MemorySampler: @unchecked Sendable {
    private let lock = NSLock()
    private var peakAnon = 0
    private var peakFile = 0

    func start() {
        let thread = Thread { [self] in
            while true {
                sample()
                // Every 20 ms: at every 5 ms, with the status text parsed through String, the sampler took
                // about 2-3 % of the syncing process's CPU in a large first sync (perf), charged to HireLedger.
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
        thread.start()
    }

    func sample() {
        // /proc/self/status read into a buffer and scanned as bytes (no String, no Foundation file read).
        var buffer = [UInt8](repeating: 0, count: 8192)
        let fd = open("/proc/self/status", O_RDONLY)
        guard fd >= 0 else { return }
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard count > 0 else { return }
        func kilobytes(after label: String) -> Int {
            let key = Array(label.utf8)
            var i = 0
            while i + key.count <= count {
                if buffer[i] == key[0], Array(buffer[i..<(i + key.count)]) == key {
                    var j = i + key.count, value = 0
                    while j < count, buffer[j] == UInt8(ascii: " ") || buffer[j] == UInt8(ascii: "\t") { j += 1 }
                    while j < count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(buffer[j]) {
                        value = value * 10 + Int(buffer[j] - UInt8(ascii: "0")); j += 1
                    }
                    return value
                }
                // Labels start lines: skip to the next one.
                while i < count, buffer[i] != UInt8(ascii: "\n") { i += 1 }
                i += 1
            }
            return 0
        }
        let anon = kilobytes(after: "RssAnon:"), file = kilobytes(after: "RssFile:")
        lock.lock()
        peakAnon = max(peakAnon, anon)
        peakFile = max(peakFile, file)
        lock.unlock()
    }

    func resetPeak() {
        lock.lock(); peakAnon = 0; peakFile = 0; lock.unlock()
        sample()
    }

    func report() -> String {
        sample()
        lock.lock(); defer { lock.unlock() }
        return "heap \(peakAnon / 1024) MB, mapped \(peakFile / 1024) MB"
    }
}

extension String {
    fileprivate func contains(_ s: String, after marker: String) -> Bool {
        guard let r = range(of: marker) else { return false }
        return self[r.upperBound...].contains(s)
    }
}
