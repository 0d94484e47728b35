import CurlHTTP
import Foundation
import HireLedger
import HireLedgerServer

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
        // Enough connections for every account's concurrent requests at once (libcurl queues the rest).
        let perAccount = deployment.accounts.map { $0.maxConcurrentRequests ?? SyncOptions.defaultMaxConcurrentRequests }.max() ?? 1
        let transport = try CurlTransport(configuration: CurlTransport.Configuration(
            maximumConnectionsPerHost: max(8, perAccount * max(1, deployment.maxConcurrentSyncs))))
        let made = try await DeploymentClients.make(deployment, path: path, transport: transport)
        let server = AccountsServer(deployment: deployment, deploymentPath: path, adminToken: admin, options: options, clients: made.clients)
        for name in server.names {
            if let failure = server.accounts[name]?.failure { Terminal.writeError("account \(name) is unavailable: \(failure)\n") }
        }
        let app = server.application(onListening: { port in
            let shownHost = host.contains(":") ? "[\(host)]" : host
            Terminal.writeError("""
                HireLedger API for \(deployment.accounts.count) accounts on http://\(shownHost):\(port) (deployment \(path)).
                Each account under /v1/accounts/<name>/ with its own token (<store>/api-token), or the admin token in \(adminPath).
                Syncs: each account on its schedule, at most \(deployment.maxConcurrentSyncs) at once. Ctrl-C stops.

                """)
        })
        try await app.runService()
        for s in made.simulators { await s.stop() }
    }
}
