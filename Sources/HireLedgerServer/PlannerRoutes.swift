import HireLedger
import HireLedgerCore
import Hummingbird

/// The planner page (`/`), its login and assets, and the two data routes only the page needed:
/// headcount history (`/v1/headcount/series`) and the sync status (`/v1/planner/status`).
///
/// The page routes sit before the bearer middleware and check the session themselves: `/` without
/// the session cookie redirects to `/login`; `/login` takes the token in a POST body (typed into the
/// prompt, or read by the login page's script from the URL fragment of the link `serve` prints,
/// which browsers never send), sets the cookie and redirects to `/`, so the token never sits in a
/// URL a server or proxy logs. Assets hold no data and are served to anyone.
extension LedgerAPI {
    static let plannerRoutes: [(method: String, path: String)] = [
        ("get", "/"), ("get", "/login"), ("post", "/login"), ("post", "/logout"), ("get", "/assets/{name}"),
        ("get", "/v1/headcount/series"), ("get", "/v1/planner/status"),
    ]

    /// Headers every page response carries: no framing, no inline script, nothing cached.
    static let pageHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        HTTPFields.Element.Name("Content-Security-Policy")!: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        nosniff: "nosniff", HTTPFields.Element.Name("Referrer-Policy")!: "no-referrer", .cacheControl: "no-store",
    ]
    static let nosniff = HTTPFields.Element.Name("X-Content-Type-Options")!

    func addPlannerPageRoutes(to router: Router<BasicRequestContext>) {
        let session = PlannerSession(token: token)
        router.get("/") { request, _ in
            guard session.isPresent(in: request) else { return Self.redirect("/login") }
            return Response(status: .ok, headers: Self.pageHeaders,
                            body: ResponseBody(byteBuffer: ByteBuffer(string: PlannerAssets.pageHTML)))
        }
        router.get("/login") { _, _ in
            Response(status: .ok, headers: Self.pageHeaders, body: ResponseBody(byteBuffer: ByteBuffer(string: PlannerAssets.loginHTML(error: nil))))
        }
        router.post("/login") { request, _ in
            let body = try await request.body.collect(upTo: 4096)
            let presented = Self.formValue("token", in: String(buffer: body)) ?? ""
            guard !presented.isEmpty, self.token.matches(presented) else {
                return Response(status: .unauthorized, headers: Self.pageHeaders,
                                body: ResponseBody(byteBuffer: ByteBuffer(string: PlannerAssets.loginHTML(
                                    error: "That is not this server's token. It is in the file `hireledger serve` named when it started."))))
            }
            var response = Self.redirect("/")
            response.headers[.setCookie] = session.setCookie
            return response
        }
        router.post("/logout") { _, _ in
            var response = Self.redirect("/login")
            response.headers[.setCookie] = PlannerSession.clearCookie
            return response
        }
        router.get("/assets/{name}") { _, context in
            let name = context.parameters.get("name") ?? ""
            guard let asset = self.plannerAssets.asset(name) else {
                throw APIProblem.notFound("No planner asset named '\(name)'.")
            }
            return Response(status: .ok, headers: [.contentType: asset.contentType, Self.nosniff: "nosniff",
                                                   .cacheControl: "no-cache"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes)))
        }
    }

    func addPlannerDataRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/headcount/series") { request, _ in try await self.headcountSeries(request) }
        router.get("/v1/planner/status") { _, _ in try await self.plannerStatus() }
    }

    func headcountSeries(_ request: Request) async throws -> Response {
        let q = QueryParameters(request)
        try q.allowOnly(["period", "axis", "from", "to", "by", "as_of", "known_at", "format"])
        let format = try ViewFormat.of(request, q)
        // Points are labelled with four-digit years (ISO weeks and quarters too).
        for name in ["as_of", "known_at"] {
            if let text = q[name], !(Int(text.prefix(4)).map { $0 >= 1000 } ?? false) {
                throw APIProblem.badParameter(name, "\(name) takes an ISO-8601 date or time from year 1000 on; got '\(text)'.")
            }
        }
        var dims: [HeadcountQuery.Dimension] = []
        let by = q["by"] ?? "none"
        if by.isEmpty { throw APIProblem.badParameter("by", "by takes none or a comma-separated list of department, location, employmentType; got ''.") }
        for part in (by == "none" ? [] : by.split(separator: ",", omittingEmptySubsequences: false)) {
            guard let d = HeadcountQuery.Dimension(rawValue: String(part)) else {
                throw APIProblem.badParameter("by", "by takes a comma-separated list of department, location, employmentType (or none); got '\(part)'.")
            }
            dims.append(d)
        }
        let query = HeadcountSeriesQuery(period: try q.oneOf("period", HeadcountSeriesQuery.Period.self) ?? .month,
                                         axis: try q.oneOf("axis", HeadcountSeriesQuery.Axis.self) ?? .asOf,
                                         from: try Self.day(q, "from", end: false), to: try Self.day(q, "to", end: true),
                                         groupBy: dims, asOf: try q.time("as_of"), knownAt: try q.time("known_at"))
        let state = try await views.headcount()
        let series = try await computedOffThePool { try Self.series(state, query: query) }
        return ViewFormat.respond(format, json: series.json, csv: series.csv, name: "headcount-series")
    }

    /// A day from `YYYY-MM-DD`, or from `YYYY-MM` (its first day, or with `end` its last).
    /// The series, a query error as a 400 naming the parameter. A synchronous helper: the typed
    /// `catch` inside the async handler crashes Swift 6.3.1's SILGen.
    static func series(_ state: PlanEntities, query: HeadcountSeriesQuery) throws -> HeadcountSeries {
        do { return try HeadcountProjection.series(state, query: query) } catch {
            throw APIProblem.badParameter(error.parameter, error.description)
        }
    }

    static func day(_ q: QueryParameters, _ name: String, end: Bool) throws(APIProblem) -> CivilDate? {
        guard let text = q[name] else { return nil }
        // Years before 1000 are refused: ISO week and quarter labels are four-digit years.
        guard let year = Int(text.prefix(4)), year >= 1000, text.count >= 7 else {
            throw APIProblem.badParameter(name, "\(name) takes a month (YYYY-MM) or a date (YYYY-MM-DD) from year 1000 on; got '\(text)'.")
        }
        if let d = CivilDate(iso8601: text) { return d }
        guard let m = YearMonth(iso8601: text) else {
            throw APIProblem.badParameter(name, "\(name) takes a month (YYYY-MM) or a date (YYYY-MM-DD); got '\(text)'.")
        }
        let first = CivilDate(year: m.year, month: m.month, day: 1)!
        return end ? first.adding(days: CivilDate.daysIn(year: m.year, month: m.month) - 1) : first
    }

    /// The store's freshness for the page: last event, last sync per entity type, the schedule.
    func plannerStatus() async throws -> Response {
        let status = try store.status()
        let runs = status.lastSyncs.sorted { $0.key < $1.key }
        let lastSync = runs.map(\.value.finishedAt).max()
        let head = try await views.headcount().head
        return json([
            "storeId": .string(store.storeId), "lastSeq": JSONValue(status.lastPosition.value),
            "eventCount": JSONValue(status.eventCount),
            "lastObservedAt": status.lastObservedAt.map { .string($0.iso8601) } ?? .null,
            "head": head == .distantPast ? .null : .string(head.iso8601),
            "lastSyncAt": lastSync.map { .string($0.iso8601) } ?? .null,
            "syncs": .array(runs.map { type, run in
                ["entityType": .string(type), "mode": .string(run.mode.rawValue), "startedAt": .string(run.startedAt.iso8601),
                 "finishedAt": .string(run.finishedAt.iso8601), "records": JSONValue(run.records), "events": JSONValue(run.events)]
            }),
            "schedule": syncSchedule?.json ?? .null,
            // The store does not record permissions a sync skipped; `hireledger doctor` checks the key.
            "skippedPermissions": .null,
            "chartLibrary": JSONValue(plannerAssets.asset("chart.js") != nil),
        ])
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// A value of an `application/x-www-form-urlencoded` body.
    static func formValue(_ name: String, in body: String) -> String? {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == name else { continue }
            return percentDecode(String(parts[1]))
        }
        return nil
    }

    static func percentDecode(_ s: String) -> String? {
        var out: [UInt8] = []
        var bytes = Array(s.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "+") { out.append(UInt8(ascii: " ")); continue }
            guard b == UInt8(ascii: "%") else { out.append(b); continue }
            guard bytes.count >= 2, let v = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) else { return nil }
            out.append(v)
            bytes = bytes.dropFirst(2)
        }
        return String(validating: out, as: UTF8.self)
    }
}
