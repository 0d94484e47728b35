import ArgumentParser
import Foundation
import HireLedger
import HireLedgerCore

/// Reads the views' states through `ProjectionRunner`s (a query loads the stored checkpoint, if any,
/// folds the events appended since in memory, and answers from the state) and renders the views.
enum Views {
    /// The current state of projection `P` in `store`, caught up with the log. Writes nothing to the
    /// store unless `writeCheckpoint`: then the state is stored as the projection's checkpoint (and
    /// snapshots at their boundaries), so later reads and `serve` start from it.
    static func current<P: Projection>(_: P.Type, _ store: LedgerStore, writeCheckpoint: Bool = false) throws -> P.State {
        let options = writeCheckpoint ? ProjectionRunnerOptions(checkpointAfter: 0) : .inMemory
        let runner = ProjectionRunner<P>(store: store, options: options)
        do { try runner.catchUp() } catch {
            throw CLIError("Cannot bring the \(P.name) view up to date in \(store.path): \(error)")
        }
        return runner.state
    }

    static func parseTime(_ text: String?, flag: String) throws -> Timestamp? {
        guard let text else { return nil }
        guard let t = Timestamp(iso8601: text) else {
            throw CLIError("\(flag) takes an ISO-8601 date or time such as 2026-03-01 or 2026-03-01T12:00:00Z; got '\(text)'.")
        }
        return t
    }

    static func parseMonth(_ text: String?, flag: String) throws -> YearMonth? {
        guard let text else { return nil }
        guard let m = YearMonth(iso8601: text) else { throw CLIError("\(flag) takes a month as YYYY-MM; got '\(text)'.") }
        return m
    }

    static func pointDescription(asOf: Timestamp?, knownAt: Timestamp?) -> String {
        switch (asOf, knownAt) {
        case (nil, nil): return "as of now, as known now"
        case (let a?, nil): return "as of \(a.iso8601) (what was true then, as known now)"
        case (nil, let k?): return "known at \(k.iso8601) (what we knew then)"
        case (let a?, let k?): return "as of \(a.iso8601), as known at \(k.iso8601)"
        }
    }

    /// A department's place in the tree for a table cell: the full path when it fits in `width`
    /// characters, else its last levels after "… / " (names repeat across a tree, so the name alone
    /// would be ambiguous). CSV and JSON always carry the full path.
    static func departmentLabel(_ d: DepartmentRef, width: Int = 56) -> String {
        let path = d.path.isEmpty ? [d.name ?? d.id] : d.path
        var label = path.joined(separator: " / ")
        guard label.count > width else { return label }
        var tail: [String] = []
        for part in path.reversed() {
            let candidate = "… / " + ([part] + tail).joined(separator: " / ")
            if candidate.count > width, !tail.isEmpty { break }
            tail.insert(part, at: 0)
            label = candidate
        }
        return label
    }

    static func headcountTable(_ view: HeadcountView) -> String {
        let dims = view.query.groupBy
        var cols: [TableRenderer.Column] = []
        if dims.contains(.department) { cols.append(.init(title: "DEPARTMENT")) }
        if dims.contains(.location) { cols.append(.init(title: "LOCATION")) }
        if dims.contains(.employmentType) { cols.append(.init(title: "TYPE")) }
        if view.query.interval == .month { cols.append(.init(title: "MONTH")) }
        for t in ["PLANNED", "NEW", "BACKFILL", "COMMITTED", "FILLED", "SLIPPED", "CLOSED UNFILLED"] {
            cols.append(.init(title: t, numeric: true))
        }
        var table = TableRenderer(cols)
        func counts(_ c: HeadcountCounts) -> [String] {
            [c.planned, c.newHeadcount, c.backfills, c.committed, c.filled, c.slipped, c.closedUnfilled].map(String.init)
        }
        for row in view.rows {
            var cells: [String] = []
            if dims.contains(.department) {
                let d = row.department
                cells.append(d.map { departmentLabel($0) } ?? "(none)")
            }
            if dims.contains(.location) { cells.append(row.location.map { $0.name ?? $0.id } ?? "(none)") }
            if dims.contains(.employmentType) { cells.append(row.employmentType ?? "(none)") }
            if view.query.interval == .month { cells.append(row.month.map { "\($0)" } ?? "unscheduled") }
            table.append(cells + counts(row.counts))
        }
        var blank = Array(repeating: "", count: cols.count - 7)
        if !blank.isEmpty { blank[0] = "TOTAL" }
        table.append(blank + counts(view.totals))
        return "Headcount from \(view.source.rawValue), \(pointDescription(asOf: view.query.asOf, knownAt: view.query.knownAt))\n"
            + table.render()
    }

