import CurlHTTP
import Foundation
import HireLedger
import HireLedgerServer
import NATSClient

extension ServeCommand {
    /// `serve --deployment FILE`: every account of the file in this process (`AccountsServer`).
    func runDeployment(_ path: String) async throws {
        let deployment: AccountsDeployment
        do { deployment = try AccountsDeployment.load(path) } catch { throw CLIError(error.description) }
        let options = ServerOptions(host: host, port: port, tokenFile: adminTokenFile ?? deployment.adminTokenFile ?? "admin-token",
                                    heartbeatSeconds: heartbeat, pollMilliseconds: pollMilliseconds)
        do { try options.validate() } catch { throw CLIError(error.description) }
        let adminPath = AccountsDeployment.resolve(adminTokenFile ?? deployment.adminTokenFile ?? "admin-token", relativeTo: path)
        let admin: APIToken
        do {
            let (t, created) = try APIToken.loadOrCreate(at: adminPath)
            admin = t
            if created { Terminal.writeError("Created a new admin token in \(adminPath) (mode 0600).\n") }
        } catch {
            throw CLIError(error.description)
        }
        var natsURL: NATSURL?
        if let publishNATS { natsURL = try PublishCommand.natsURL(option: publishNATS == "env" ? nil : publishNATS, file: nil) }
        let damaged = skipStoreCheck ? [:] : try await StoreChecks.run(deployment, path: path)
        CrashBoundary.deploymentOpened(path: path)
        // Enough connections for every account's concurrent requests at once (libcurl queues the rest).
        let perAccount = deployment.accounts.map { $0.maxConcurrentRequests ?? SyncOptions.defaultMaxConcurrentRequests }.max() ?? 1
        let transport = try CurlTransport(configuration: CurlTransport.Configuration(
            maximumConnectionsPerHost: max(8, perAccount * max(1, deployment.maxConcurrentSyncs))))
        let made = try await DeploymentClients.make(deployment, path: path, transport: transport)
        let server = AccountsServer(deployment: deployment, deploymentPath: path, adminToken: admin, options: options, clients: made.clients,
                                    damagedStores: damaged)
        for name in server.names {
            if let failure = server.accounts[name]?.failure { Terminal.writeError("account \(name) is unavailable: \(failure)\n") }
        }
        if let natsURL { try await startPublishers(server, url: natsURL) }
        let app = server.application(onListening: { port in
            let shownHost = host.contains(":") ? "[\(host)]" : host
            Terminal.writeError("""
                HireLedger API for \(deployment.accounts.count) accounts on http://\(shownHost):\(port) (deployment \(path)).
                Each account under /v1/accounts/<name>/ with its own token (<store>/api-token), or the admin token in \(adminPath).
                Planner page: http://\(shownHost):\(port)/ (sign in with an account's token or the admin token; pick the account on the page).
                Syncs: each account on its schedule, at most \(deployment.maxConcurrentSyncs) at once. Ctrl-C stops.

                """)
        })
        try await app.runService()
        for s in made.simulators { await s.stop() }
    }

    /// One `JetStreamPublisher` per available account, each on its own task from the cursor kept in that
    /// account's store, to subjects `hireledger.<account>.<event type>` of the one stream
    /// (`JetStreamPublisherOptions.defaultStream`), woken when the account's log watcher sees new
    /// events. One account's publisher failing (a stream it may not use) stops that account's
    /// publishing only; a lost server is retried by each publisher on its own. A damaged (unavailable)
    /// account publishes nothing.
    private func startPublishers(_ server: AccountsServer, url: NATSURL) async throws {
        var publishers: [(String, JetStreamPublisher)] = []
        for name in server.names {
            guard let api = server.accounts[name]?.api else { continue }
            let options = JetStreamPublisherOptions(account: name)
            let problems = options.problems()
            if !problems.isEmpty { throw CLIError("account \(name): " + problems.joined(separator: "; ")) }
            let publisher = JetStreamPublisher(store: api.store, url: url, options: options, pollInterval: Double(pollMilliseconds) / 1000) { line in
                Terminal.writeError("hireledger serve: publish \(name): \(line)\n")
            }
            api.watcher.onAdvance { _ in publisher.wake() }
            publishers.append((name, publisher))
        }
        // The accounts' subjects go into the shared stream one after the other before any publisher
        // starts: JetStream replaces a subject list whole, so publishers extending it at once could lose one.
        do { try await JetStreamPublisher.prepareStream(for: publishers.map(\.1)) } catch {
            Terminal.writeError("hireledger serve: could not prepare stream \(JetStreamPublisherOptions.defaultStream) at \(url.redacted) yet (\(error)); "
                + "each account's publisher retries on its own\n")
        }
        for (name, publisher) in publishers {
            Task.detached {
                do { try await publisher.run() } catch is CancellationError {} catch {
                    Terminal.writeError("hireledger serve: publishing account \(name) to NATS stopped: \(error)\n")
                }
            }
        }
        Terminal.writeError("Publishing each account's log to \(url.redacted), stream \(JetStreamPublisherOptions.defaultStream), "
            + "subjects \(JetStreamPublisherOptions.defaultSubjectPrefix).<account>.<event type>.\n")
    }
}

