import Foundation
import HireLedger
import HireLedgerCore
import LMDB

/// Projection folds over a synthetic log shaped like a sync's output: per application a
/// `record.application.created` and its `application.stage_changed`, then four moves (each a
/// `record.application.updated` with `changes` and a `stage_changed`); plus departments, jobs,
/// openings and offers. Measures full-rebuild fold rates, encoded state sizes and query latency.
enum ProjectionBench {
    static func run(_ args: [String]) throws {
        let applications = args.first.flatMap(Int.init) ?? 100_000
        let events = makeLog(applications: applications)
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?
            .trimmingCharacters(in: .whitespaces) ?? "unknown"
        print("projection bench: \(events.count) events, release build, nproc \(ProcessInfo.processInfo.activeProcessorCount), CPU \(cpu)")
        measure(HeadcountProjection.self, events)
        measure(PipelineProjection.self, events)
        measure(PlanChangesProjection.self, events)

        let headcount = HeadcountProjection.fold(events)
        let pipeline = PipelineProjection.fold(events)
        let t = Timestamp(iso8601: "2026-03-01T00:00:00Z")!
        time("headcount query asOf (department rollup x month)") {
            _ = HeadcountProjection.view(headcount, query: HeadcountQuery(asOf: t))
        }
        time("headcount query knownAt (department, location, type x month)") {
            _ = HeadcountProjection.view(headcount, query: HeadcountQuery(groupBy: [.department, .location, .employmentType], knownAt: t))
        }
        time("pipeline query asOf (by job)") { _ = PipelineProjection.view(pipeline, query: PipelineQuery(asOf: t)) }
    }

    /// `bench views [applications]`: the synthetic log (about 8 events per application; default
    /// 125k applications, about 1.03M events) written to a real LMDB store, then full rebuilds through
    /// `ProjectionRunner`, the catch-up a query pays when the views are current, and headcount and
    /// pipeline query latency at random points on both axes.
    static func runStore(_ args: [String]) throws {
        if let i = args.firstIndex(of: "--store") {
            guard i + 1 < args.count else { throw BenchError("--store needs a store directory") }
            return try runExistingStore(args[i + 1])
        }
        let applications = args.first.flatMap(Int.init) ?? 125_000
        // --keep-store DIR: write the store there and keep it (for timing the CLI on it afterwards).
        var kept: String?
        if let i = args.firstIndex(of: "--keep-store") {
            guard i + 1 < args.count else { throw BenchError("--keep-store needs a directory") }
            kept = args[i + 1]
        }
        let events = makeLog(applications: applications)
        print("views bench: \(events.count) synthetic events in a real LMDB store, \(Bench.buildMode) build, \(Bench.machine())")
        let dir = kept ?? NSTemporaryDirectory() + "hireledger-views-bench-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        defer { if kept == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let store = try LedgerStore.open(directory: dir, options: Environment.Options(mapSize: 8 << 30))
        let start = Date()
        for chunk in stride(from: 0, to: events.count, by: 50_000) {
            let pending = events[chunk..<min(chunk + 50_000, events.count)].map { e in
                PendingEvent(type: e.type, subject: e.subject, observedAt: e.observedAt, occurredAt: e.occurredAt,
                             occurredAtInferred: e.occurredAtInferred, backfilled: e.backfilled, data: e.data)
            }
            try store.append(pending)
        }
        print(String(format: "write log: %.1f s", Date().timeIntervalSince(start)))

        let (headcount, pipeline) = try rebuildFigures(store)

        let first = events.first!.observedAt.millisecondsSinceEpoch, last = events.last!.observedAt.millisecondsSinceEpoch
        var rng = SystemRandomNumberGenerator()
        func randomPoint() -> Timestamp { Timestamp(millisecondsSinceEpoch: Int64.random(in: first...last, using: &rng)) }
        func latencies(_ what: String, _ n: Int, _ body: (Timestamp) -> Void) {
            body(randomPoint())
            var ms: [Double] = []
            for _ in 0..<n {
                let t = randomPoint()
                let s = Date()
                body(t)
                ms.append(Date().timeIntervalSince(s) * 1000)
            }
            ms.sort()
            print(String(format: "%@ (%d random points): p50 %.1f ms, p99 %.1f ms, max %.1f ms", what, n,
                         ms[ms.count / 2], ms[min(ms.count - 1, Int(Double(ms.count) * 0.99))], ms.last!))
        }
        latencies("headcount query --as-of T (department x month)", 200) {
            _ = HeadcountProjection.view(headcount.state, query: HeadcountQuery(asOf: $0))
        }
        latencies("headcount query --known-at T (department x month)", 200) {
            _ = HeadcountProjection.view(headcount.state, query: HeadcountQuery(knownAt: $0))
        }
        for grouping in PipelineQuery.Grouping.allCases {
            latencies("pipeline query --as-of T (by \(grouping.rawValue))", 200) {
                _ = PipelineProjection.view(pipeline.state, query: PipelineQuery(groupBy: grouping, asOf: $0))
            }
            latencies("pipeline query --known-at T (by \(grouping.rawValue))", 200) {
                _ = PipelineProjection.view(pipeline.state, query: PipelineQuery(groupBy: grouping, knownAt: $0))
            }
        }
        // A cold query in this process: a new runner loads and decodes the checkpoint, then answers.
        latencies("pipeline cold load + query --as-of T (new runner, by department)", 20) { t in
            let runner = ProjectionRunner<PipelineProjection>(store: store, options: .inMemory)
            _ = try? runner.catchUp()
            _ = PipelineProjection.view(runner.state, query: PipelineQuery(asOf: t))
        }
        if let kept {
            print("store kept at \(kept) (log from \(events.first!.observedAt.iso8601) to \(events.last!.observedAt.iso8601))")
        }
    }

