import Synchronization
import AshbyAPI
import Foundation
import HireLedger
import HireLedgerCore
import Hummingbird
import Logging
import ServiceLifecycle

/// `hireledger serve --deployment FILE`: every account of a deployment in one process. Each account has
/// its own store, its own `LedgerAPI` (mounted at `/v1/accounts/<name>/...`, the single-store routes
/// after the prefix), its own bearer token, its own Ashby client with its own rate budget, and its own
/// sync schedule; at most `max_concurrent_syncs` syncs run at once.
///
/// Isolation: an account whose store cannot be opened (damaged, wrong format) or whose client cannot be
/// made (unreadable key) is kept as unavailable with the reason (its routes answer 503, `/v1/accounts`
/// shows why); a failing sync (revoked key, rate limit, server errors) is recorded in that account's
/// status and retried at its next slot. Nothing of one account is shared with another but the
/// process, the HTTP transport and the sync slots.
///
/// Tokens: an account's token reads only that account (403 on another account's routes, 404 for a
/// name that does not exist); the admin token reads every account and `/v1/accounts`.
public final class AccountsServer: Sendable {
    public let deployment: AccountsDeployment
    public let adminToken: APIToken
    public let options: ServerOptions
    /// By account name, in deployment order in `names`.
    public let accounts: [String: AccountRuntime]
    public let names: [String]
    private let slots: SyncSlots

    /// Opens every account. Never throws for one account's trouble: that account is unavailable.
    ///
    /// - Parameters:
    ///   - deploymentPath: the file's path (relative stores, key and token files are resolved against it).
    ///   - clients: the Ashby client of each account, or why there is none (built by the caller, which
    ///     knows about key files and simulators).
    public init(deployment: AccountsDeployment, deploymentPath: String, adminToken: APIToken, options: ServerOptions,
                clients: [String: Result<AshbyClient, any Error>]) {
        self.deployment = deployment
        self.adminToken = adminToken
        self.options = options
        slots = SyncSlots(deployment.maxConcurrentSyncs)
        var accounts: [String: AccountRuntime] = [:]
        for config in deployment.accounts {
            let client = clients[config.name] ?? .failure(AccountsDeploymentError(path: deploymentPath, "gives account \(config.name) no client"))
            accounts[config.name] = AccountRuntime(config: config, deploymentPath: deploymentPath, options: options, client: client)
        }
        self.accounts = accounts
        names = deployment.accounts.map(\.name)
    }

    /// Syncs every available account once, at most `max_concurrent_syncs` at a time; returns when all
    /// are done. One account's failure is recorded in its status and does not stop the others.
    /// Stops every account's background work on its store (log watcher, view folds) and waits for
    /// the folds to end, so the stores can be closed, replaced or repaired.
    public func shutdown() {
        for account in accounts.values {
            account.api?.watcher.close()
            account.api?.views.close()
        }
    }

    public func syncAllOnce() async {
        await withTaskGroup(of: Void.self) { group in
            for name in names {
                guard let account = accounts[name] else { continue }
                group.addTask { await self.slots.run { await account.syncOnce() } }
            }
        }
    }

    /// Runs each account's schedule until cancelled: a first sync at start, then one every `sync_every`
    /// (measured from the start of the previous one), waiting for a free slot when all are taken.
    public func runSchedules() async {
        await withTaskGroup(of: Void.self) { group in
            for name in names {
                guard let account = accounts[name], let interval = account.config.syncInterval else { continue }
                group.addTask {
                    while !Task.isCancelled {
                        let started = Date()
                        await self.slots.run { await account.syncOnce() }
                        let wait = interval - Date().timeIntervalSince(started)
                        if wait > 0 { try? await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
                    }
                }
            }
        }
    }

    /// The HTTP side: `/healthz`, `/v1/accounts`, `/v1/accounts/<name>/status` and every single-store
    /// route under `/v1/accounts/<name>`.
    public func responder() -> AccountsResponder { AccountsResponder(server: self) }

    /// A server answering for every account, with the schedules and each account's log watcher running
    /// beside it; graceful shutdown ends them with the server.
    public func application(onListening: @escaping @Sendable (Int) async -> Void = { _ in }, logger: Logger? = nil,
                            runSchedules: Bool = true) -> some ApplicationProtocol {
        var log = logger ?? Logger(label: "hireledger.serve")
        if logger == nil { log.logLevel = .warning }
        var services: [any Service] = names.compactMap { accounts[$0]?.api?.watcher }
        if runSchedules { services.append(ScheduleService(server: self)) }
        return Application(responder: responder(),
                           configuration: ApplicationConfiguration(address: .hostname(options.host, port: options.port),
                                                                   serverName: "hireledger"),
                           services: services,
                           onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
                           logger: log)
    }

    /// Who a request's bearer token is.
    enum Caller: Equatable {
        case admin
        case account(String)
    }

    func caller(_ request: Request) throws -> Caller {
        guard let header = request.headers[.authorization] else {
            throw APIProblem(.unauthorized, "Unauthorized", detail: "This endpoint needs `Authorization: Bearer <token>`: the account's token, or the deployment's admin token.",
                             headers: [.wwwAuthenticate: "Bearer realm=\"hireledger\""])
        }
        let prefix = "bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix else {
            throw APIProblem(.unauthorized, "Unauthorized", detail: "The Authorization header must use the Bearer scheme.",
                             headers: [.wwwAuthenticate: "Bearer realm=\"hireledger\", error=\"invalid_request\""])
        }
        let presented = Array(header.utf8.dropFirst(prefix.count))
        if adminToken.matches(presented) { return .admin }
        // Every account's token is compared (constant time each), so timing does not tell which matched.
        var found: String?
        for name in names {
            if let token = accounts[name]?.token, token.matches(presented) { found = name }
        }
        if let found { return .account(found) }
        throw APIProblem(.unauthorized, "Unauthorized", detail: "The bearer token is not valid for this server.",
                         headers: [.wwwAuthenticate: "Bearer realm=\"hireledger\", error=\"invalid_token\""])
    }
}