    static func headcountCSV(_ view: HeadcountView) -> String {
        var lines = [CSVWriter.line(["department_id", "department", "location_id", "location", "employment_type", "month",
                                     "planned", "new_headcount", "backfills", "committed", "filled", "slipped",
                                     "slipped_days", "closed_unfilled", "source"])]
        for r in view.rows {
            let c = r.counts
            lines.append(CSVWriter.line([
                r.department?.id ?? "", r.department.map { $0.path.isEmpty ? ($0.name ?? "") : $0.path.joined(separator: " / ") } ?? "",
                r.location?.id ?? "", r.location?.name ?? "", r.employmentType ?? "", r.month.map { "\($0)" } ?? "",
                String(c.planned), String(c.newHeadcount), String(c.backfills), String(c.committed), String(c.filled),
                String(c.slipped), String(c.slippedDays), String(c.closedUnfilled), view.source.rawValue,
            ]))
        }
        return lines.joined(separator: "\n")
    }

    static func pipelineTable(_ view: PipelineView) -> String {
        var table = TableRenderer([.init(title: view.query.groupBy == .job ? "JOB" : "DEPARTMENT"),
                                   .init(title: "APPLICATIONS", numeric: true), .init(title: "FUNNEL (reached, conversion)")])
        for row in view.rows {
            let name = view.query.groupBy == .job
                ? (row.job.map { $0.title ?? $0.id } ?? "(none)")
                : (row.department.map { departmentLabel($0) } ?? "(none)")
            let funnel = row.funnel.map { step in
                "\(step.type) \(step.reached)" + (step.conversion.map { String(format: " (%.0f%%)", $0 * 100) } ?? "")
            }.joined(separator: " → ")
            table.append([name, String(row.applications), funnel])
        }
        let t = view.timeToFill
        var out = "Pipeline, \(pointDescription(asOf: view.query.asOf, knownAt: view.query.knownAt))\n" + table.render()
        out += "\nTime to fill (\(t.source.rawValue)): \(t.accepted) accepted"
        if let m = t.medianDaysToAccept { out += String(format: ", median %.0f days to acceptance", m) }
        if let m = t.medianDaysToStart { out += String(format: ", median %.0f days to start", m) }
        return out
    }

    static func changesTable(_ view: PlanChangesView) -> String {
        var table = TableRenderer([.init(title: "OCCURRED"), .init(title: "OBSERVED"), .init(title: "CHANGE"),
                                   .init(title: "OPENING"), .init(title: "START"), .init(title: "MOVED", numeric: true)])
        for c in view.items {
            table.append([c.occurredAt.iso8601, c.observedAt.iso8601 + (c.backfilled ? " (backfilled)" : ""),
                          c.kind.rawValue.replacingOccurrences(of: "_", with: " "), c.identifier ?? c.openingId ?? "",
                          c.day.map { CivilDate(daysSinceEpoch: $0).iso8601 } ?? "",
                          c.deltaDays.map { ($0 > 0 ? "+" : "") + "\($0) d" } ?? ""])
        }
        var counts: [String] = []
        for k in PlanChange.Kind.allCases {
            let n = view.items.count { $0.kind == k }
            if n > 0 { counts.append("\(n) \(k.rawValue.replacingOccurrences(of: "_", with: " "))") }
        }
        return "Plan changes: " + (counts.isEmpty ? "none" : counts.joined(separator: ", ")) + "\n" + table.render()
    }
}

/// How a command prints data. Every format but `table` is meant for programs and has a schema in `schemas/`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table, json, ndjson, csv
}
