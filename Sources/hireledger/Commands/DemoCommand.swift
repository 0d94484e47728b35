import ArgumentParser
import AshbyAPI
import AshbySimulator
import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import LMDB

/// `hireledger demo`: the embedded simulator, months of daily syncs in seconds, then the views.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run HireLedger on the embedded Ashby simulator: daily syncs over simulated months, then the views.",
        discussion: """
            Starts the simulator (no real Ashby is called), syncs it once per simulated day over HTTP on \
            127.0.0.1, then prints the headcount by department and month, a pipeline summary and what \
            changed in the plan in the last 30 days. The store is kept, so every other command can be \
            tried on it afterwards (the last lines say how).

            Only the demo opens its store without a flush (fsync) at every commit (LMDB MDB_NOSYNC) and \
            flushes it once after the syncs and once after building the views: a simulated world can be made again, \
            so it trades the per-commit durability that real syncs keep for speed. A machine crash \
            during the demo can lose its store; `hireledger sync` and `serve` flush every commit.
            """
    )

    @Option(name: .customLong("store"), help: "Where to keep the demo's store (must not exist yet; default: a new temporary directory).")
    var store: String?
    @Option(help: "Simulated days to run.") var days: Int = 180
    @Option(help: "Simulator world size: tiny, small, medium or large.") var size: String = "medium"
    @Option(help: "Simulator seed.") var seed: UInt64 = 1

    func validate() throws {
        guard (1...3650).contains(days) else { throw ValidationError("--days must be between 1 and 3650; got \(days).") }
        guard WorldSize(rawValue: size) != nil else {
            throw ValidationError("--size must be one of \(WorldSize.allCases.map(\.rawValue).joined(separator: ", ")); got '\(size)'.")
        }
    }

    func run() async throws {
        let path: String
        if let store {
            if FileManager.default.fileExists(atPath: store) {
                throw CLIError("--store \(store) already exists; the demo makes a new store. Pick a new path or remove that one.")
            }
            path = store
        } else {
            path = NSTemporaryDirectory() + "hireledger-demo-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        }
        let started = ContinuousClock.now
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: seed, size: WorldSize(rawValue: size)!))
        let server = SimulatorServer(simulator: sim)
        let url = try await server.start(host: "127.0.0.1", port: 0)
        do {
            try await runDemo(sim: sim, url: url, path: path, started: started)
            await server.stop()
        } catch {
            await server.stop()
            throw error
        }
    }

    private func runDemo(sim: SimulatedAshby, url: String, path: String, started: ContinuousClock.Instant) async throws {
        Terminal.writeError("HireLedger demo: embedded Ashby simulator (\(size) world, seed \(seed)) at \(url); store \(path)\n")
        let client = AshbyClient(baseURL: url, apiKey: try APIKey(sim.fullAccessKey), transport: try CurlTransport())
        let clock = ClosureLedgerClock { sim.now }
        // No fsync per commit (demo only; see the discussion above): one flush after the last sync.
        let store = try LedgerStore.open(directory: path, options: Environment.Options(noSync: true), now: clock.now())
        let syncStarted = ContinuousClock.now
        let worldSeconds = (syncStarted - started).inSeconds
        let service = SyncService(store: store, client: client, clock: clock)
        var total = 0
        for day in 0...days {
            let report = try await service.sync(SyncOptions(source: .simulator(seed: seed, size: size)))
            total += report.appendedEvents
            if Terminal.stderrIsTTY {
                Terminal.writeError("\r\u{1B}[2Kday \(day)/\(days)  \(sim.now.day.iso8601)  \(total) events")
            } else if day == 0 || day % 30 == 0 || day == days {
                Terminal.writeError("day \(day)/\(days)  \(sim.now.day.iso8601)  \(total) events\n")
            }
            if day < days { sim.advance(days: 1) }
        }
        if Terminal.stderrIsTTY { Terminal.writeError("\n") }
        let flushStarted = ContinuousClock.now
        try await store.onWriterThread { try store.environment.sync(force: true) }
        let viewsStarted = ContinuousClock.now
        let syncSeconds = (flushStarted - syncStarted).inSeconds, flushSeconds = (viewsStarted - flushStarted).inSeconds

        let now = sim.now
        // The runners fold the whole log once and checkpoint it, so later commands start from there.
        let headcountState = try await Views.current(HeadcountProjection.self, store, writeCheckpoint: true)
        let pipelineState = try await Views.current(PipelineProjection.self, store, writeCheckpoint: true)
        let changesState = try await Views.current(PlanChangesProjection.self, store, writeCheckpoint: true)
        // The checkpoints just written: flushed like the syncs' commits.
        try await store.onWriterThread { try store.environment.sync(force: true) }
        let viewsSeconds = (ContinuousClock.now - viewsStarted).inSeconds
        let today = now.day
        let thisMonth = YearMonth(today)
        let sixMonthsOn = YearMonth(today.adding(days: 183))
        let headcount = HeadcountProjection.view(headcountState, query: HeadcountQuery(
            groupBy: [.department], interval: .month, from: thisMonth, to: sixMonthsOn, asOf: now))
        let pipeline = PipelineProjection.view(pipelineState, query: PipelineQuery(groupBy: .department, asOf: now))
        let changes = PlanChangesProjection.changes(changesState, query: PlanChangesQuery(
            axis: .occurred, since: now.adding(days: -30), until: now))

        var out = "\n" + Views.headcountTable(headcount) + "\n\n" + Views.pipelineTable(pipeline) + "\n\n"
        out += "Last 30 days (\(now.adding(days: -30).day.iso8601) to \(today.iso8601)). "
        out += Views.changesTable(changes, names: PlanNames(headcountState)) + "\n\n"
        out += String(format: "%d simulated days synced in %.1f s: %d events in the log.\n", days, (viewsStarted - started).inSeconds, total)
        out += String(format: "Phases: world %.1f s, syncs %.1f s, flush %.1f s, views %.1f s.\n",
                      worldSeconds, syncSeconds, flushSeconds, viewsSeconds)
        out += """
            Try next (the store stays at \(path)):
              hireledger status --store \(path)
              hireledger events --store \(path) --type 'opening.*' --limit 20
              hireledger headcount --store \(path) --known-at \(now.adding(days: -30).day.iso8601)
              hireledger changes --store \(path) --since \(now.adding(days: -7).day.iso8601)
              hireledger state opening <ID> --store \(path) --as-of \(now.adding(days: -30).day.iso8601)
              hireledger headcount --store \(path) --series month --from \(YearMonth(today.adding(days: -150))) --to \(thisMonth)
              hireledger headcount --store \(path) --pivot month --from \(thisMonth) --to \(sixMonthsOn)
              hireledger replay --store \(path) --until \(now.adding(days: -30).day.iso8601) --into <NEW DIR>

            The planner page (charts, as-of and known-at controls, CSV downloads) is served by:
              hireledger serve --store \(path)
            then open http://127.0.0.1:8787/ and sign in with the login link it prints (or paste the
            token from \(path)/api-token).

            """
        Terminal.writeOut(out)
    }
}
