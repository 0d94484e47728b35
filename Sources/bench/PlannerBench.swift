import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerServer
import HireLedgerTestSupport
import LMDB

/// The planner's figures: `bench series` (a 24-month headcount series on a synthetic 1M-event store,
/// against one point) and `bench page --store DIR` (the page's first meaningful render in headless
/// Chromium over the store, e.g. the demo's; `--screenshot FILE` also saves a 1440x900 PNG).
enum PlannerBench {
    static func series(_ args: [String]) throws {
        let applications = args.first.flatMap(Int.init) ?? 125_000
        let events = ProjectionBench.makeLog(applications: applications)
        print("series bench: \(events.count) synthetic events in a real LMDB store, \(Bench.buildMode) build, \(Bench.machine())")
        let dir = NSTemporaryDirectory() + "hireledger-series-bench-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try LedgerStore.open(directory: dir, options: Environment.Options(mapSize: 8 << 30))
        for chunk in stride(from: 0, to: events.count, by: 50_000) {
            try store.append(events[chunk..<min(chunk + 50_000, events.count)].map { e in
                PendingEvent(type: e.type, subject: e.subject, observedAt: e.observedAt, occurredAt: e.occurredAt,
                             occurredAtInferred: e.occurredAtInferred, backfilled: e.backfilled, data: e.data)
            })
        }
        let runner = ProjectionRunner<HeadcountProjection>(store: store)
        try runner.catchUp()
        let state = runner.state
        print("log \(try store.lastPosition.value) events; \(state.openings.byId.count) openings, \(state.jobs.byId.count) jobs, "
              + "\(state.offers.byId.count) offers, \(state.applications.byId.count) applications in the state")
        let head = state.head
        let to = head.day
        let from = YearMonth(to.adding(days: -700))
        func timed(_ what: String, runs: Int, _ body: () throws -> Void) rethrows {
            try body()
            var ms: [Double] = []
            for _ in 0..<runs {
                let s = Date()
                try body()
                ms.append(Date().timeIntervalSince(s) * 1000)
            }
            ms.sort()
            print(String(format: "%@: p50 %.1f ms, max %.1f ms (%d runs)", what, ms[ms.count / 2], ms.last!, runs))
        }
        var points = 0
        for by in [[], [HeadcountQuery.Dimension.department]] {
            let label = by.isEmpty ? "totals" : "by department"
            timed("one point (\(label))", runs: 20) {
                _ = HeadcountProjection.view(state, query: HeadcountQuery(groupBy: by, interval: .none, asOf: head))
            }
            for axis in HeadcountSeriesQuery.Axis.allCases {
                try timed("24-month series, \(axis.rawValue) axis (\(label))", runs: 20) {
                    let s = try HeadcountProjection.series(state, query: HeadcountSeriesQuery(
                        period: .month, axis: axis, from: CivilDate(year: from.year, month: from.month, day: 1), to: to, groupBy: by))
                    points = s.points.count
                }
            }
        }
        print("points per series: \(points)")
        // What a first request after a restart pays: load the checkpoint, then the series.
        let cold = Date()
        let fresh = ProjectionRunner<HeadcountProjection>(store: store)
        try fresh.catchUp()
        _ = try HeadcountProjection.series(fresh.state, query: HeadcountSeriesQuery(
            from: CivilDate(year: from.year, month: from.month, day: 1), to: to, groupBy: [.department]))
        print(String(format: "cold: load the checkpoint + 24-month series by department: %.0f ms", Date().timeIntervalSince(cold) * 1000))
    }

    static func page(_ args: [String]) async throws {
        guard let i = args.firstIndex(of: "--store"), i + 1 < args.count else {
            throw BenchError("usage: bench page --store DIR [--runs N] [--screenshot FILE.png]")
        }
        let path = args[i + 1]
        let runs = args.firstIndex(of: "--runs").flatMap { args.count > $0 + 1 ? Int(args[$0 + 1]) : nil } ?? 5
        let screenshot: String? = args.firstIndex(of: "--screenshot").flatMap { args.count > $0 + 1 ? args[$0 + 1] : nil }
        guard WebDriverSession.available else {
            throw BenchError("chromium and chromium-driver are needed (tools/setup.sh installs them)")
        }
        let store = try LedgerStore.open(directory: path)
        let token = APIToken("bench-" + String(UInt64.random(in: 0...UInt64.max), radix: 36) + "-planner-page")
        let api = try LedgerAPI(store: store, token: token, options: ServerOptions(port: 0))
        try await api.views.waitUntilCurrent(timeout: .seconds(600))
        let port = AsyncStream<Int>.makeStream()
        let server = Task { try await api.application(onListening: { p in port.continuation.yield(p) }).runService() }
        var iterator = port.stream.makeAsyncIterator()
        guard let bound = await iterator.next() else { throw BenchError("the server did not start") }
        let base = "http://127.0.0.1:\(bound)"
        print("page bench: store \(path) (\(try store.lastPosition.value) events), headless Chromium 1440x900, \(Bench.machine())")
        let browser = try await WebDriverSession.start()
        do {
            try await browser.navigate(token.loginLink(base: base))
            try await browser.waitFor("return location.pathname === '/' && Number(document.body.dataset.renders || 0) >= 1 && document.body.dataset.busy === '0';", seconds: 120)
            var ms: [Double] = []
            for _ in 0..<runs {
                try await browser.navigate(base + "/")
                try await browser.waitFor("return Number(document.body.dataset.renders || 0) >= 1 && document.body.dataset.busy === '0';", seconds: 120)
                // From the start of the navigation to the first render with every chart and table filled.
                ms.append(try await browser.execute("return window.planner.firstRenderMs;").doubleValue ?? -1)
            }
            ms.sort()
            print(String(format: "first meaningful render (navigation start to every chart drawn): p50 %.0f ms, min %.0f ms, max %.0f ms (%d loads)",
                         ms[ms.count / 2], ms.first!, ms.last!, runs))
            if let screenshot {
                let png = try await browser.screenshotPNG()
                try png.write(to: URL(fileURLWithPath: screenshot as String))
                print("screenshot: \(screenshot) (\(png.count) bytes)")
            }
        } catch {
            await browser.close()
            server.cancel()
            throw error
        }
        await browser.close()
        server.cancel()
        _ = try? await server.value
    }
}
