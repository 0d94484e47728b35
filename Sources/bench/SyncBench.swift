import AshbyAPI
import AshbySimulator
import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import LMDB

/// `bench sync [--size medium] [--seed N] [--days N] [--loopback]`: the engine end to end against the
/// simulator: a first full sync into a fresh store (records/s, events/s, store size, peak RSS), a
/// second sync with no change (incremental where tokens exist: what a quiet poll costs), and a sync
/// after `--days` simulated days. In-process transport by default (the engine's own cost); with
/// `--loopback` over the simulator's HTTP server and CurlTransport. Default durability (fsync per commit).
enum SyncBench {
    static func run(_ arguments: [String]) async throws {
        var size = WorldSize.medium, seed: UInt64 = 1, days = 1, loopback = false
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--size": size = WorldSize(rawValue: arguments[i + 1]) ?? size; i += 2
            case "--seed": seed = UInt64(arguments[i + 1]) ?? seed; i += 2
            case "--days": days = Int(arguments[i + 1]) ?? days; i += 2
            case "--loopback": loopback = true; i += 1
            default:
                print("usage: bench sync [--size tiny|small|medium|large] [--seed N] [--days N] [--loopback]")
                exit(2)
            }
        }
        print("sync benchmark: size \(size.rawValue), seed \(seed), transport \(loopback ? "loopback HTTP (CurlTransport)" : "in-process")")
        print("machine: \(JSONBench.machineDescription()); build: \(JSONBench.buildMode)")
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: seed, size: size, incrementalPageCap: 100_000))
        let directory = NSTemporaryDirectory() + "hireledger-sync-bench-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }

        var server: SimulatorServer?
        let transport: any HTTPTransport
        var baseURL = "http://sim.invalid"
        if loopback {
            let s = SimulatorServer(simulator: sim)
            baseURL = try await s.start()
            server = s
            transport = try CurlTransport()
        } else {
            transport = BenchSimulatorTransport(sim: sim)
        }
        let store = try LedgerStore.open(directory: directory, now: sim.now)
        let client = AshbyClient(baseURL: baseURL, apiKey: try APIKey(sim.fullAccessKey), transport: transport)
        let service = SyncService(store: store, client: client, clock: ClosureLedgerClock { [sim] in sim.now })

        let clock = ContinuousClock()
        func timed(_ label: String) async throws {
            let t0 = clock.now
            let report = try await service.sync()
            let s = SimulatorBench.seconds(clock.now - t0)
            let records = report.runs.reduce(0) { $0 + $1.records }
            let pages = report.runs.reduce(0) { $0 + $1.pages }
            print("\(label): \(records) records in \(pages) pages, \(report.appendedEvents) events appended in "
                  + "\(String(format: "%.2f", s)) s = \(Int(Double(records) / s)) records/s, \(Int(Double(report.appendedEvents) / s)) events/s")
        }
        try await timed("first sync (full)")
        let status = try store.status()
        print("store: \(status.eventCount) events, data file \(status.usedBytes / 1_000_000) MB in use (log \(status.logBytes / 1_000_000) MB); peak RSS \(SimulatorBench.peakRSSMegabytes()) MB")
        try await timed("second sync, no change")
        sim.advance(days: days)
        try await timed("sync after \(days) simulated day(s)")
        await server?.stop()
    }
}

/// Hands requests straight to the simulator (no sockets), as the engine tests do.
private struct BenchSimulatorTransport: HTTPTransport {
    let sim: SimulatedAshby
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var path = request.url
        if let r = path.range(of: "://") {
            path = String(path[r.upperBound...])
            path = path.firstIndex(of: "/").map { String(path[$0...]) } ?? "/"
        }
        var headers: [String: String] = [:]
        for h in request.headers { headers[h.name] = h.value }
        let r = sim.handle(method: request.method, path: path, headers: headers, body: request.body)
        return HTTPResponse(status: r.status, headers: r.headers, body: r.body)
    }
}
