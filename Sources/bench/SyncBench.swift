import AshbyAPI
import AshbySimulator
import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore

/// `bench sync [--size large] [--seed N]`: the whole sync path end to end in one process — a simulated
/// Ashby world behind `SimulatorServer` on loopback, `CurlTransport`, `SyncService`, a fresh LMDB store
/// (default options, as the CLI opens it) in a temporary directory:
///
/// (a) the first full sync; (b) a full resync with nothing changed (`forceFull`), target ≥ 50k records/s;
/// (c) one simulated day later, an incremental sync. Peak RSS (ru_maxrss) after each step, target < 300 MB;
/// it includes the simulated world, whose share is printed before the first sync.
enum SyncBench {
    static func run(_ arguments: [String]) async throws {
        var size = WorldSize.large, seed: UInt64 = 1
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--size" where i + 1 < arguments.count: size = WorldSize(rawValue: arguments[i + 1]) ?? size; i += 2
            case "--seed" where i + 1 < arguments.count: seed = UInt64(arguments[i + 1]) ?? seed; i += 2
            default:
                print("usage: bench sync [--size tiny|small|medium|large] [--seed N]")
                exit(2)
            }
        }
        print("sync benchmark: size \(size.rawValue), seed \(seed)")
        print("machine: \(JSONBench.machineDescription()); build: \(JSONBench.buildMode)")

        let clock = ContinuousClock()
        var t0 = clock.now
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: seed, size: size, incrementalPageCap: 100_000))
        print("world: generated in \(format(SimulatorBench.seconds(clock.now - t0))) s; "
            + sim.counts().sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        let server = SimulatorServer(simulator: sim)
        let url = try await server.start(host: "127.0.0.1", port: 0)
        print("peak RSS with the world generated, before syncing: \(SimulatorBench.peakRSSMegabytes()) MB")

        let directory = NSTemporaryDirectory() + "hireledger-bench-sync-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let transport = try CurlTransport()
        let client = AshbyClient(baseURL: url, apiKey: try APIKey(sim.fullAccessKey), transport: transport)
        let store = try LedgerStore.open(directory: directory, now: sim.now)
        let service = SyncService(store: store, client: client, clock: ClosureLedgerClock { sim.now })

        t0 = clock.now
        var report = try await service.sync()
        report.print("(a) first full sync", elapsed: clock.now - t0)

        t0 = clock.now
        report = try await service.sync(SyncOptions(forceFull: true))
        report.print("(b) full resync, nothing changed (target ≥ 50000 records/s)", elapsed: clock.now - t0)

        sim.advance(days: 1)
        t0 = clock.now
        report = try await service.sync()
        report.print("(c) incremental sync after one simulated day", elapsed: clock.now - t0)

        let bytes = (try? FileManager.default.attributesOfItem(atPath: directory + "/data.mdb")[.size] as? NSNumber)?.intValue ?? 0
        print("store: \(bytes / 1_000_000) MB data.mdb, \(try store.lastPosition.value) events")
        await server.stop()
    }

    static func format(_ x: Double) -> String { String(format: "%.3f", x) }
}

extension SyncReport {
    fileprivate func print(_ title: String, elapsed: Duration) {
        let s = SimulatorBench.seconds(elapsed)
        let records = runs.reduce(0) { $0 + $1.records }
        let pages = runs.reduce(0) { $0 + $1.pages }
        Swift.print("\(title): \(SyncBench.format(s)) s, \(records) records in \(pages) pages, "
            + "\(Int(Double(records) / s)) records/s, \(appendedEvents) events appended; "
            + "peak RSS \(SimulatorBench.peakRSSMegabytes()) MB")
        Swift.print("    per type: " + runs.map { "\($0.entityType) \($0.mode.rawValue) \($0.records)r/\($0.events)e" }.joined(separator: ", "))
    }
}
