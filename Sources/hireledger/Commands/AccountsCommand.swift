import ArgumentParser
import AshbyAPI
import AshbySimulator
import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerServer

/// `--deployment FILE`: the deployment file naming the accounts (default ./hireledger-deployment.toml,
/// or HIRELEDGER_DEPLOYMENT).
struct DeploymentOptions: ParsableArguments {
    @Option(name: .customLong("deployment"), help: "The deployment file (default ./hireledger-deployment.toml, or $HIRELEDGER_DEPLOYMENT).")
    var deployment: String?

    var path: String {
        if let deployment { return deployment }
        if let env = ProcessInfo.processInfo.environment["HIRELEDGER_DEPLOYMENT"], !env.isEmpty { return env }
        return "hireledger-deployment.toml"
    }

    func load() throws -> AccountsDeployment {
        do { return try AccountsDeployment.load(path) } catch { throw CLIError(error.description) }
    }
}

/// `hireledger accounts list|add|remove|status`: the accounts of a deployment file.
struct AccountsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts",
        abstract: "Manage the Ashby accounts of a deployment file (for 'hireledger serve --deployment').",
        discussion: """
            A deployment names accounts, each with its own store directory, Ashby key file, sync schedule \
            and rate budget. 'hireledger serve --deployment FILE' syncs and serves them all, each under \
            /v1/accounts/<name>/. Keys are never printed.
            """,
        subcommands: [List.self, Add.self, Remove.self, Status.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts.")
        @OptionGroup var deployment: DeploymentOptions

        func run() throws {
            let d = try deployment.load()
            var table = TableRenderer([.init(title: "NAME"), .init(title: "STORE"), .init(title: "ASHBY"), .init(title: "SYNC EVERY"),
                                       .init(title: "REQUESTS/S", numeric: true)])
            for a in d.accounts {
                let source = a.keyFile.map { "key file \($0)" + (a.baseURL.map { " at \($0)" } ?? "") }
                    ?? "simulator seed \(a.simulatorSeed ?? 0) (\(a.simulatorSize ?? "small"))"
                table.append([a.name, a.store, source, a.syncEvery,
                              String(format: "%g", a.requestsPerSecond ?? AccountsServer.defaultRequestsPerSecond)])
            }
            Terminal.writeOut(table.render() + "\n\(d.accounts.count) accounts; at most \(d.maxConcurrentSyncs) syncs at once.\n")
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an account (creates the deployment file if missing).")
        @OptionGroup var deployment: DeploymentOptions
        @Argument(help: "The account's name: letters, digits, '_' and '-' (its URL segment).") var name: String
        @Option(help: "Its store directory (relative paths: from the deployment file's directory).") var store: String
        @Option(name: .customLong("key-file"), help: "The file holding its read-only Ashby key (mode 0600).") var keyFile: String?
        @Option(name: .customLong("base-url"), help: "Another Ashby base URL (e.g. an ashby-sim).") var baseURL: String?
        @Option(name: .customLong("simulator-seed"), help: "No key: sync an embedded simulator world with this seed.") var simulatorSeed: UInt64?
        @Option(name: .customLong("simulator-size"), help: "The embedded simulator's world size.") var simulatorSize: String?
        @Option(name: .customLong("sync-every"), help: "How often to sync: 15m, 1h, 1d.") var syncEvery: String = "1h"
        @Option(name: .customLong("requests-per-second"), help: "This key's Ashby request budget.") var requestsPerSecond: Double?
        @Option(name: .customLong("max-concurrent-requests"), help: "Most requests to Ashby in flight at once during its syncs (default 16; the cap starts at 4 and adapts).") var maxConcurrentRequests: Int?
        @Option(name: .customLong("token-file"), help: "Its API token file (default <store>/api-token, created on first serve).") var tokenFile: String?

        func run() throws {
            let path = deployment.path
            var d = FileManager.default.fileExists(atPath: path) ? try deployment.load() : AccountsDeployment()
            if d.account(name) != nil { throw CLIError("The deployment \(path) already has an account '\(name)'; remove it first or pick another name.") }
            d.accounts.append(AccountsDeployment.Account(name: name, store: store, keyFile: keyFile, baseURL: baseURL, syncEvery: syncEvery,
                                                         requestsPerSecond: requestsPerSecond, tokenFile: tokenFile,
                                                         simulatorSeed: simulatorSeed, simulatorSize: simulatorSize,
                                                         maxConcurrentRequests: maxConcurrentRequests))
            let problems = d.problems()
            if !problems.isEmpty { throw CLIError("Not added: " + problems.joined(separator: "; ")) }
            if let keyFile {
                do { _ = try APIKey.load(keyFile: AccountsDeployment.resolve(keyFile, relativeTo: path), refuseSharedKeyFile: true) } catch {
                    throw CLIError("Not added: \(error)")
                }
            }
            try d.save(path)
            Terminal.writeOut("added account \(name) to \(path) (\(d.accounts.count) accounts)\n")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an account from the file (its store stays on disk).")
        @OptionGroup var deployment: DeploymentOptions
        @Argument(help: "The account's name.") var name: String

        func run() throws {
            var d = try deployment.load()
            guard let account = d.account(name) else { throw CLIError("The deployment \(deployment.path) has no account '\(name)'.") }
            d.accounts.removeAll { $0.name == name }
            try d.save(deployment.path)
            Terminal.writeOut("removed account \(name) from \(deployment.path); its store \(account.store) was left on disk (delete it yourself once backed up)\n")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each account's store, last sync and key file; exits 1 when any account has a problem.")
        @OptionGroup var deployment: DeploymentOptions

        func run() throws {
            let d = try deployment.load()
            var table = TableRenderer([.init(title: "NAME"), .init(title: "EVENTS", numeric: true), .init(title: "LAST SYNC"),
                                       .init(title: "KEY"), .init(title: "PROBLEM")])
            var troubled = 0
            for a in d.accounts {
                let storePath = AccountsDeployment.resolve(a.store, relativeTo: deployment.path)
                var events = "-", lastSync = "-", key = "-", problem = ""
                if FileManager.default.fileExists(atPath: storePath + "/data.mdb") {
                    do {
                        let store = try LedgerStore.open(directory: storePath)
                        let status = try store.status()
                        events = String(status.eventCount)
                        lastSync = status.lastSyncs.values.map(\.finishedAt).max()?.iso8601 ?? "never"
                    } catch {
                        problem = "store: \(error)"
                    }
                } else {
                    lastSync = "no store yet"
                }
                if let keyFile = a.keyFile {
                    do {
                        let loaded = try APIKey.load(keyFile: AccountsDeployment.resolve(keyFile, relativeTo: deployment.path), refuseSharedKeyFile: true)
                        key = loaded.key.fingerprint
                    } catch {
                        problem += (problem.isEmpty ? "" : "; ") + "key: \(error)"
                    }
                } else {
                    key = "simulator"
                }
                if !problem.isEmpty { troubled += 1 }
                table.append([a.name, events, lastSync, key, problem])
            }
            Terminal.writeOut(table.render() + "\n")
            if troubled > 0 { throw ExitCode(1) }
        }
    }
}

/// The Ashby clients of a deployment's accounts: key-file accounts through the shared transport with
/// their own rate budget; simulator accounts each on an embedded simulator of their own, started here.
struct DeploymentClients {
    var clients: [String: Result<AshbyClient, any Error>] = [:]
    var simulators: [SimulatorServer] = []

    static func make(_ d: AccountsDeployment, path: String, transport: any HTTPTransport) async throws -> DeploymentClients {
        var out = DeploymentClients()
        for a in d.accounts {
            if let seed = a.simulatorSeed {
                guard let size = WorldSize(rawValue: a.simulatorSize ?? "small") else {
                    out.clients[a.name] = .failure(CLIError("simulator_size '\(a.simulatorSize ?? "")' is not tiny, small, medium or large"))
                    continue
                }
                let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: seed, size: size))
                let server = SimulatorServer(simulator: sim)
                let url = try await server.start(host: "127.0.0.1", port: 0)
                out.simulators.append(server)
                out.clients[a.name] = .success(AccountsServer.client(account: a, key: try APIKey(sim.fullAccessKey), baseURL: url, transport: transport))
            } else {
                out.clients[a.name] = AccountsServer.client(for: a, deploymentPath: path, transport: transport)
            }
        }
        return out
    }
}
