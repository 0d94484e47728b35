import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerServer
import HireLedgerTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// The planner's HTTP side: CSV of every view (by `format=csv` and by `Accept: text/csv`, parsed
/// back and compared with the JSON), headcount history, and the page's sign-in.
struct PlannerAPITests {
    @Test func everyViewAnswersCSVThatHoldsItsJSON() async throws {
        let ledger = try await SyncedLedger.make(days: 3)
        defer { Task { await ledger.shutdown() } }
        let api = try makeAPI(ledger)
        api.watcher.close()
        let app = Application(router: api.router())
        try await app.test(.router) { client in
            let views = ["/v1/headcount?by=department,location", "/v1/pipeline?by=job", "/v1/changes?since=2000-01-01",
                         "/v1/headcount/series?by=department&from=2025-10"]
            for path in views {
                let json = try parseBody(try await client.execute(uri: path, method: .get, headers: bearer))
                let byParameter = try await client.execute(uri: path + "&format=csv", method: .get, headers: bearer)
                #expect(byParameter.status == .ok)
                #expect(byParameter.headers[.contentType]?.hasPrefix("text/csv") == true)
                var headers = bearer
                headers[.accept] = "text/csv"
                let byAccept = try await client.execute(uri: path, method: .get, headers: headers)
                let text = String(buffer: byParameter.body)
                #expect(String(buffer: byAccept.body) == text, "\(path): Accept and format=csv give the same file")
                let table = try CSVReader.rows(text)
                switch path {
                case _ where path.hasPrefix("/v1/headcount/series"):
                    let points = json["points"]?.arrayValue ?? []
                    #expect(table.rows.filter { $0["group"] == "total" }.map { $0["planned"] ?? "" }
                            == points.map { String($0["totals"]?["planned"]?.intValue ?? -1) })
                    #expect(table.rows.count == points.reduce(points.count) { $0 + ($1["rows"]?.arrayValue?.count ?? 0) })
                case _ where path.hasPrefix("/v1/headcount"):
                    let rows = json["rows"]?.arrayValue ?? []
                    #expect(table.rows.map { [$0["department_id"] ?? "", $0["location_id"] ?? "", $0["month"] ?? "", $0["filled"] ?? ""] }
                            == rows.map { [$0["department"]?["id"]?.stringValue ?? "", $0["location"]?["id"]?.stringValue ?? "",
                                           $0["month"]?.stringValue ?? "", String($0["counts"]?["filled"]?.intValue ?? -1)] })
                case _ where path.hasPrefix("/v1/pipeline"):
                    let stages = (json["rows"]?.arrayValue ?? []).flatMap { r in (r["stages"]?.arrayValue ?? []).map { (r, $0) } }
                    #expect(table.rows.map { [$0["job_id"] ?? "", $0["stage_id"] ?? "", $0["current"] ?? ""] }
                            == stages.map { [$0.0["job"]?["id"]?.stringValue ?? "", $0.1["stageId"]?.stringValue ?? "",
                                             String($0.1["current"]?.intValue ?? -1)] })
                default:
                    let items = json["items"]?.arrayValue ?? []
                    #expect(!items.isEmpty)
                    #expect(table.rows.map { [$0["seq"] ?? "", $0["kind"] ?? ""] }
                            == items.map { [String($0["seq"]?.intValue ?? -1), $0["kind"]?.stringValue ?? ""] })
                }
            }
            // A format a view cannot give is refused, never answered in another one.
            let badFormat = try await client.execute(uri: "/v1/pipeline?format=xml", method: .get, headers: bearer)
            #expect(badFormat.status == .badRequest)
            #expect(try parseBody(badFormat)["parameter"] == .string("format"))
            var xml = bearer
            xml[.accept] = "application/xml"
            #expect(try await client.execute(uri: "/v1/headcount", method: .get, headers: xml).status == .notAcceptable)
        }
    }

    @Test func seriesPointsAreTheViewsAtTheEndOfEachPeriod() async throws {
        let ledger = try await SyncedLedger.make(days: 3)
        defer { Task { await ledger.shutdown() } }
        let api = try makeAPI(ledger)
        api.watcher.close()
        let state = try await api.views.headcount()
        let head = state.head
        let app = Application(router: api.router())
        try await app.test(.router) { client in
            for axis in ["asOf", "knownAt"] {
                let series = try parseBody(try await client.execute(uri: "/v1/headcount/series?axis=\(axis)&by=department&from=2025-06",
                                                                    method: .get, headers: bearer))
                let points = try #require(series["points"]?.arrayValue)
                #expect(points.last?["period"]?.stringValue == head.day.yearMonth)
                for p in points {
                    let at = try #require(Timestamp(iso8601: p["asOf"]?.stringValue ?? ""))
                    // Each point is the plain view at its instant, on its axis.
                    let query = axis == "asOf" ? HeadcountQuery(groupBy: [.department], interval: .none, asOf: at)
                                               : HeadcountQuery(groupBy: [.department], interval: .none, knownAt: at)
                    let view = HeadcountProjection.view(state, query: query)
                    #expect(p["totals"]?["planned"]?.intValue == view.totals.planned)
                    #expect(p["totals"]?["filled"]?.intValue == view.totals.filled)
                    #expect(p["totals"]?["open"]?.intValue == max(0, view.totals.planned - view.totals.committed))
                    #expect(p["rows"]?.arrayValue?.count == view.rows.count)
                }
                // The last point stops at the latest observation's month end, read at its end (not past the data).
                #expect(points.last?["projected"] == .bool(true) || points.last?["asOf"]?.stringValue.flatMap(Timestamp.init(iso8601:)).map { $0 <= head } == true)
            }
            let capped = try parseBody(try await client.execute(uri: "/v1/headcount/series?as_of=\(head.iso8601)", method: .get, headers: bearer))
            #expect(capped["points"]?.arrayValue?.last?["asOf"]?.stringValue == head.iso8601)
            #expect(capped["points"]?.arrayValue?.count == HeadcountSeriesQuery.defaultPoints)
            let reversed = try await client.execute(uri: "/v1/headcount/series?from=2026-05&to=2026-01", method: .get, headers: bearer)
            #expect(reversed.status == .badRequest)
        }
    }

    @Test func thePageNeedsTheTokenAndTheSessionCookieOnlyReads() async throws {
        let ledger = try await SyncedLedger.make(days: 1)
        defer { Task { await ledger.shutdown() } }
        let api = try makeAPI(ledger)
        api.watcher.close()
        let app = Application(router: api.router())
        try await app.test(.router) { client in
            let anonymous = try await client.execute(uri: "/", method: .get)
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/login")
            #expect(try await client.execute(uri: "/v1/headcount/series", method: .get).status == .unauthorized)
            let login = try await client.execute(uri: "/login", method: .get)
            #expect(login.status == .ok && String(buffer: login.body).contains("API token"))

            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let wrong = try await client.execute(uri: "/login", method: .post, headers: form, body: ByteBuffer(string: "token=guess"))
            #expect(wrong.status == .unauthorized && wrong.headers[.setCookie] == nil)
            let right = try await client.execute(uri: "/login", method: .post, headers: form, body: ByteBuffer(string: "token=\(testToken)"))
            #expect(right.status == .seeOther && right.headers[.location] == "/")
            let setCookie = try #require(right.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
            #expect(!setCookie.contains(testToken), "the cookie is not the token")
            let cookie: HTTPFields = [.cookie: String(setCookie.split(separator: ";")[0])]

            let page = try await client.execute(uri: "/", method: .get, headers: cookie)
            #expect(page.status == .ok && String(buffer: page.body).contains("headcountChart"))
            #expect(page.headers[HTTPFields.Element.Name("Content-Security-Policy")!]?.contains("script-src 'self'") == true)
            #expect(try await client.execute(uri: "/v1/headcount/series", method: .get, headers: cookie).status == .ok)
            // The cookie reads; it never writes, and it is not a bearer token.
            var post = cookie
            post[.contentType] = "application/json"
            let write = try await client.execute(uri: "/v1/subscriptions", method: .post, headers: post,
                                                 body: ByteBuffer(string: #"{"url":"http://127.0.0.1:9/x"}"#))
            #expect(write.status == .unauthorized)
            let cookieValue = String(setCookie.split(separator: ";")[0].split(separator: "=")[1])
            #expect(try await client.execute(uri: "/v1/headcount", method: .get, headers: [.authorization: "Bearer \(cookieValue)"]).status
                    == .unauthorized)
            let forged: HTTPFields = [.cookie: "hireledger_session=\(String(repeating: "0", count: 64))"]
            #expect(try await client.execute(uri: "/", method: .get, headers: forged).status == .seeOther)
            // Assets hold no data and load without a session.
            let script = try await client.execute(uri: "/assets/planner.js", method: .get)
            #expect(script.status == .ok && script.headers[.contentType]?.hasPrefix("text/javascript") == true)
            #expect(try await client.execute(uri: "/assets/../api-token", method: .get).status != .ok)
        }
    }
}
