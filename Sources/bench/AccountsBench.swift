import AshbyAPI
import AshbySimulator
import CurlHTTP
import Foundation
import HireLedger
import HireLedgerServer

/// `bench accounts [--accounts N] [--size small] [--rounds R] [--concurrent C]`: N accounts (default 100),
/// each a simulator world of its own (seed = index, served over loopback HTTP by an embedded simulator
/// server in this process), in one `AccountsServer` with a store per account in a temporary directory
/// (fsync on), synced round after round with at most C syncs at once (default 4): the first round is
/// every account's full sync, each later one an incremental sync after one simulated day.
///
/// Prints each round's time and the process's resident memory (VmRSS, and VmHWM as the peak) before the
/// first round (the simulated worlds alone) and after each round; the stores' mapped pages count in
/// RSS as page cache touched by this process.
enum AccountsBench {
    static func run(_ arguments: [String]) async throws {
        var count = 100, size = WorldSize.small, rounds = 3, concurrent = 4
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--accounts" where i + 1 < arguments.count: count = Int(arguments[i + 1]) ?? count; i += 2
            case "--size" where i + 1 < arguments.count: size = WorldSize(rawValue: arguments[i + 1]) ?? size; i += 2
            case "--rounds" where i + 1 < arguments.count: rounds = Int(arguments[i + 1]) ?? rounds; i += 2
            case "--concurrent" where i + 1 < arguments.count: concurrent = Int(arguments[i + 1]) ?? concurrent; i += 2
            default:
                print("usage: bench accounts [--accounts N] [--size tiny|small|medium] [--rounds R] [--concurrent C]")
                exit(2)
            }
        }
        let dir = Bench.temporaryPath("accounts")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let transport = try CurlTransport()
        var sims: [SimulatedAshby] = [], servers: [SimulatorServer] = []
        var accounts: [AccountsDeployment.Account] = []
        var clients: [String: Result<AshbyClient, any Error>] = [:]
        for n in 0..<count {
            let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: UInt64(1000 + n), size: size))
            let server = SimulatorServer(simulator: sim)
            let url = try await server.start(host: "127.0.0.1", port: 0)
            let account = AccountsDeployment.Account(name: "account-\(n)", store: "stores/\(n)", keyFile: "unused", baseURL: url,
                                                     syncEvery: "1h", requestsPerSecond: 1000)
            accounts.append(account)
            clients[account.name] = .success(AccountsServer.client(account: account, key: try APIKey(sim.fullAccessKey), baseURL: url, transport: transport))
            sims.append(sim)
            servers.append(server)
        }
        let deployment = AccountsDeployment(maxConcurrentSyncs: concurrent, accounts: accounts)
        let server = AccountsServer(deployment: deployment, deploymentPath: dir + "/deployment.toml",
                                    adminToken: APIToken("bench-admin-token-0123456789"), options: ServerOptions(port: 0), clients: clients)
        print("accounts benchmark: \(count) accounts of the \(size.rawValue) world, one store each (fsync on), at most \(concurrent) syncs at once")
        print("machine: \(Bench.machine()); build: \(Bench.buildMode)")
        print("before the first round (the \(count) simulated worlds and their servers): \(Bench.residentMemory())")
        for round in 1...rounds {
            if round > 1 { for sim in sims { sim.advance(days: 1) } }
            let start = DispatchTime.now().uptimeNanoseconds
            await server.syncAllOnce()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let statuses = server.names.compactMap { server.accounts[$0]?.status }
            let failed = statuses.filter { $0.lastError != nil }.count
            let events = statuses.map(\.lastAppended).reduce(0, +)
            print(String(format: "round %d (%@): %.1f s, %.2f s per account, %d events appended, %d failed; %@", round,
                         round == 1 ? "full syncs" : "one simulated day later", seconds, seconds / Double(count), events, failed, Bench.residentMemory()))
        }
        var bytes: UInt64 = 0
        for n in 0..<count { bytes += (try? FileManager.default.attributesOfItem(atPath: dir + "/stores/\(n)/data.mdb")[.size] as? UInt64) ?? 0 }
        print(String(format: "stores on disk: %.1f MB in total, %.1f MB per account", Double(bytes) / 1e6, Double(bytes) / 1e6 / Double(count)))
        for s in servers { await s.stop() }
    }
}
