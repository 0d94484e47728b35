import AshbyAPI
import AshbySimulator
import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import LMDB

/// `bench sync --files DIR [--day1 DIR2]`: syncs a folder of Ashby-shaped JSON arrays (README, "Files
/// mode") served over loopback with Ashby's pagination and `syncToken` by `ashby-sim --files` (its own
/// process, unless `--in-process`), into a fresh store with the CLI's defaults, and prints: (a) the first
/// full sync's records/s, (b) an unchanged full resync, (c) with `--day1` the incremental sync of the
/// second folder, and for each the bytes this process wrote to disk (`write_bytes` of /proc/self/io), the
/// write transactions and peak memory; then the store's size and bytes per record and per event.
/// `--classify-on-writer` switches `SyncOptions.classifyNewRecordsAhead` off, for paired runs of one binary.
enum FilesSyncBench {
    static func run(_ arguments: [String]) async throws {
        var directory: String?, day1: String?, inProcess = false, latencyMillis = 0
        var concurrency = SyncOptions.defaultMaxConcurrentRequests
        var classifyAhead = true
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--files" where i + 1 < arguments.count: directory = arguments[i + 1]; i += 2
            case "--day1" where i + 1 < arguments.count: day1 = arguments[i + 1]; i += 2
            case "--in-process": inProcess = true; i += 1
            case "--latency-ms" where i + 1 < arguments.count:
                guard let n = Int(arguments[i + 1]), n >= 0 else { throw BenchError("--latency-ms takes milliseconds") }
                latencyMillis = n; i += 2
            case "--concurrency" where i + 1 < arguments.count:
                guard let n = Int(arguments[i + 1]), (1...32).contains(n) else { throw BenchError("--concurrency takes 1 to 32") }
                concurrency = n; i += 2
            case "--classify-on-writer": classifyAhead = false; i += 1
            default:
                throw BenchError("usage: bench sync --files DIR [--day1 DIR2] [--in-process] [--latency-ms N] [--concurrency N] "
                    + "[--classify-on-writer]; "
                    + "unknown or incomplete argument '\(arguments[i])'")
            }
        }
        guard let directory else { throw BenchError("--files needs a folder") }
        print("sync benchmark, files mode: \(directory)\(day1.map { " then \($0)" } ?? "")")
        let (server, memory) = try await SyncSteps.start(inProcess ? "in this process: memory and disk figures include it" : "ashby-sim --files process") {
            inProcess ? try await SimulatorEndpoint.inProcess(folder: try FolderAshby(directory: directory, then: day1.map { [$0] } ?? []))
                : try SimulatorEndpoint.process(arguments: ["--port", "0", "--files", directory] + (day1.map { ["--day1", $0] } ?? []))
        }
        defer { server.stop() }
        if latencyMillis > 0 {
            try await server.setLatency(millis: latencyMillis)
            print("every reply takes \(latencyMillis) ms")
        }

        let storePath = Bench.temporaryPath("files")
        defer { try? FileManager.default.removeItem(atPath: storePath) }
        let transport = try CurlTransport(configuration: CurlTransport.Configuration(maximumConnectionsPerHost: max(8, concurrency)))
        let client = AshbyClient(baseURL: server.url, apiKey: try APIKey(server.key), transport: transport)
        let store = try LedgerStore.open(directory: storePath)
        let service = SyncService(store: store, client: client)
        // As `hireledger sync` runs by default.
        var options = SyncOptions(deletionCheckMaxRecords: 20_000, maxConcurrentRequests: concurrency)
        // With --classify-on-writer, new records are classified inside their transactions, as before
        // `SyncOptions.classifyNewRecordsAhead`: the same binary's figures with and without it.
        options.classifyNewRecordsAhead = classifyAhead
        if !classifyAhead { print("new records classified on the writer thread (--classify-on-writer)") }

        let steps = SyncSteps(service: service, store: store, memory: memory)
        func step(_ title: String, _ options: SyncOptions) async throws -> SyncReport { try await steps.run(title, options) }

        let first = try await step("(a) first full sync", options)
        let firstRecords = first.runs.reduce(0) { $0 + $1.records }
        let afterFirst = try storeSize(storePath)
        print("    store: \(mb(afterFirst)) data.mdb, \(bytesPer(afterFirst, firstRecords)) B per record, "
            + "\(bytesPer(afterFirst, first.appendedEvents)) B per event")
        print("    where the bytes go: \(try Bench.storeBreakdown(store))")

        var full = options
        full.forceFull = true
        _ = try await step("(b) unchanged resync (full pass)", full)

        if day1 != nil {
            try await server.advance(days: 1)
            options.forceFull = false
            let second = try await step("(c) incremental sync of the second folder", options)
            let changed = second.runs.reduce(0) { $0 + $1.records }
            let after = try storeSize(storePath)
            let events = Int(try store.lastPosition.value)
            print("    store after both: \(mb(after)) data.mdb, \(events) events, \(bytesPer(after, events)) B per event; "
                + "grew \(mb(after - afterFirst)) for \(second.appendedEvents) events appended from \(changed) records listed "
                + "(LMDB reuses freed pages, so a small day can leave the file's size as it was)")
            print("    where the bytes go: \(try Bench.storeBreakdown(store))")
            _ = try await step("(d) unchanged resync after it (full pass)", full)
        }
        // The views as `serve` keeps them: each projection's checkpoint written into the store.
        let viewsStart = Date()
        let write = ProjectionRunnerOptions(checkpointAfter: 0)
        try ProjectionRunner<HeadcountProjection>(store: store, options: write).rebuild()
        try ProjectionRunner<PipelineProjection>(store: store, options: write).rebuild()
        try ProjectionRunner<PlanChangesProjection>(store: store, options: write).rebuild()
        let withViews = try storeSize(storePath)
        print(String(format: "(e) the three views built and checkpointed (as `serve` keeps them): %.3f s; store %@ data.mdb",
                     Date().timeIntervalSince(viewsStart), mb(withViews)))
        print("    where the bytes go: \(try Bench.storeBreakdown(store))")
        print("memory: heap = RssAnon of this process (peak during each step), mapped = RssFile (the store's pages).")
    }

    static func storeSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path + "/data.mdb")[.size] as? NSNumber)?.intValue ?? 0
    }

    static func mb(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1e6) }

    static func bytesPer(_ bytes: Int, _ n: Int) -> String { n > 0 ? String(bytes / n) : "-" }
}

