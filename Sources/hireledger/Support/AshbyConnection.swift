import ArgumentParser
import AshbyAPI
import AshbySimulator
import CurlHTTP
import Foundation
import HireLedgerCore

/// Where HireLedger reads Ashby from: the real API with a key, or the embedded simulator without one.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("api-key-file"),
            help: "A file holding the Ashby API key (owner-only). Otherwise ASHBY_API_KEY is read.")
    var apiKeyFile: String?

    @Option(name: .customLong("base-url"),
            help: "Ashby API base URL (default https://api.ashbyhq.com; a simulator's URL from ashby-sim).")
    var baseURL: String?

    @Option(name: .customLong("simulator-seed"), help: "Seed of the embedded simulator used when no API key is given.")
    var simulatorSeed: UInt64 = 1

    @Option(name: .customLong("simulator-size"), help: "World size of the embedded simulator: tiny, small, medium, large.")
    var simulatorSize: String = "small"
}

/// An open connection: the client, and the embedded simulator's server when one was started.
struct AshbyConnection {
    let client: AshbyClient
    let transport: CurlTransport
    let simulatorServer: SimulatorServer?
    let simulator: SimulatedAshby?
    /// Human words for where the data comes from, e.g. "Ashby (key key#1a2b3c4d)".
    let label: String

    /// Connects as the options say. Without a key (flag or ASHBY_API_KEY) and without `--base-url`, starts
    /// the embedded simulator on 127.0.0.1 and says so on standard error: nothing real is ever called
    /// without a key.
    /// `maxConcurrentRequests`: the most requests the caller will have in flight at once (libcurl gets
    /// at least that many connections per host).
    static func open(_ options: ConnectionOptions, quiet: Bool = false, maxConcurrentRequests: Int = 1) async throws -> AshbyConnection {
        let transport = try CurlTransport(configuration: CurlTransport.Configuration(maximumConnectionsPerHost: max(8, maxConcurrentRequests)))
        let env = ProcessInfo.processInfo.environment
        let hasKey = options.apiKeyFile != nil || !(env[APIKey.environmentVariable] ?? "").isEmpty
        if hasKey {
            let loaded = try APIKey.load(keyFile: options.apiKeyFile)
            for warning in loaded.warnings { Terminal.writeError("warning: \(warning)\n") }
            let base = options.baseURL ?? AshbyClient.defaultBaseURL
            let client = AshbyClient(baseURL: base, apiKey: loaded.key, transport: transport)
            return AshbyConnection(client: client, transport: transport, simulatorServer: nil, simulator: nil,
                                   label: "\(base) (key \(loaded.key.fingerprint) from \(loaded.source))")
        }
        if let base = options.baseURL {
            throw ValidationError("--base-url \(base) needs an API key: set ASHBY_API_KEY or pass --api-key-file "
                + "(ashby-sim prints a test key when it starts).")
        }
        guard let size = WorldSize(rawValue: options.simulatorSize) else {
            throw ValidationError("--simulator-size must be one of \(WorldSize.allCases.map(\.rawValue).joined(separator: ", ")); got '\(options.simulatorSize)'.")
        }
        let simulator = SimulatedAshby(configuration: SimulatorConfiguration(seed: options.simulatorSeed, size: size))
        let server = SimulatorServer(simulator: simulator)
        let url = try await server.start(host: "127.0.0.1", port: 0)
        if !quiet {
            Terminal.writeError("No ASHBY_API_KEY: using the embedded Ashby simulator (seed \(options.simulatorSeed), "
                + "\(size.rawValue) world) at \(url).\n")
        }
        let client = AshbyClient(baseURL: url, apiKey: try APIKey(simulator.fullAccessKey), transport: transport)
        return AshbyConnection(client: client, transport: transport, simulatorServer: server, simulator: simulator,
                               label: "embedded simulator (seed \(options.simulatorSeed), \(size.rawValue))")
    }

    func close() async {
        await simulatorServer?.stop()
    }
}
