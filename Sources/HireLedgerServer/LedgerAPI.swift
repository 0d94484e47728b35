import HireLedger
import HireLedgerCore
import Hummingbird
import Logging
import ServiceLifecycle

/// The HTTP API of one store (`hireledger serve`): the event feed (paged and SSE), the views on both
/// time axes, one record's state, webhook subscriptions, health and metrics, and (with `webhooks`)
/// the webhook dispatcher beside the server. Routes and bodies: `schemas/api/openapi.json`.
///
/// Everything except `/healthz` and `/metrics` needs `Authorization: Bearer <token>`.
/// Build one per store and process; `router()` may be called more than once (tests build several).
/// Every store read is a short synchronous transaction between awaits.
public struct LedgerAPI: Sendable {
    public let store: LedgerStore
    public let token: APIToken
    public let options: ServerOptions
    /// Wakes SSE streams when the log grows; run it as a service (`application()` does).
    public let watcher: LogWatcher
    public let metrics: ServerMetrics
    public let views: ViewStates
    /// Webhook subscriptions (`/v1/subscriptions`); served whether or not this process delivers.
    public let subscriptions: SubscriptionStore
    /// The dispatcher `application()` runs, woken when the watcher sees new events; nil: no
    /// deliveries from this process (`serve --no-webhooks`, or `hireledger deliver` does them).
    public let webhooks: WebhookDeliveries?
    public let frames: SSEFrameCache
    /// The CloudEvents `source` of every event served.
    public let source: String
    /// Scheduled syncs in this process (`serve --sync-every`), run beside the server; nil: none.
    public let syncSchedule: SyncScheduler?
    /// The planner page's assets, read once (Chart.js from the Debian package).
    public let plannerAssets: PlannerAssets

    public init(store: LedgerStore, token: APIToken, options: ServerOptions = ServerOptions(),
                webhooks: WebhookDeliveries? = nil, syncSchedule: SyncScheduler? = nil,
                plannerAssets: PlannerAssets = PlannerAssets.load()) throws {
        self.syncSchedule = syncSchedule
        self.plannerAssets = plannerAssets
        self.store = store
        self.token = token
        self.options = options
        source = options.eventSource ?? "urn:hireledger:store:\(store.storeId)"
        watcher = try LogWatcher(store: store, pollInterval: .milliseconds(options.pollMilliseconds))
        metrics = webhooks?.metrics ?? ServerMetrics()
        views = ViewStates(store: store, watcher: watcher)
        frames = SSEFrameCache(store: store, source: source)
        subscriptions = try webhooks?.subscriptions ?? SubscriptionStore(store: store, addressPolicy: options.webhookAddressPolicy)
        self.webhooks = webhooks
        if let webhooks {
            watcher.onAdvance { _ in webhooks.wake() }
        }
        StoreMetrics.register(on: metrics, store: store, views: views, watcher: watcher)
        if let syncSchedule { syncSchedule.registerMetrics(on: metrics) }
    }

    /// The routes, every one listed in `LedgerAPI.routes`.
    public func router() -> Router<BasicRequestContext> {
        // HEAD is answered on every GET route (the GET's headers, no body).
        let router = Router<BasicRequestContext>(options: .autoGenerateHeadEndpoints)
        // Middleware applies to routes added after it: metrics first (all routes), auth after the open ones.
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        // Inside the metrics (which then count the 503): damage becomes a problem document, not a plain 500.
        router.add(middleware: StoreDamageMiddleware(storePath: store.path))
        router.get("/healthz") { _, _ in try self.health() }
        router.get("/metrics") { _, _ in try self.metricsResponse() }
        // Known paths answer other methods with 405 and `Allow` (before auth: the allowed methods are public).
        for (path, allowed) in Self.allowedMethods {
            let allow = allowed.joined(separator: ", ")
            for method in [HTTPRequest.Method.get, .head, .post, .put, .patch, .delete, .options, .trace, .connect,
                           HTTPRequest.Method("QUERY")!]
            where !allowed.contains(method.rawValue) {
                router.on(RouterPath(path), method: method) { request, _ -> Response in
                    throw APIProblem(.methodNotAllowed, "Method not allowed",
                                     detail: "\(request.method.rawValue) is not supported on \(path); use \(allow).",
                                     headers: [.allow: allow])
                }
            }
        }
        addPlannerPageRoutes(to: router) // the page and its login check the session themselves
        router.add(middleware: BearerAuthMiddleware(token: token))
        addPlannerDataRoutes(to: router)
        router.get("/v1/events") { request, _ in try self.eventsPage(request) }
        router.get("/v1/events/stream") { request, _ in try self.eventStream(request) }
        router.get("/v1/headcount") { request, _ in try await self.headcount(request) }
        router.get("/v1/pipeline") { request, _ in try await self.pipeline(request) }
        router.get("/v1/changes") { request, _ in try await self.changes(request) }
        router.get("/v1/state/{kind}/{id}") { request, context in try self.state(request, context) }
        router.post("/v1/subscriptions") { request, _ in try await self.createSubscription(request) }
        router.get("/v1/subscriptions") { request, _ in try self.listSubscriptions(request) }
        router.get("/v1/subscriptions/{id}") { _, context in try self.getSubscription(context) }
        router.patch("/v1/subscriptions/{id}") { request, context in try await self.updateSubscription(request, context) }
        router.delete("/v1/subscriptions/{id}") { _, context in try self.deleteSubscription(context) }
        router.post("/v1/subscriptions/{id}/replay") { request, context in try await self.replaySubscription(request, context) }
        router.post("/v1/subscriptions/{id}/rotate") { request, context in try await self.rotateSubscriptionSecret(request, context) }
        router.get("/v1/subscriptions/{id}/failures") { request, context in try self.subscriptionFailures(request, context) }
        router.post("/v1/erasures") { request, _ in try await self.createErasure(request) }
        return router
    }