/// Serves `AccountsServer`'s routes (see there).
public struct AccountsResponder: HTTPResponder {
    public typealias Context = BasicRequestContext
    let server: AccountsServer

    public func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        // Not a router, so errors are turned into their problem responses here (a router does it for
        // the accounts' own routes).
        do {
            return try await route(request, context: context)
        } catch let error as any HTTPResponseError {
            return try error.response(from: request, context: context)
        }
    }

    private func route(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let path = request.uri.path
        if path == "/healthz" {
            let unavailable = server.names.filter { server.accounts[$0]?.api == nil }
            return Self.json(["status": "ok", "accounts": JSONValue(server.names.count),
                              "unavailable": .array(unavailable.map { .string($0) })])
        }
        let prefix = "/v1/accounts"
        guard path == prefix || path.hasPrefix(prefix + "/") else {
            throw APIProblem.notFound("No route \(path). With --deployment every account is under /v1/accounts/<name>/... (GET /v1/accounts lists them).")
        }
        let caller = try server.caller(request)
        let rest = path.dropFirst(prefix.count).drop { $0 == "/" }
        if rest.isEmpty {
            guard request.method == .get else { throw APIProblem(.methodNotAllowed, "Method not allowed", detail: "Only GET \(prefix).") }
            let visible = server.names.filter { caller == .admin || caller == .account($0) }
            return Self.json(["accounts": .array(visible.compactMap { server.accounts[$0]?.statusJSON })])
        }
        let name = String(rest.prefix { $0 != "/" })
        let tail = String(rest.dropFirst(name.count))
        guard let account = server.accounts[name] else {
            throw APIProblem.notFound("There is no account '\(name)' in this deployment.")
        }
        if case .account(let own) = caller, own != name {
            throw APIProblem(.forbidden, "Forbidden", detail: "This token belongs to another account; it reads only its own account's routes.")
        }
        if tail == "/status" || tail == "/status/" {
            return Self.json(account.statusJSON)
        }
        guard let responder = account.responder else {
            throw APIProblem(.serviceUnavailable, "Account unavailable", detail: "Account '\(name)' is unavailable: \(account.failure ?? "unknown reason"). The other accounts are not affected.")
        }
        // Into the account's own API: the path without the account prefix, and the API's in-process token
        // in place of the caller's (checked above; an admin's token is not the account's).
        var head = request.head
        let query = request.uri.query.map { "?" + $0 } ?? ""
        head.path = "/v1" + tail + query
        head.headerFields[.authorization] = "Bearer " + account.internalToken
        return try await responder.respond(to: Request(head: head, body: request.body), context: context)
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.canonicalBytes())))
    }
}

/// Runs `AccountsServer.runSchedules()` as a service of the application.
struct ScheduleService: Service {
    let server: AccountsServer
    func run() async throws {
        // The schedules end (a running sync is cancelled; its store keeps what it committed) at shutdown.
        await cancelWhenGracefulShutdown { await server.runSchedules() }
    }
}

/// At most N syncs at once: `run` waits for a free slot, FIFO.
final class SyncSlots: Sendable {
    private let state: Mutex<(free: Int, waiters: [CheckedContinuation<Void, Never>])>

    init(_ count: Int) {
        precondition(count >= 1, "at least one sync slot")
        state = Mutex((count, []))
    }

    func run<R: Sendable>(_ body: () async -> R) async -> R {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.free > 0 { s.free -= 1; return true }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
        let result = await body()
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty { s.free += 1; return nil }
            return s.waiters.removeFirst()
        }
        next?.resume()
        return result
    }
}
