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
/// A damaged store is the one failure that could cross accounts: liblmdb follows page numbers and
/// offsets it does not check, so a read of a damaged page can fault (SIGSEGV/SIGBUS) and the fault
/// ends the process, every account with it. The caller therefore verifies each existing store before
/// it is opened, in a child process where such a crash ends only the child (`hireledger serve
/// --deployment` runs `hireledger verify`'s walk; see `ServeCommand.checkStores`), and passes the
/// stores found damaged as `damagedStores`: those are never opened here and their routes answer a 503
/// problem naming the damage and the way out. A damage that appears after the check (a disk fault
/// under a running server) is not covered: reading every account through a child process would cover
/// it, at the price of a process hop on every request and every sync page, which this design refuses.
///
/// Tokens: an account's token reads only that account (403 on another account's routes, 404 for a
/// name that does not exist); the admin token reads every account and `/v1/accounts`. The planner
/// page (`/`) signs in with either: its session cookie stands for the token it was made from (the
/// account's, or the admin's), so the page's account picker lists what that token may read.
public final class AccountsServer: Sendable {
    public let deployment: AccountsDeployment
    public let adminToken: APIToken
    public let options: ServerOptions
    /// By account name, in deployment order in `names`.
    public let accounts: [String: AccountRuntime]
    public let names: [String]
    private let slots: SyncSlots
    /// The planner page's assets, read once and shared by every account.
    let plannerAssets: PlannerAssets
    /// The planner session of the admin token and of each account's token (`PlannerSession`).
    let sessions: [(caller: Caller, session: PlannerSession)]

    /// Opens every account. Never throws for one account's trouble: that account is unavailable.
    ///
    /// - Parameters:
    ///   - deploymentPath: the file's path (relative stores, key and token files are resolved against it).
    ///   - clients: the Ashby client of each account, or why there is none (built by the caller, which
    ///     knows about key files and simulators).
    ///   - damagedStores: by account name, the findings of a check run before opening (see the type's
    ///     doc): those stores are not opened and their accounts are unavailable.
    public init(deployment: AccountsDeployment, deploymentPath: String, adminToken: APIToken, options: ServerOptions,
                clients: [String: Result<AshbyClient, any Error>], damagedStores: [String: [String]] = [:],
                plannerAssets: PlannerAssets = PlannerAssets.load()) {
        self.deployment = deployment
        self.adminToken = adminToken
        self.options = options
        self.plannerAssets = plannerAssets
        slots = SyncSlots(deployment.maxConcurrentSyncs)
        var accounts: [String: AccountRuntime] = [:]
        for config in deployment.accounts {
            let client = clients[config.name] ?? .failure(AccountsDeploymentError(path: deploymentPath, "gives account \(config.name) no client"))
            accounts[config.name] = AccountRuntime(config: config, deploymentPath: deploymentPath, options: options, client: client,
                                                   damage: damagedStores[config.name], plannerAssets: plannerAssets)
        }
        self.accounts = accounts
        names = deployment.accounts.map(\.name)
        var sessions: [(Caller, PlannerSession)] = [(.admin, PlannerSession(token: adminToken))]
        for name in names {
            if let token = accounts[name]?.token { sessions.append((.account(name), PlannerSession(token: token))) }
        }
        self.sessions = sessions
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
            // The planner page's cookie, for safe methods only (as in a single-store server).
            if let found = sessionCaller(request), request.method == .get || request.method == .head { return found }
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

    /// Whose planner session cookie the request carries (every session compared, in constant time each).
    func sessionCaller(_ request: Request) -> Caller? {
        var found: Caller?
        for (caller, session) in sessions where session.isPresent(in: request) { found = caller }
        return found
    }

    /// Whose token `presented` is: the admin's or an account's.
    func tokenCaller(_ presented: [UInt8]) -> Caller? {
        var found: Caller? = adminToken.matches(presented) ? .admin : nil
        for name in names {
            if let token = accounts[name]?.token, token.matches(presented) { found = found ?? .account(name) }
        }
        return found
    }

    func session(for caller: Caller) -> PlannerSession? { sessions.first { $0.caller == caller }?.session }
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
        if let page = try await plannerPage(request, path: path) { return page }
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
        guard let responder = account.responder else { throw account.unavailableProblem }
        // Into the account's own API: the path without the account prefix, and the API's in-process token
        // in place of the caller's (checked above; an admin's token is not the account's).
        var head = request.head
        let query = request.uri.query.map { "?" + $0 } ?? ""
        head.path = "/v1" + tail + query
        head.headerFields[.authorization] = "Bearer " + account.internalToken
        return try await responder.respond(to: Request(head: head, body: request.body), context: context)
    }

    /// The planner page and its login, logout and assets, as in a single-store server (`LedgerAPI`'s
    /// planner routes), but signed in with the admin token or an account's token; the page is marked
    /// as a deployment's (`data-deployment` on its body) so its script offers the account picker and
    /// reads `/v1/accounts/<name>/...`. Nil for every other path.
    private func plannerPage(_ request: Request, path: String) async throws -> Response? {
        switch (request.method, path) {
        case (.get, "/"), (.head, "/"):
            guard server.sessionCaller(request) != nil else { return LedgerAPI.redirect("/login") }
            return Response(status: .ok, headers: LedgerAPI.pageHeaders, body: ResponseBody(byteBuffer: ByteBuffer(string: Self.pageHTML)))
        case (.get, "/login"), (.head, "/login"):
            return Response(status: .ok, headers: LedgerAPI.pageHeaders,
                            body: ResponseBody(byteBuffer: ByteBuffer(string: PlannerAssets.loginHTML(error: nil))))
        case (.post, "/login"):
            let body = try await request.body.collect(upTo: 4096)
            let presented = LedgerAPI.formValue("token", in: String(buffer: body)) ?? ""
            guard !presented.isEmpty, let caller = server.tokenCaller(Array(presented.utf8)), let session = server.session(for: caller) else {
                return Response(status: .unauthorized, headers: LedgerAPI.pageHeaders,
                                body: ResponseBody(byteBuffer: ByteBuffer(string: PlannerAssets.loginHTML(
                                    error: "That is neither an account's token nor the admin token of this deployment. An account's token is in <store>/api-token, the admin token in the file `hireledger serve --deployment` named when it started."))))
            }
            var response = LedgerAPI.redirect("/")
            response.headers[.setCookie] = session.setCookie
            return response
        case (.post, "/logout"):
            var response = LedgerAPI.redirect("/login")
            response.headers[.setCookie] = PlannerSession.clearCookie
            return response
        case (.get, _) where path.hasPrefix("/assets/"), (.head, _) where path.hasPrefix("/assets/"):
            let name = String(path.dropFirst("/assets/".count))
            guard let asset = server.plannerAssets.asset(name) else { throw APIProblem.notFound("No planner asset named '\(name)'.") }
            return Response(status: .ok, headers: [.contentType: asset.contentType, LedgerAPI.nosniff: "nosniff", .cacheControl: "no-cache"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes)))
        default:
            return nil
        }
    }

    /// The planner page marked as a deployment's.
    static let pageHTML = PlannerAssets.pageHTML.replacingOccurrences(of: "<body>", with: "<body data-deployment=\"1\">")

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