/// This process's I/O counters (/proc/self/io).
enum ProcessIO {
    /// Bytes this process caused to be written to storage (`write_bytes`), 0 where unknown.
    static func writeBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("write_bytes:") {
            return Int(line.split(separator: " ").last ?? "0") ?? 0
        }
        return 0
    }
}

/// `bench files-export --size small --out DIR [--day1 DIR2] [--seed N]`: writes a simulated world as a
/// files-mode folder (one JSON array per entity type, README "Files mode"), and with `--day1` the same
/// world one simulated day later, so the files mode and the DuckDB peer can be tried without an export
/// of one's own.
enum FilesExport {
    static func run(_ arguments: [String]) async throws {
        var size = WorldSize.small, seed: UInt64 = 1, out: String?, day1: String?, shuffled = false
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--size" where i + 1 < arguments.count:
                guard let s = WorldSize(rawValue: arguments[i + 1]) else { throw BenchError("unknown --size \(arguments[i + 1])") }
                size = s; i += 2
            case "--seed" where i + 1 < arguments.count: seed = UInt64(arguments[i + 1]) ?? seed; i += 2
            case "--out" where i + 1 < arguments.count: out = arguments[i + 1]; i += 2
            case "--day1" where i + 1 < arguments.count: day1 = arguments[i + 1]; i += 2
            case "--key-order" where i + 1 < arguments.count && ["sorted", "shuffled"].contains(arguments[i + 1]):
                shuffled = arguments[i + 1] == "shuffled"; i += 2
            default: throw BenchError("usage: bench files-export --out DIR [--day1 DIR2] [--size tiny|small|medium|large] [--seed N] [--key-order sorted|shuffled]")
            }
        }
        guard let out else { throw BenchError("files-export needs --out DIR") }
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: seed, size: size, incrementalPageCap: 100_000))
        let server = SimulatorServer(simulator: sim)
        let url = try await server.start(host: "127.0.0.1", port: 0)
        let client = AshbyClient(baseURL: url, apiKey: try APIKey(sim.fullAccessKey), transport: try CurlTransport())
        do {
            try await write(client, to: out, shuffled: shuffled)
            if let day1 {
                sim.advance(days: 1)
                try await write(client, to: day1, shuffled: shuffled)
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// With `shuffled`, every object's members are written in an order of their own instead of sorted by
    /// key: the simulator sorts them, real Ashby does not (its recorded responses follow no key order), and
    /// a sync canonicalises records whose members are out of order differently (`JSONCanonicalizer`). The
    /// order is drawn from the record's content hash, so an unchanged record keeps its bytes from one
    /// export to the next, as Ashby's do.
    static func write(_ client: AshbyClient, to directory: String, shuffled: Bool = false) async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var total = 0
        var plans: [String] = []
        for type in SyncPlan.order {
            var records: [JSONValue] = []
            if type == .interviewStages {
                for plan in plans { records += try await client.interviewStages(interviewPlanId: plan) }
            } else {
                records = try await client.listAll(type.listEndpoint).records
            }
            if type == .interviewPlans { plans = records.compactMap { $0.string("id") } }
            var bytes: [UInt8] = [UInt8(ascii: "[")]
            for (n, record) in records.enumerated() {
                if n > 0 { bytes += Array(",\n".utf8) }
                if shuffled {
                    var rng = SplitMix64(seed: record.contentHash.value)
                    writeShuffled(record, into: &bytes, &rng)
                } else {
                    bytes += record.canonicalBytes()
                }
            }
            bytes += Array("]\n".utf8)
            guard FileManager.default.createFile(atPath: "\(directory)/\(type.rawValue).json", contents: Data(bytes)) else {
                throw BenchError("cannot write \(directory)/\(type.rawValue).json")
            }
            total += records.count
        }
        print("wrote \(total) records to \(directory)")
    }

    /// `value` as JSON with each object's members in a random order (values otherwise canonical).
    static func writeShuffled(_ value: JSONValue, into out: inout [UInt8], _ rng: inout SplitMix64) {
        switch value {
        case .object(let o):
            var members = Array(o.members)
            for i in stride(from: members.count - 1, to: 0, by: -1) { members.swapAt(i, rng.below(i + 1)) }
            out.append(UInt8(ascii: "{"))
            for (n, m) in members.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.writeString(m.key, into: &out)
                out.append(UInt8(ascii: ":"))
                writeShuffled(m.value, into: &out, &rng)
            }
            out.append(UInt8(ascii: "}"))
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (n, item) in items.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                writeShuffled(item, into: &out, &rng)
            }
            out.append(UInt8(ascii: "]"))
        default:
            value.writeCanonical(into: &out)
        }
    }
}