    /// Method and path template of every route `router()` serves (the OpenAPI test checks each is documented).
    public static let routes: [(method: String, path: String)] = [
        ("get", "/healthz"), ("get", "/metrics"), ("get", "/v1/events"), ("get", "/v1/events/stream"),
        ("get", "/v1/headcount"), ("get", "/v1/pipeline"), ("get", "/v1/changes"), ("get", "/v1/state/{kind}/{id}"),
        ("post", "/v1/subscriptions"), ("get", "/v1/subscriptions"), ("get", "/v1/subscriptions/{id}"),
        ("patch", "/v1/subscriptions/{id}"), ("delete", "/v1/subscriptions/{id}"), ("post", "/v1/subscriptions/{id}/replay"),
        ("post", "/v1/subscriptions/{id}/rotate"), ("get", "/v1/subscriptions/{id}/failures"),
        ("post", "/v1/erasures"),
    ] + plannerRoutes

    /// Each route path with the methods it answers (GET paths answer HEAD too), for 405 `Allow`.
    static var allowedMethods: [(String, [String])] {
        var byPath: [(String, [String])] = []
        for (method, path) in routes {
            let m = method.uppercased()
            let extra = m == "GET" ? ["GET", "HEAD"] : [m]
            if let i = byPath.firstIndex(where: { $0.0 == path }) { byPath[i].1 += extra } else { byPath.append((path, extra)) }
        }
        return byPath.map { ($0.0, $0.1.sorted()) }
    }

    /// A server for this API on `options.host:options.port`, running the log watcher (and the webhook
    /// dispatcher, if any) beside it; graceful shutdown ends them with the server.
    /// `onListening` gets the bound port (useful with port 0).
    public func application(onListening: @escaping @Sendable (Int) async -> Void = { _ in },
                            logger: Logger? = nil) -> some ApplicationProtocol {
        var log = logger ?? Logger(label: "hireledger.serve")
        if logger == nil { log.logLevel = .warning }
        return Application(router: router(),
                           configuration: ApplicationConfiguration(address: .hostname(options.host, port: options.port),
                                                                   serverName: "hireledger"),
                           services: [watcher] + (webhooks.map { [$0] } ?? []) + (syncSchedule.map { [$0] } ?? []),
                           onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
                           logger: log)
    }

    // MARK: - Handlers

    func health() throws -> Response {
        do {
            let last = try store.lastPosition
            return json(["status": "ok", "storeId": .string(store.storeId), "lastSeq": JSONValue(last.value)])
        } catch {
            return json(["status": "unavailable", "storeId": .string(store.storeId), "error": .string(String(describing: error))],
                        status: .serviceUnavailable)
        }
    }

