import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerTestSupport
@testable import HireLedgerServer
import Hummingbird
import HummingbirdTesting
import Testing

/// The planner page in a real headless Chromium (chromedriver, W3C WebDriver over loopback): sign
/// in through the printed login link, charts that show exactly what the API answers, on both time
/// axes, the funnel, a CSV download equal to the CLI's, a failed scheduled sync on the page, no
/// console errors, and no way in without the token.
@Suite(.serialized)
struct PlannerPageBrowserTests {
    struct SyncFailure: Error, CustomStringConvertible { let description: String }

    /// The `hireledger` executable of this build (beside the test bundle, else `.build/debug`).
    static func hireledger() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path,
                          Bundle.main.bundleURL.deletingLastPathComponent().path, root.appendingPathComponent(".build/debug").path]
        for dir in candidates where FileManager.default.isExecutableFile(atPath: dir + "/hireledger") { return dir + "/hireledger" }
        throw SyncFailure(description: "the hireledger executable was not found in \(candidates); build with `swift build --build-tests`")
    }

    static func runCLI(_ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try hireledger())
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["ASHBY_API_KEY"] = ""
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "hireledger \(arguments)")
        return String(decoding: data, as: UTF8.self)
    }

    static func apiJSON(_ http: CurlTransport, _ port: Int, _ path: String) async throws -> JSONValue {
        let r = try await http.send(CurlHTTP.HTTPRequest(url: "http://127.0.0.1:\(port)\(path)", headers: [("Authorization", "Bearer \(testToken)")]))
        #expect(r.status == 200, "\(path)")
        return try JSONValue.parse(r.body)
    }

    /// The page's headcount chart as [label: [planned, open, committed, filled]].
    static func chartSeries(_ browser: WebDriverSession) async throws -> (labels: [String], data: [[Int]]) {
        let v = try await browser.execute("""
            const c = window.planner.charts.headcountChart;
            return { labels: c.data.labels, data: c.data.datasets.map(d => d.data) };
            """)
        return ((v["labels"]?.arrayValue ?? []).compactMap(\.stringValue),
                (v["data"]?.arrayValue ?? []).map { ($0.arrayValue ?? []).compactMap(\.intValue) })
    }

    static func apiSeries(_ series: JSONValue) -> (labels: [String], data: [[Int]]) {
        let points = series["points"]?.arrayValue ?? []
        return (points.compactMap { $0["period"]?.stringValue },
                ["planned", "open", "committed", "filled"].map { m in points.compactMap { $0["totals"]?[m]?.intValue } })
    }

    /// Waits for the render started by a control change to finish.
    static func changeControl(_ browser: WebDriverSession, _ id: String, _ value: String) async throws {
        let before = try await browser.execute("return Number(document.body.dataset.renders || 0);").intValue ?? 0
        _ = try await browser.execute("""
            const e = document.getElementById(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('change'));
            """, [.string(id), .string(value)])
        try await browser.waitFor("return Number(document.body.dataset.renders || 0) > arguments[0] && document.body.dataset.busy === '0';",
                                  [JSONValue(before)])
    }

    @Test func thePageShowsWhatTheAPIAnswersAndNeedsTheToken() async throws {
        try #require(WebDriverSession.available, "chromium and chromium-driver are needed (tools/setup.sh installs them)")
        let trace = ProcessInfo.processInfo.environment["HIRELEDGER_TRACE_BROWSER"] != nil
        @Sendable func step(_ what: String) { if trace { FileHandle.standardError.write(Data("browser test: \(what)\n".utf8)) } }
        let ledger = try await SyncedLedger.make(days: 35)
        step("ledger synced")
        defer { Task { await ledger.shutdown() } }
        // A scheduled sync that fails: the page must say so.
        let scheduler = SyncScheduler(interval: .seconds(3600)) { throw SyncFailure(description: "Ashby answered 503 (scheduled test failure)") }
        _ = await scheduler.runNow()
        let api = try LedgerAPI(store: ledger.store, token: APIToken(testToken),
                                options: ServerOptions(port: 0, pollMilliseconds: 20), syncSchedule: scheduler)
        let head = try await api.views.headcount().head
        let http = try CurlTransport(configuration: .init(timeout: 30, followRedirects: false))
        try await api.application().test(.live) { client in
            let port = try #require(client.port)
            let base = "http://127.0.0.1:\(port)"
            step("server on \(port)")
            let browser = try await WebDriverSession.start()
            step("browser session")
            do {
                // Sign in with the link serve prints; the token leaves the address bar.
                try await browser.navigate(APIToken(testToken).loginLink(base: base))
                try await browser.waitFor("return location.pathname === '/' && Number(document.body.dataset.renders || 0) >= 1 && document.body.dataset.busy === '0';")
                #expect(!(try await browser.currentURL).contains(testToken))

                step("signed in")
                // One point per month, the numbers of /v1/headcount/series.
                let shown = try await Self.chartSeries(browser)
                let api1 = Self.apiSeries(try await Self.apiJSON(http, port, "/v1/headcount/series?by=department"))
                #expect(shown.labels == api1.labels)
                #expect(shown.labels.count == HeadcountSeriesQuery.defaultPoints)
                #expect(shown.data == api1.data)
                #expect(shown.data[0].contains { $0 > 0 }, "the demo plan has planned roles")

                // Moving the as-of control: the chart becomes the API's answer for that date.
                let asOf = head.adding(days: -20).day.iso8601
                try await Self.changeControl(browser, "asOf", asOf)
                let moved = try await Self.chartSeries(browser)
                let api2 = Self.apiSeries(try await Self.apiJSON(http, port, "/v1/headcount/series?by=department&as_of=\(asOf)"))
                #expect(moved.labels == api2.labels && moved.data == api2.data)
                #expect(moved.labels.last == String(asOf.prefix(7)))
                #expect(moved.data != shown.data || moved.labels != shown.labels)

                step("as-of moved")
                // The funnel: over all jobs, the sum of /v1/pipeline's job rows; for one department, its row.
                let jobs = try await Self.apiJSON(http, port, "/v1/pipeline?by=job&as_of=\(asOf)")
                var reached: [String: Int] = [:]
                var order: [String] = []
                for row in jobs["rows"]?.arrayValue ?? [] {
                    for step in row["funnel"]?.arrayValue ?? [] {
                        let t = step["type"]?.stringValue ?? ""
                        if reached[t] == nil { order.append(t) }
                        reached[t, default: 0] += step["reached"]?.intValue ?? 0
                    }
                }
                let funnel = try await browser.execute("return window.planner.charts.funnelChart.data.datasets[0].data;")
                #expect(funnel.arrayValue?.compactMap(\.intValue) == order.map { reached[$0]! })
                let departments = try await Self.apiJSON(http, port, "/v1/pipeline?by=department&as_of=\(asOf)")
                let row = try #require(departments["rows"]?.arrayValue?.first { ($0["applications"]?.intValue ?? 0) > 0 })
                let key = "department:" + (row["department"]?["id"]?.stringValue ?? "")
                try await Self.changeControl(browser, "pipelineRow", key)
                let one = try await browser.execute("return window.planner.charts.funnelChart.data.datasets[0].data;")
                #expect(one.arrayValue?.compactMap(\.intValue) == row["funnel"]?.arrayValue?.compactMap { $0["reached"]?.intValue })

                step("funnel checked")
                // A CSV download is the CLI's CSV, byte for byte.
                let link = try await browser.execute("return document.querySelector('a.csv[data-table=changes]').getAttribute('href');")
                let downloaded = try await browser.executeAsync("""
                    const done = arguments[arguments.length - 1];
                    fetch(document.querySelector('a.csv[data-table=changes]').href).then(r => r.text()).then(done, e => done('ERROR ' + e));
                    """)
                step("downloaded \(downloaded.stringValue?.count ?? -1) characters")
                let since = try await browser.execute("return document.getElementById('since').value;").stringValue ?? ""
                let until = try await browser.execute("return document.getElementById('until').value;").stringValue ?? ""
                #expect(link.stringValue?.contains("format=csv") == true)
                // The CLI reads a consistent copy: the store stays open in this process (its writer lock is ours).
                let copy = NSTemporaryDirectory() + "hl-browser-copy-" + UUID().uuidString
                try ledger.store.copy(to: copy)
                step("store copied")
                defer { try? FileManager.default.removeItem(atPath: copy) }
                let cli = try Self.runCLI(["changes", "--store", copy, "--since", since, "--until", until, "--format", "csv"])
                step("CLI ran")
                #expect(downloaded.stringValue == cli)
                #expect(cli.split(separator: "\r\n").count > 1, "the window holds changes")
                let seriesCSV = try await browser.executeAsync("""
                    const done = arguments[arguments.length - 1];
                    fetch(document.querySelector('a.csv[data-table=series]').href).then(r => r.text()).then(done, e => done('ERROR ' + e));
                    """)
                let seriesCLI = try Self.runCLI(["headcount", "--store", copy, "--series", "month", "--by", "department",
                                                 "--as-of", asOf, "--format", "csv"])
                #expect(seriesCSV.stringValue == seriesCLI)
                step("series CSV compared")

                // The failed scheduled sync is on the page.
                let line = try await browser.execute("return document.getElementById('scheduleLine').textContent;")
                #expect(line.stringValue?.contains("FAILED") == true && line.stringValue?.contains("503") == true)

                step("schedule line checked")
                // No console errors.
                let errors = try await browser.consoleEntries().filter { $0["level"]?.stringValue == "SEVERE" }
                #expect(errors.isEmpty, "console: \(errors.map(\.canonicalString))")

                step("console checked")
                // Without the session: the page sends the browser to sign in, the API refuses.
                try await browser.deleteCookies()
                try await browser.navigate(base + "/")
                try await browser.waitFor("return location.pathname === '/login';")
                #expect(try await browser.execute("return document.getElementById('token') !== null;") == .bool(true))
                let anonymous = try await http.send(CurlHTTP.HTTPRequest(url: base + "/v1/headcount/series"))
                #expect(anonymous.status == 401)
                let wrong = try await http.send(CurlHTTP.HTTPRequest(url: base + "/v1/headcount/series", headers: [("Authorization", "Bearer nope")]))
                #expect(wrong.status == 401)
            } catch {
                await browser.close()
                throw error
            }
            step("checks done")
            await browser.close()
            step("browser closed")
        }
        step("server stopped")
    }
    /// `serve --deployment`'s page: signed in with the admin token it lists every account and switching
    /// the picker makes every panel that account's API answer; signed in with one account's token it
    /// lists only that account, and neither the picker, the address nor a forged option reaches another.
    @Test func withADeploymentThePagePicksTheAccountAndAnAccountTokenSeesOnlyItsOwn() async throws {
        try #require(WebDriverSession.available, "chromium and chromium-driver are needed (tools/setup.sh installs them)")
        let worlds = try await AccountsServerTests.Worlds()
        defer { Task { await worlds.shutdown() } }
        let server = try worlds.server()
        await server.syncAllOnce()
        let admin = AccountsServerTests.adminToken
        let http = try CurlTransport(configuration: .init(timeout: 30, followRedirects: false))
        let app = Application(responder: server.responder(),
                              configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let base = "http://127.0.0.1:\(port)"
            func answer(_ path: String) async throws -> JSONValue {
                let r = try await http.send(CurlHTTP.HTTPRequest(url: base + path, headers: [("Authorization", "Bearer \(admin)")]))
                #expect(r.status == 200, "\(path)")
                return try JSONValue.parse(r.body)
            }
            func shownAccount(_ browser: WebDriverSession) async throws -> (series: (labels: [String], data: [[Int]]), funnel: [Int], events: String) {
                let funnel = try await browser.execute("return window.planner.charts.funnelChart.data.datasets[0].data;")
                let fresh = try await browser.execute("return document.getElementById('freshness').textContent;").stringValue ?? ""
                return (try await Self.chartSeries(browser), funnel.arrayValue?.compactMap(\.intValue) ?? [], fresh)
            }
            func options(_ browser: WebDriverSession) async throws -> [String] {
                try await browser.execute("return Array.from(document.getElementById('account').options).map(o => o.value);")
                    .arrayValue?.compactMap(\.stringValue) ?? []
            }
            let browser = try await WebDriverSession.start()
            do {
                // The admin token: every account, the first shown, each panel that account's answers.
                try await browser.navigate(APIToken(admin).loginLink(base: base))
                try await browser.waitFor("return location.pathname === '/' && Number(document.body.dataset.renders || 0) >= 1 && document.body.dataset.busy === '0';")
                #expect(try await options(browser) == ["acme", "globex", "initech"])
                #expect(try await browser.execute("return document.getElementById('accountPicker').hidden;") == .bool(false))
                #expect(try await browser.execute("return window.planner.account;") == .string("acme"))
                var seen: [String: (series: (labels: [String], data: [[Int]]), funnel: [Int], events: String)] = [:]
                var counts: [String: Int] = [:]
                for name in ["acme", "globex", "initech"] {
                    if name != "acme" { try await Self.changeControl(browser, "account", name) }
                    #expect(try await browser.execute("return window.planner.account;") == .string(name))
                    let shown = try await shownAccount(browser)
                    let series = Self.apiSeries(try await answer("/v1/accounts/\(name)/headcount/series?by=department"))
                    #expect(shown.series.labels == series.labels && shown.series.data == series.data, "\(name): the chart is not its API's answer")
                    // The funnel over all jobs: the sum of the account's /pipeline?by=job rows.
                    var reached: [String: Int] = [:], order: [String] = []
                    for row in try await answer("/v1/accounts/\(name)/pipeline?by=job")["rows"]?.arrayValue ?? [] {
                        for step in row["funnel"]?.arrayValue ?? [] {
                            let t = step["type"]?.stringValue ?? ""
                            if reached[t] == nil { order.append(t) }
                            reached[t, default: 0] += step["reached"]?.intValue ?? 0
                        }
                    }
                    #expect(shown.funnel == order.map { reached[$0]! }, "\(name): the funnel is not its API's answer")
                    let count = try await answer("/v1/accounts/\(name)/planner/status")["eventCount"]?.intValue ?? -1
                    #expect(shown.events.hasSuffix("· \(count) events"), "\(name): \(shown.events)")
                    counts[name] = count
                    let link = try await browser.execute("return document.querySelector('a.csv[data-table=changes]').getAttribute('href');")
                    #expect(link.stringValue?.hasPrefix("/v1/accounts/\(name)/changes?") == true, "\(link)")
                    seen[name] = shown
                }
                // Three worlds, three different pictures: switching really changed the numbers.
                #expect(Set(counts.values).count == 3, "\(counts)")
                #expect(seen["acme"]!.series.data != seen["globex"]!.series.data || seen["acme"]!.funnel != seen["globex"]!.funnel)

                // One account's token: only that account, whatever the address or a forged option asks.
                try await browser.deleteCookies()
                try await browser.navigate(APIToken(try worlds.token("globex")).loginLink(base: base))
                try await browser.waitFor("return location.pathname === '/' && Number(document.body.dataset.renders || 0) >= 1 && document.body.dataset.busy === '0';")
                #expect(try await options(browser) == ["globex"])
                let own = try await shownAccount(browser)
                #expect(own.series.data == seen["globex"]!.series.data && own.events.hasSuffix("· \(counts["globex"]!) events"))
                try await browser.navigate(base + "/?again#account=acme")
                try await browser.waitFor("return Number(document.body.dataset.renders || 0) >= 1 && document.body.dataset.busy === '0';")
                #expect(try await browser.execute("return window.planner.account;") == .string("globex"))
                _ = try await browser.execute("""
                    const s = document.getElementById('account'); const o = document.createElement('option');
                    o.value = 'acme'; o.textContent = 'acme'; s.appendChild(o); s.value = 'acme'; s.dispatchEvent(new Event('change'));
                    """)
                try await browser.waitFor("return !document.getElementById('error').hidden;")
                let error = try await browser.execute("return document.getElementById('error').textContent;").stringValue ?? ""
                #expect(error.contains("belongs to another account"), "\(error)")
                #expect(try await Self.chartSeries(browser).data == seen["globex"]!.series.data, "nothing of acme reached the page")
                let direct = try await browser.executeAsync("""
                    const done = arguments[arguments.length - 1];
                    fetch('/v1/accounts/acme/headcount/series?by=department').then(r => done(r.status), e => done(-1));
                    """)
                #expect(direct.intValue == 403)
            } catch {
                await browser.close()
                throw error
            }
            await browser.close()
        }
    }
}
