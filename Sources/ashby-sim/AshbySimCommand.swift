import AshbySimulator
import ArgumentParser
import Foundation

/// `ashby-sim`: the Ashby simulator as a process. Prints its URL and a full-access API key, then serves
/// until killed.
@main
struct AshbySimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ashby-sim",
        abstract: "Serves a deterministic, evolving simulated Ashby API on a local port.",
        discussion: """
            Same --seed and --size, the same /_sim/advance calls and the same requests give byte-identical \
            responses. Control endpoints (loopback only): POST /_sim/advance {"days":N}, GET|POST /_sim/journal \
            {"after":N}, POST /_sim/faults {...}, GET /_sim/status, POST /_sim/keys {"permissions":[...]}, \
            POST /_sim/permissions {"key":..., "permissions":[...]}, POST /_sim/behaviours {"resignFileHandles":true}, POST /_sim/latency {"millis":50}. \
            --behaviour switches on real-account behaviours the default world leaves out: backward-stage-moves \
            (A→B→A), archive-open-openings, repeated-target-date-changes, resign-file-handles, cancelled-offers, \
            offers-pending-approval, custom-field-values, deactivated-users, or all.
            """
    )

    @Option(help: "TCP port on 127.0.0.1 (0 picks a free one).") var port: UInt16 = 0
    @Option(help: "World seed.") var seed: UInt64 = 1
    @Option(help: "World size: tiny, small, medium or large.") var size: String = "small"
    @Option(help: "Bind address.") var host: String = "127.0.0.1"
    @Flag(help: "Simulate an account without the openings feature.") var noOpenings = false
    @Option(help: "A real-account behaviour to switch on (repeatable): backward-stage-moves, archive-open-openings, repeated-target-date-changes, resign-file-handles, cancelled-offers, offers-pending-approval, custom-field-values, deactivated-users, all.")
    var behaviour: [String] = []
    @Option(name: .customLong("latency-ms"), help: "Milliseconds added to every API reply, as a real Ashby's response time (POST /_sim/latency changes it).")
    var latencyMs: Int = 0
    @Option(help: "Serve this folder of Ashby-shaped JSON arrays (applications.json, candidates.json, ...) instead of a simulated world; see README.")
    var files: String?
    @Option(name: .customLong("day1"), help: "With --files: the folder POST /_sim/advance serves next (records changed since then are what an incremental sync gets).")
    var day1: [String] = []
    @Option(name: .customLong("latency-jitter-ms"), help: "Up to this many more milliseconds per reply, drawn from the seed.")
    var latencyJitterMs: Int = 0

    func validate() throws {
        guard (0...600_000).contains(latencyMs), (0...600_000).contains(latencyJitterMs) else {
            throw ValidationError("--latency-ms and --latency-jitter-ms must be from 0 to 600000; got \(latencyMs) and \(latencyJitterMs)")
        }
    }

    func run() async throws {
        if let files {
            let folder: FolderAshby
            do { folder = try FolderAshby(directory: files, then: day1) } catch {
                throw ValidationError("\(error)")
            }
            folder.latency = latencyMs
            let server = SimulatorServer(responder: folder)
            let url = try await server.start(host: host, port: port)
            print("ashby-sim listening on \(url)")
            print("api key (serves the folder): \(folder.key)")
            print("serving \(files): \(folder.recordCounts[0]) records\(day1.isEmpty ? "" : "; POST /_sim/advance serves \(day1.joined(separator: ", ")) next")")
            fflush(nil)
            while true { try await Task.sleep(for: .seconds(3600)) }
        }
        guard day1.isEmpty else { throw ValidationError("--day1 needs --files") }
        guard let worldSize = WorldSize(rawValue: size) else {
            throw ValidationError("unknown size '\(size)'; use one of \(WorldSize.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let clock = ContinuousClock()
        let began = clock.now
        var behaviours = SimulatorBehaviours()
        for name in behaviour {
            switch name {
            case "backward-stage-moves": behaviours.backwardStageMoves = true
            case "archive-open-openings": behaviours.archiveOpenOpenings = true
            case "repeated-target-date-changes": behaviours.repeatedTargetDateChanges = true
            case "resign-file-handles": behaviours.resignFileHandles = true
            case "cancelled-offers": behaviours.cancelledOffers = true
            case "offers-pending-approval": behaviours.offersPendingApproval = true
            case "custom-field-values": behaviours.customFieldValues = true
            case "deactivated-users": behaviours.deactivatedUsers = true
            case "all": behaviours = .all
            default:
                throw ValidationError("unknown --behaviour '\(name)'; use backward-stage-moves, archive-open-openings, "
                    + "repeated-target-date-changes, resign-file-handles, cancelled-offers, offers-pending-approval, "
                    + "custom-field-values, deactivated-users or all")
            }
        }
        var configuration = SimulatorConfiguration(seed: seed, size: worldSize, openingsEnabled: !noOpenings)
        configuration.behaviours = behaviours
        configuration.latency = SimulatorLatency(millis: latencyMs, jitterMillis: latencyJitterMs)
        let simulator = SimulatedAshby(configuration: configuration)
        let generated = clock.now - began
        let server = SimulatorServer(simulator: simulator)
        let url = try await server.start(host: host, port: port)
        let counts = simulator.counts().sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        print("ashby-sim listening on \(url)")
        print("api key (six read permissions): \(simulator.fullAccessKey)")
        print("simulated now: \(simulator.now.iso8601); world generated in \(generated)")
        print("counts: \(counts)")
        fflush(nil)
        while true { try await Task.sleep(for: .seconds(3600)) }
    }
}