    /// `bench views --store DIR`: the rebuild figures over an existing store (one a sync or the demo
    /// made, so real event data). Rebuilding rewrites the projections' checkpoints and snapshots in
    /// that store (the log is only read).
    static func runExistingStore(_ path: String) throws {
        let store = try LedgerStore.open(directory: path)
        print("views bench over the store at \(path): \(try store.lastPosition.value) events, \(Bench.buildMode) build, \(Bench.machine())")
        _ = try rebuildFigures(store)
    }

    /// Prints where a rebuild's time goes and the full rebuild rate of each projection.
    static func rebuildFigures(_ store: LedgerStore) throws -> (ProjectionRunner<HeadcountProjection>, ProjectionRunner<PipelineProjection>) {
        var start = Date()
        // Where a rebuild's time goes: reading and decoding the events a projection handles, alone.
        func readOnly<P: Projection>(_: P.Type) throws {
            start = Date()
            var at = LogPosition.none, decoded = 0
            while let last = try store.scanEvents(after: at, limit: 50_000, selecting: P.selection(for:), { _ in decoded += 1 }) { at = last.seq }
            print(String(format: "%@ read and decode only (no fold, one thread): %.2f s (%d of %llu events decoded)",
                         P.name, Date().timeIntervalSince(start), decoded, at.value))
        }
        do {
            start = Date()
            var at = LogPosition.none
            while let last = try store.scanEvents(after: at, limit: 50_000, wanted: { _ in false }, { _ in }) { at = last.seq }
            print(String(format: "scan and peek only (no event decoded): %.2f s for %llu events", Date().timeIntervalSince(start), at.value))
        }
        try readOnly(HeadcountProjection.self)
        try readOnly(PipelineProjection.self)

        func rebuild<P: Projection>(_: P.Type) throws -> ProjectionRunner<P> {
            let runner = ProjectionRunner<P>(store: store)
            start = Date()
            let report = try runner.rebuild()
            let s = Date().timeIntervalSince(start)
            let size = try store.projectionValue(ProjectionRunner<P>.checkpointKey)?.count ?? 0
            print(String(format: "%@ rebuild through the runner: %.0f events/s (%.2f s for %llu events, %d snapshots, checkpoint %.1f MB)",
                         P.name, Double(report.eventsRead) / s, s, report.eventsRead, report.snapshotsWritten, Double(size) / 1e6))
            start = Date()
            let fresh = ProjectionRunner<P>(store: store)
            try fresh.catchUp()
            print(String(format: "%@ catch-up when current (new runner: load and decode the checkpoint): %.0f ms",
                         P.name, Date().timeIntervalSince(start) * 1000))
            return runner
        }
        let headcount = try rebuild(HeadcountProjection.self)
        let pipeline = try rebuild(PipelineProjection.self)
        _ = try rebuild(PlanChangesProjection.self)
        return (headcount, pipeline)
    }

    static func measure<P: Projection>(_: P.Type, _ events: [RecordedEvent]) {
        let start = Date()
        var state = P.initialState()
        for e in events where P.handles(e.type) { P.apply(e, to: &state) }
        let fold = Date().timeIntervalSince(start)
        let encStart = Date()
        let bytes = P.encode(state)
        let enc = Date().timeIntervalSince(encStart)
        let decStart = Date()
        _ = try? P.decode(bytes)
        let dec = Date().timeIntervalSince(decStart)
        print(String(format: "%@: fold %.0f events/s (%.3f s), state %.1f MB, encode %.3f s, decode %.3f s",
                     P.name, Double(events.count) / fold, fold, Double(bytes.count) / 1e6, enc, dec))
    }

    static func time(_ what: String, _ body: () -> Void) {
        body()
        let n = 5
        let start = Date()
        for _ in 0..<n { body() }
        print(String(format: "%@: %.1f ms", what, Date().timeIntervalSince(start) / Double(n) * 1000))
    }