/// The check each account's store passes before `serve --deployment` opens it: `hireledger verify`'s
/// whole walk, in a child process (`VerifyChild`).
///
/// Why a check before opening, rather than reading every account through a child process: liblmdb can
/// fault (SIGSEGV, SIGBUS) on a damaged page, and a fault ends the process, every account with it
/// (`CrashBoundary` can only end it with a clear message). The walk reads every page the server could
/// read, so a damage present at start either crashes the child (a finding) or is reported by it, and
/// the store is kept out of service (`AccountsServer`'s `damagedStores`: its routes answer 503 with
/// the way out) while the others are served. Reading each account through a child process would also
/// cover damage that appears later, but would put a process hop on every request and sync page; that
/// risk (a disk going bad under a running server) is left to the crash boundary's message and a
/// restart, which checks again. The cost is one walk per store at start, as many at once as there
/// are cores (`--skip-store-check` leaves it out).
enum StoreChecks {
    /// The findings of each account whose store exists and is not clean, by account name.
    static func run(_ deployment: AccountsDeployment, path: String) async throws -> [String: [String]] {
        var pending: [(name: String, store: String)] = []
        for account in deployment.accounts {
            let store = AccountsDeployment.resolve(account.store, relativeTo: path)
            if FileManager.default.fileExists(atPath: (store as NSString).appendingPathComponent("data.mdb")) {
                pending.append((account.name, store))
            }
        }
        guard !pending.isEmpty else { return [:] }
        let width = max(1, min(ProcessInfo.processInfo.activeProcessorCount, pending.count))
        Terminal.writeError("Checking \(pending.count) store\(pending.count == 1 ? "" : "s") before serving them (hireledger verify, \(width) at once; "
            + "a damaged store is kept out of service)...\n")
        let started = Date()
        let results = try await withThrowingTaskGroup(of: [(String, VerifyChild.Outcome)].self) { group in
            for lane in 0..<width {
                let mine = stride(from: lane, to: pending.count, by: width).map { pending[$0] }
                group.addTask { try await checkOnAThread(mine) }
            }
            var all: [String: VerifyChild.Outcome] = [:]
            for try await part in group { for (name, outcome) in part { all[name] = outcome } }
            return all
        }
        var damaged: [String: [String]] = [:]
        for (name, store) in pending {
            guard let outcome = results[name], !outcome.clean else { continue }
            let findings = outcome.findings.isEmpty ? ["verify failed without a finding"] : outcome.findings
            damaged[name] = findings
            Terminal.writeError("account \(name): the store at \(store) is damaged and stays out of service "
                + "(restore it, or `hireledger verify --salvage NEW_DIR --store \(store)`):\n"
                + findings.prefix(5).map { "  - \($0)\n" }.joined())
        }
        Terminal.writeError(String(format: "Checked %d stores in %.1f s.\n", pending.count, Date().timeIntervalSince(started)))
        return damaged
    }

    /// Verifies `stores` one after the other on a thread of their own (waiting for a child process
    /// blocks), handing the outcomes back to the awaiting task.
    private static func checkOnAThread(_ stores: [(name: String, store: String)]) async throws -> [(String, VerifyChild.Outcome)] {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                do {
                    continuation.resume(returning: try stores.map { ($0.name, try VerifyChild.run(store: $0.store)) })
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
    }
}