    /// The exposition text; a store that cannot be read answers 500 with a problem naming the error
    /// (a scraper then records the scrape as failed), never figures of zero.
    func metricsResponse() throws -> Response {
        let text: String
        do {
            text = try metrics.render()
        } catch {
            if let problem = StoreDamageProblem.problem(for: error, storePath: store.path) { throw problem }
            throw APIProblem(.internalServerError, "Metrics unavailable",
                             detail: "reading the store for /metrics failed: \(error). Check the store with 'hireledger status'.")
        }
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    func eventsPage(_ request: Request) throws -> Response {
        let q = QueryParameters(request)
        try q.allowOnly(["after", "types", "entity", "limit"])
        let after = try q.position("after") ?? .none
        let types = try q.typeFilter("types")
        let entity = try q.entity("entity")
        let limit = try q.integer("limit", in: 1...10_000) ?? 1000
        let last = try store.lastPosition
        let events = try store.events(after: after, limit: limit, types: types, entity: entity)
        let next: JSONValue = events.count == limit ? JSONValue(events.last!.seq.value) : .null
        return json(["events": .array(events.map { $0.cloudEvent(source: source) }), "next": next,
                     "lastSeq": JSONValue(max(last, events.last?.seq ?? .none).value)])
    }

    func headcount(_ request: Request) async throws -> Response {
        let q = QueryParameters(request)
        try q.allowOnly(["by", "interval", "from", "to", "as_of", "known_at", "format"])
        let format = try ViewFormat.of(request, q)
        var dims: [HeadcountQuery.Dimension] = []
        // `none`: no grouping, the totals per month only (the planner page's default).
        let by = q["by"] ?? "department"
        for part in (by == "none" ? [] : by.split(separator: ",")) {
            guard let d = HeadcountQuery.Dimension(rawValue: String(part)) else {
                throw APIProblem.badParameter("by", "by takes none or a comma-separated list of department, location, employmentType; got '\(part)'.")
            }
            if !dims.contains(d) { dims.append(d) }
        }
        if dims.isEmpty && by != "none" {
            throw APIProblem.badParameter("by", "by takes none or a comma-separated list of department, location, employmentType; got ''.")
        }
        let interval = try q.oneOf("interval", HeadcountQuery.Interval.self) ?? .month
        let query = HeadcountQuery(groupBy: dims, interval: interval, from: try q.month("from"), to: try q.month("to"),
                                   asOf: try q.time("as_of"), knownAt: try q.time("known_at"))
        let view = HeadcountProjection.view(try await views.headcount(), query: query)
        return ViewFormat.respond(format, json: view.json, csv: view.csv, name: "headcount")
    }

    func pipeline(_ request: Request) async throws -> Response {
        let q = QueryParameters(request)
        try q.allowOnly(["by", "as_of", "known_at", "format"])
        let format = try ViewFormat.of(request, q)
        let query = PipelineQuery(groupBy: try q.oneOf("by", PipelineQuery.Grouping.self) ?? .department,
                                  asOf: try q.time("as_of"), knownAt: try q.time("known_at"))
        let view = PipelineProjection.view(try await views.pipeline(), query: query)
        return ViewFormat.respond(format, json: view.json, csv: view.csv, name: "pipeline")
    }

    func changes(_ request: Request) async throws -> Response {
        let q = QueryParameters(request)
        try q.allowOnly(["since", "until", "axis", "known_at", "format"])
        let format = try ViewFormat.of(request, q)
        guard let since = try q.time("since") else {
            throw APIProblem.badParameter("since", "since is required: the start of the window, ISO-8601 (e.g. 2026-03-01).")
        }
        let query = PlanChangesQuery(axis: try q.oneOf("axis", PlanChangesQuery.Axis.self) ?? .occurred, since: since,
                                     until: try q.time("until"), knownAt: try q.time("known_at"))
        let view = PlanChangesProjection.changes(try await views.changes(), query: query)
        let names = format == .csv ? PlanNames(try await views.headcount()) : nil
        return ViewFormat.respond(format, json: view.json, csv: view.csv(names: names), name: "changes")
    }

    func state(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        let q = QueryParameters(request)
        try q.allowOnly(["as_of", "known_at"])
        let kindText = context.parameters.get("kind") ?? ""
        guard let kind = EntityKind(wireName: kindText) else {
            throw APIProblem.badParameter("kind", "kind must be one of \(EntityKind.allCases.map(\.wireName).joined(separator: ", ")); got '\(kindText)'.")
        }
        let id = context.parameters.get("id") ?? ""
        let entity = EntityKey(kind, id)
        guard entity.isStorable, id.unicodeScalars.count <= QueryParameters.maximumIDLength else {
            throw APIProblem.badParameter("id", "the id is too long to be a record id (\(id.unicodeScalars.count) characters; at most \(QueryParameters.maximumIDLength)).")
        }
        let asOf = try q.time("as_of"), knownAt = try q.time("known_at")
        let history: RecordHistory
        do { history = try RecordHistory(store: store, key: entity) } catch {
            throw StoreDamageProblem.problem(for: error, storePath: store.path) ?? error
        }
        guard !history.events.isEmpty else { throw APIProblem.notFound("The log holds no events about \(entity.wireForm).") }
        return json(RecordStateView.json(history, asOf: asOf, knownAt: knownAt))
    }

    func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers,
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.canonicalBytes())))
    }
}