    static func makeLog(applications: Int) -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        events.reserveCapacity(applications * 10 + 20_000)
        var seq: UInt64 = 0
        let base = Timestamp(iso8601: "2025-01-01T00:00:00Z")!.millisecondsSinceEpoch
        func at(_ minutes: Int) -> Timestamp { Timestamp(millisecondsSinceEpoch: base + Int64(minutes) * 60_000) }
        func add(_ type: EventType, _ subject: EntityKey, _ observed: Int, _ occurred: Int, _ data: JSONValue) {
            seq += 1
            events.append(RecordedEvent(seq: LogPosition(seq), storeId: "bench", type: type, subject: subject, observedAt: at(observed),
                                        occurredAt: at(occurred), occurredAtInferred: false, backfilled: false, data: data, causation: nil))
        }
        func id(_ p: String, _ i: Int) -> String { "\(p)-0000-0000-0000-\(String(i + 1_000_000_000_000))" }
        let stages: [JSONValue] = [("PreInterviewScreen", 1), ("Active", 2), ("Active", 3), ("Offer", 4), ("Hired", 5), ("Archived", 6)].enumerated().map { i, s in
            ["id": .string(id("stage", i)), "title": .string("Stage \(i)"), "type": .string(s.0), "orderInInterviewPlan": JSONValue(s.1),
             "interviewPlanId": "plan", "interviewStageGroupId": .null]
        }
        let departments = 40, jobs = max(10, applications / 50), openings = jobs * 2
        for d in 0..<departments {
            add(.record(.department, .created), EntityKey(.department, id("dept", d)), 0, 0,
                ["record": ["id": .string(id("dept", d)), "name": .string("Department \(d)"),
                            "parentId": d < 5 ? .null : .string(id("dept", d % 5)), "isArchived": false]])
        }
        for j in 0..<jobs {
            let job: JSONValue = ["id": .string(id("job", j)), "title": .string("Job \(j)"), "status": "Open",
                                  "departmentId": .string(id("dept", j % departments)), "locationId": "loc-1",
                                  "employmentType": "FullTime", "openedAt": .string(at(j).iso8601), "updatedAt": .string(at(j).iso8601)]
            add(.record(.job, .created), EntityKey(.job, id("job", j)), 1, j, ["record": job])
        }
        for o in 0..<openings {
            let opening: JSONValue = ["id": .string(id("open", o)), "openingState": "Open", "openedAt": .string(at(o).iso8601),
                                      "latestVersion": ["id": "v1", "teamId": .string(id("dept", o % departments)), "locationIds": ["loc-1"],
                                                        "jobIds": [.string(id("job", o / 2))], "employmentType": "FullTime",
                                                        "isBackfill": JSONValue(o % 7 == 0),
                                                        "targetStartDate": .string(at(60 * 24 * (30 + o % 365)).day.iso8601)]]
            add(.record(.opening, .created), EntityKey(.opening, id("open", o)), 2, o, ["record": opening])
        }
        var minute = 10
        for a in 0..<applications {
            let appId = id("app", a), key = EntityKey(.application, appId), jobIndex = a % jobs
            let job: JSONValue = ["id": .string(id("job", jobIndex)), "title": .string("Job \(jobIndex)"),
                                  "departmentId": .string(id("dept", jobIndex % departments)), "locationId": "loc-1"]
            minute += 1
            let record: JSONValue = ["id": .string(appId), "status": "Active", "currentInterviewStage": stages[0], "job": job,
                                     "candidate": ["id": .string(id("cand", a)), "name": "Someone"], "updatedAt": .string(at(minute).iso8601)]
            add(.record(.application, .created), key, minute, minute, ["record": record])
            add(.domain(.applicationStageChanged), key, minute, minute,
                ["applicationId": .string(appId), "job": job, "fromStage": .null, "toStage": stages[0], "status": "Active"])
            // Four moves: on through the plan, or out to Archived.
            let path = a % 10 == 0 ? [1, 2, 3, 4] : [1, 2, 5, 5]
            var previous = 0
            for s in path where s != previous {
                minute += 1
                let stage = stages[s]
                var changes: JSONObject = ["currentInterviewStage": ["before": stages[previous], "after": stage],
                                           "updatedAt": ["before": .string(at(minute - 1).iso8601), "after": .string(at(minute).iso8601)]]
                if s == 4 { changes["status"] = ["before": "Active", "after": "Hired"] }
                if s == 5 { changes["status"] = ["before": "Active", "after": "Archived"] }
                add(.record(.application, .updated), key, minute, minute - 1,
                    ["patch": [["op": "replace", "path": "/currentInterviewStage", "value": stage]], "changes": .object(changes)])
                add(.domain(.applicationStageChanged), key, minute, minute - 1,
                    ["applicationId": .string(appId), "job": job, "fromStage": stages[previous], "toStage": stage, "status": "Active"])
                previous = s
            }
        }
        return events
    }
}
