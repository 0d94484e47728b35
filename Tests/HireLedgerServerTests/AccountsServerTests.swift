import AshbyAPI
import AshbySimulator
import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerServer
import Hummingbird
import HummingbirdTesting
import Testing

/// Three simulated Ashby accounts (three simulator worlds on loopback) in one `AccountsServer`: each
/// account answers as its own single-store run would, tokens do not cross accounts, and one account's
/// revoked key or damaged store leaves the others syncing and answering.
@Suite(.serialized)
struct AccountsServerTests {
    /// Three worlds, each on its own simulator server, and a deployment naming them.
    final class Worlds: @unchecked Sendable {
        let dir: String
        let sims: [SimulatedAshby]
        let servers: [SimulatorServer]
        let urls: [String]
        let deployment: AccountsDeployment
        let path: String
        let transport: CurlTransport

        init() async throws {
            dir = NSTemporaryDirectory() + "hireledger-accounts-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: dir + "/keys", withIntermediateDirectories: true)
            var sims: [SimulatedAshby] = [], servers: [SimulatorServer] = [], urls: [String] = []
            var accounts: [AccountsDeployment.Account] = []
            for (i, name) in ["acme", "globex", "initech"].enumerated() {
                let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: UInt64(31 + i), size: .tiny))
                let server = SimulatorServer(simulator: sim)
                let url = try await server.start(host: "127.0.0.1", port: 0)
                let keyFile = "keys/\(name).key"
                FileManager.default.createFile(atPath: dir + "/" + keyFile, contents: Data(sim.fullAccessKey.utf8), attributes: [.posixPermissions: 0o600])
                accounts.append(AccountsDeployment.Account(name: name, store: "stores/\(name)", keyFile: keyFile, baseURL: url,
                                                           syncEvery: "1h", requestsPerSecond: 200))
                sims.append(sim); servers.append(server); urls.append(url)
            }
            self.sims = sims
            self.servers = servers
            self.urls = urls
            deployment = AccountsDeployment(maxConcurrentSyncs: 2, accounts: accounts)
            path = dir + "/deployment.toml"
            try deployment.save(path)
            transport = try CurlTransport()
        }

        func server(_ deployment: AccountsDeployment? = nil) throws -> AccountsServer {
            let d = try deployment ?? AccountsDeployment.load(path)
            var clients: [String: Result<AshbyClient, any Error>] = [:]
            for a in d.accounts { clients[a.name] = AccountsServer.client(for: a, deploymentPath: path, transport: transport) }
            return AccountsServer(deployment: d, deploymentPath: path, adminToken: APIToken(adminToken),
                                  options: ServerOptions(port: 0, pollMilliseconds: 20), clients: clients)
        }

        func token(_ name: String) throws -> String {
            try String(contentsOfFile: dir + "/stores/\(name)/api-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func shutdown() async {
            for s in servers { await s.stop() }
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    static let adminToken = "admin-token-0123456789abcdef"
    var adminToken: String { Self.adminToken }

    @Test func theDeploymentFileRoundTripsAndBadOnesAreRefusedClearly() async throws {
        let worlds = try await Worlds()
        defer { Task { await worlds.shutdown() } }
        #expect(try AccountsDeployment.load(worlds.path) == worlds.deployment)
        let broken = worlds.dir + "/broken.toml"
        try "max_concurrent_syncs = 2\n[[accounts]]\nname = \"a b\"\nstore = \"s\"\nsync_every = \"soon\"\n".write(toFile: broken, atomically: true, encoding: .utf8)
        #expect(throws: AccountsDeploymentError.self) { try AccountsDeployment.load(broken) }
        do { _ = try AccountsDeployment.load(broken) } catch {
            #expect(error.description.contains("'a b'") && error.description.contains("sync_every 'soon'") && error.description.contains("needs a key_file"))
        }
        try "[[accounts]\nname = ".write(toFile: broken, atomically: true, encoding: .utf8)
        do { _ = try AccountsDeployment.load(broken); Issue.record("invalid TOML accepted") } catch {
            #expect(error.description.contains("is not valid TOML"))
        }
    }

    @Test func eachAccountAnswersAsItsOwnSingleStoreRun() async throws {
        let worlds = try await Worlds()
        defer { Task { await worlds.shutdown() } }
        let server = try worlds.server()
        await server.syncAllOnce()
        for name in server.names { #expect(server.accounts[name]?.status.syncs == 1, "\(name): \(server.accounts[name]!.statusJSON)") }

        // The same worlds synced into plain single stores.
        var single: [String: LedgerAPI] = [:]
        for (i, name) in ["acme", "globex", "initech"].enumerated() {
            let store = try LedgerStore.open(directory: worlds.dir + "/single-\(name)")
            let client = AshbyClient(baseURL: worlds.urls[i], apiKey: try APIKey(worlds.sims[i].fullAccessKey), transport: worlds.transport)
            _ = try await SyncService(store: store, client: client).sync()
            single[name] = try LedgerAPI(store: store, token: APIToken("single-token-0123456789"))
        }
        let singleAPIs = single
        let app = Application(responder: server.responder())
        try await app.test(.router) { client in
            for name in server.names {
                for query in ["/headcount?by=department", "/pipeline?by=job", "/events?after=0&limit=5"] {
                    let multi = try await client.execute(uri: "/v1/accounts/\(name)\(query)", method: .get,
                                                         headers: [.authorization: "Bearer \(try worlds.token(name))"])
                    #expect(multi.status == .ok, "\(name)\(query): \(String(buffer: multi.body))")
                    let own = Application(router: singleAPIs[name]!.router())
                    try await own.test(.router) { c in
                        let expected = try await c.execute(uri: "/v1\(query)", method: .get, headers: [.authorization: "Bearer single-token-0123456789"])
                        if query.hasPrefix("/events") {
                            // Same changes; ids and observation times are each store's own.
                            let a = try JSONValue.parse(Array(multi.body.readableBytesView))["events"]?.arrayValue?.map { $0.string("type") }
                            let b = try JSONValue.parse(Array(expected.body.readableBytesView))["events"]?.arrayValue?.map { $0.string("type") }
                            #expect(a == b && a?.count == 5)
                        } else {
                            // The same view; only the time of the query differs.
                            var a = try JSONValue.parse(Array(multi.body.readableBytesView)).objectValue
                            var b = try JSONValue.parse(Array(expected.body.readableBytesView)).objectValue
                            a?["evaluatedAt"] = Optional<JSONValue>.none
                            b?["evaluatedAt"] = Optional<JSONValue>.none
                            #expect(a != nil && a == b, "\(name)\(query)")
                        }
                    }
                }
            }
        }
    }

    @Test func aTokenOfOneAccountCannotReadAnother() async throws {
        let worlds = try await Worlds()
        defer { Task { await worlds.shutdown() } }
        let server = try worlds.server()
        await server.syncAllOnce()
        let app = Application(responder: server.responder())
        try await app.test(.router) { client in
            let acme: HTTPFields = [.authorization: "Bearer \(try worlds.token("acme"))"]
            #expect(try await client.execute(uri: "/v1/accounts/acme/headcount", method: .get, headers: acme).status == .ok)
            #expect(try await client.execute(uri: "/v1/accounts/globex/headcount", method: .get, headers: acme).status == .forbidden)
            #expect(try await client.execute(uri: "/v1/accounts/globex/events", method: .get, headers: acme).status == .forbidden)
            #expect(try await client.execute(uri: "/v1/accounts/nobody/events", method: .get, headers: acme).status == .notFound)
            #expect(try await client.execute(uri: "/v1/accounts/globex/events", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/v1/accounts/globex/events", method: .get,
                                             headers: [.authorization: "Bearer not-a-token-of-anyone"]).status == .unauthorized)
            // The account's token lists only itself; the admin token sees all and reads any account.
            let own = try JSONValue.parse(Array(try await client.execute(uri: "/v1/accounts", method: .get, headers: acme).body.readableBytesView))
            #expect(own["accounts"]?.arrayValue?.compactMap { $0.string("name") } == ["acme"])
            let admin: HTTPFields = [.authorization: "Bearer \(adminToken)"]
            let all = try JSONValue.parse(Array(try await client.execute(uri: "/v1/accounts", method: .get, headers: admin).body.readableBytesView))
            #expect(all["accounts"]?.arrayValue?.compactMap { $0.string("name") } == ["acme", "globex", "initech"])
            #expect(try await client.execute(uri: "/v1/accounts/globex/headcount", method: .get, headers: admin).status == .ok)
            // Subscriptions too: one account's webhook list is not another's.
            #expect(try await client.execute(uri: "/v1/accounts/initech/subscriptions", method: .get, headers: acme).status == .forbidden)
        }
    }

    @Test func aRevokedKeyOrADamagedStoreLeavesTheOtherAccountsSyncingAndAnswering() async throws {
        let worlds = try await Worlds()
        defer { Task { await worlds.shutdown() } }
        do {
            let first = try worlds.server()
            await first.syncAllOnce()
            // Nothing of the first server reads the stores any more, so they close when it goes.
            first.shutdown()
        }
        // globex's key is revoked at Ashby; initech's store is damaged on disk.
        worlds.sims[1].revoke(key: worlds.sims[1].fullAccessKey)
        let data = worlds.dir + "/stores/initech/data.mdb"
        let handle = try #require(FileHandle(forWritingAtPath: data))
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 16384))
        try handle.close()
        for sim in worlds.sims { sim.advance(days: 2) }

        let server = try worlds.server()
        #expect(server.accounts["initech"]?.failure?.contains("cannot be opened") == true)
        await server.syncAllOnce()
        let acme = try #require(server.accounts["acme"]), globex = try #require(server.accounts["globex"])
        #expect(acme.status.syncs == 1 && acme.status.lastError == nil)
        #expect(globex.status.syncs == 0 && globex.status.consecutiveFailures == 1)
        #expect(globex.status.lastError?.isEmpty == false)
        #expect(!(globex.status.lastError ?? "").contains(worlds.sims[1].fullAccessKey))
        let app = Application(responder: server.responder())
        try await app.test(.router) { client in
            let ok = try await client.execute(uri: "/v1/accounts/acme/events?after=0&limit=1", method: .get,
                                              headers: [.authorization: "Bearer \(try worlds.token("acme"))"])
            #expect(ok.status == .ok)
            // globex still answers from what it has.
            let stale = try await client.execute(uri: "/v1/accounts/globex/headcount", method: .get,
                                                 headers: [.authorization: "Bearer \(try worlds.token("globex"))"])
            #expect(stale.status == .ok)
            let damaged = try await client.execute(uri: "/v1/accounts/initech/headcount", method: .get,
                                                   headers: [.authorization: "Bearer \(adminToken)"])
            #expect(damaged.status == .serviceUnavailable)
            #expect(String(buffer: damaged.body).contains("other accounts are not affected"))
            let health = try JSONValue.parse(Array(try await client.execute(uri: "/healthz", method: .get).body.readableBytesView))
            #expect(health["unavailable"]?.arrayValue?.compactMap(\.stringValue) == ["initech"])
        }
    }
}
