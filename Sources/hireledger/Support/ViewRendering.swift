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
    /// The fold (and the checkpoint's commit and fsync, when asked) runs on the store's writer thread, a
    /// dedicated thread, never on the cooperative pool (`ProjectionRunner`).
    static func current<P: Projection & SendableMetatype>(_: P.Type, _ store: LedgerStore, writeCheckpoint: Bool = false) async throws -> P.State {
        let options = writeCheckpoint ? ProjectionRunnerOptions(checkpointAfter: 0) : .inMemory
        return try await store.onWriterThread {
            let runner = ProjectionRunner<P>(store: store, options: options)
            do { try runner.catchUp() } catch {
                throw CLIError("Cannot bring the \(P.name) view up to date in \(store.path): \(error)")
            }
            return runner.state
        }
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
        departmentLabel(path: d.path.isEmpty ? [d.name ?? d.id] : d.path, width: width)
    }

    /// `departmentLabel` for a path of names, root first.
    static func departmentLabel(path: [String], width: Int = 56) -> String {
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
            + table.render() + "\n" + legend(Legend.headcount(rollUp: dims.contains(.department) && view.query.rollUpDepartments))
    }

    static func pipelineTable(_ view: PipelineView) -> String {
        var table = TableRenderer([.init(title: view.query.groupBy == .job ? "JOB" : "DEPARTMENT"),
                                   .init(title: "APPLICATIONS", numeric: true), .init(title: "FUNNEL (reached, conversion)"),
                                   .init(title: "MEDIAN DAYS IN STAGE")])
        for row in view.rows {
            let name = view.query.groupBy == .job
                ? (row.job.map { $0.title ?? $0.id } ?? "(none)")
                : (row.department.map { departmentLabel($0) } ?? "(none)")
            let funnel = row.funnel.map { step in
                "\(step.type) \(step.reached)" + (step.conversion.map { String(format: " (%.0f%%)", $0 * 100) } ?? "")
            }.joined(separator: " → ")
            table.append([name, String(row.applications), funnel, timeInStage(row)])
        }
        let t = view.timeToFill
        var out = "Pipeline, \(pointDescription(asOf: view.query.asOf, knownAt: view.query.knownAt))\n" + table.render()
        out += "\nTime to fill (\(t.source.rawValue)): \(t.accepted) accepted"
        if let m = t.medianDaysToAccept { out += String(format: ", median %.0f days to acceptance", m) }
        if let m = t.medianDaysToStart { out += String(format: ", median %.0f days to start", m) }
        return out + "\n" + legend(Legend.pipeline)
    }

    /// Days in stage per stage type of a row: the stages' medians (stays that ended by the point),
    /// averaged over the type's stages weighted by their completed stays.
    static func timeInStage(_ row: PipelineRow) -> String {
        var order: [String] = []
        var parts: [String: (days: Double, stays: Int)] = [:]
        for s in row.stages {
            guard let d = s.medianDaysInStage, s.completedStays > 0 else { continue }
            let type = s.type ?? s.title ?? s.stageId
            if parts[type] == nil { order.append(type) }
            let p = parts[type] ?? (0, 0)
            parts[type] = (p.days + d * Double(s.completedStays), p.stays + s.completedStays)
        }
        return order.map { t in t + " " + String(format: "%.1f", parts[t]!.days / Double(parts[t]!.stays)) }.joined(separator: " · ")
    }

    static func changesTable(_ view: PlanChangesView, names: PlanNames) -> String {
        var table = TableRenderer([.init(title: "OCCURRED"), .init(title: "OBSERVED"), .init(title: "CHANGE"),
                                   .init(title: "OPENING"), .init(title: "JOB"), .init(title: "DEPARTMENT"),
                                   .init(title: "START"), .init(title: "MOVED", numeric: true)])
        for c in view.items {
            let path = names.departmentPath(c.departmentId)
            let department = path.isEmpty ? "" : departmentLabel(path: path, width: 40)
            table.append([c.occurredAt.iso8601, c.observedAt.iso8601 + (c.backfilled ? " (backfilled)" : ""),
                          c.kind.rawValue.replacingOccurrences(of: "_", with: " "), c.identifier ?? c.openingId ?? "",
                          names.jobTitle(c.jobId) ?? c.jobId ?? "", department,
                          c.day.map { CivilDate(daysSinceEpoch: $0).iso8601 } ?? "",
                          c.deltaDays.map { ($0 > 0 ? "+" : "") + "\($0) d" } ?? ""])
        }
        var counts: [String] = []
        for k in PlanChange.Kind.allCases {
            let n = view.items.count { $0.kind == k }
            if n > 0 { counts.append("\(n) \(k.rawValue.replacingOccurrences(of: "_", with: " "))") }
        }
        return "Plan changes: " + (counts.isEmpty ? "none" : counts.joined(separator: ", ")) + "\n" + table.render()
            + "\n" + legend(Legend.changes)
    }

    static func dimensions(_ text: String) throws -> [HeadcountQuery.Dimension] {
        if text == "none" || text.isEmpty { return [] }
        var dims: [HeadcountQuery.Dimension] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let d = HeadcountQuery.Dimension(rawValue: part) else {
                throw CLIError("--by takes department, location and employmentType (or none); got '\(part)'.")
            }
            dims.append(d)
        }
        return dims
    }

    /// A day from `YYYY-MM-DD`, or from `YYYY-MM` (its first day, or with `end` its last).
    static func parseDay(_ text: String?, flag: String, end: Bool) throws -> CivilDate? {
        guard let text else { return nil }
        if let d = CivilDate(iso8601: text) { return d }
        guard let m = YearMonth(iso8601: text) else { throw CLIError("\(flag) takes a month (YYYY-MM) or a date (YYYY-MM-DD); got '\(text)'.") }
        let first = CivilDate(year: m.year, month: m.month, day: 1)!
        return end ? first.adding(days: CivilDate.daysIn(year: m.year, month: m.month) - 1) : first
    }

    static func seriesTable(_ view: HeadcountSeries) -> String {
        let grouped = !view.query.groupBy.isEmpty
        var cols: [TableRenderer.Column] = [.init(title: view.query.period.rawValue.uppercased())]
        if grouped { cols.append(.init(title: "GROUP")) }
        for t in ["PLANNED", "OPEN", "COMMITTED", "FILLED", "SLIPPED", "CLOSED UNFILLED"] { cols.append(.init(title: t, numeric: true)) }
        var table = TableRenderer(cols)
        func counts(_ c: HeadcountCounts) -> [String] {
            [c.planned, HeadcountSeriesPoint.open(c), c.committed, c.filled, c.slipped, c.closedUnfilled].map(String.init)
        }
        for p in view.points {
            let label = p.period + (p.projected ? " *" : "")
            if grouped {
                for r in p.rows {
                    var parts: [String] = []
                    if let d = r.department { parts.append(departmentLabel(d, width: 40)) }
                    if view.query.groupBy.contains(.location) { parts.append(r.location.map { $0.name ?? $0.id } ?? "(no location)") }
                    if view.query.groupBy.contains(.employmentType) { parts.append(r.employmentType ?? "(no type)") }
                    if r.department == nil, view.query.groupBy.contains(.department) { parts.insert("(no department)", at: 0) }
                    table.append([label, parts.joined(separator: ", ")] + counts(r.counts))
                }
                table.append([label, "TOTAL"] + counts(p.totals))
            } else {
                table.append([label] + counts(p.totals))
            }
        }
        let axis = view.query.axis == .asOf
            ? "as of the end of each \(view.query.period.rawValue), " + (view.query.knownAt.map { "as known at \($0.iso8601)" } ?? "as known now")
            : "as known at the end of each \(view.query.period.rawValue)" + (view.query.asOf.map { ", as of \($0.iso8601)" } ?? "")
        var out = "Headcount history from \(view.source.rawValue), \(axis)\n" + table.render()
        if view.points.contains(where: \.projected) { out += "\n* after the latest sync: a projection from what is known now." }
        return out + "\n" + legend(Legend.series)
    }

    static func pivotTable(_ view: HeadcountView, _ measure: HeadcountMeasure) -> String {
        let csv = view.pivot(measure)
        let grouped = view.query.groupBy
        var cols: [TableRenderer.Column] = [.init(title: grouped.isEmpty ? "" : grouped.map { $0 == .employmentType ? "TYPE" : $0.rawValue.uppercased() }.joined(separator: ", "))]
        let monthColumns = csv.header.dropFirst(5)
        for m in monthColumns { cols.append(.init(title: m, numeric: true)) }
        var table = TableRenderer(cols)
        for line in csv.rows {
            var parts: [String] = []
            if grouped.contains(.department) { parts.append(line[1].isEmpty ? "(none)" : truncatedPath(line[1])) }
            if grouped.contains(.location) { parts.append(line[3].isEmpty ? (line[2].isEmpty ? "(none)" : line[2]) : line[3]) }
            if grouped.contains(.employmentType) { parts.append(line[4].isEmpty ? "(none)" : line[4]) }
            table.append([parts.joined(separator: ", ")] + Array(line.dropFirst(5)))
        }
        return "Headcount from \(view.source.rawValue), \(measure.rawValue) per month of start, \(pointDescription(asOf: view.query.asOf, knownAt: view.query.knownAt))\n"
            + table.render() + "\n" + legend(Legend.headcount(rollUp: grouped.contains(.department)))
    }

    static func truncatedPath(_ path: String) -> String {
        departmentLabel(path: path.components(separatedBy: " / "), width: 40)
    }

    /// A legend block: each term and what it means, wrapped under the table.
    static func legend(_ entries: [(String, String)]) -> String {
        let width = entries.map(\.0.count).max() ?? 0
        return "\nLegend:\n" + entries.map { "  " + $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
            .joined(separator: "\n")
    }
}

/// What the columns of each table mean (printed under the table).
enum Legend {
    static func headcount(rollUp: Bool) -> [(String, String)] {
        var out: [(String, String)] = [
            ("PLANNED", "roles open in the plan (openings Approved or Open; without openings: open jobs) = NEW + BACKFILL"),
            ("NEW", "planned roles that add headcount"),
            ("BACKFILL", "planned roles that replace someone who left"),
            ("COMMITTED", "accepted offers whose start date is still ahead (by offer start month)"),
            ("FILLED", "openings filled (without openings: hires), by target start month"),
            ("SLIPPED", "roles whose start date is now later than first planned"),
            ("CLOSED UNFILLED", "openings closed without a hire (without openings: closed jobs without a hire)"),
            ("MONTH", "the role's target start month; committed counts by the offer's start month; 'unscheduled': no date"),
        ]
        if rollUp { out.append(("DEPARTMENT", "a department's row includes its sub-departments; TOTAL counts each role once")) }
        return out
    }

    static let series: [(String, String)] = [
        ("PLANNED", "roles open in the plan at the end of the period"),
        ("OPEN", "planned roles without an accepted offer yet (PLANNED − COMMITTED)"),
        ("COMMITTED", "accepted offers whose start date is after the end of the period"),
        ("FILLED", "openings filled by then (without openings: hires)"),
        ("SLIPPED", "roles whose start date had moved later than first planned"),
        ("CLOSED UNFILLED", "openings closed without a hire by then"),
        ("GROUP", "department rows include their sub-departments; TOTAL counts each role once"),
    ]

    static let pipeline: [(String, String)] = [
        ("APPLICATIONS", "applications with at least one stage entry by the point"),
        ("FUNNEL", "applications that reached each stage type or a later one; (n%) of those that reached the previous type"),
        ("MEDIAN DAYS IN STAGE", "per stage type, median days of the stays that ended by the point"),
        ("Time to fill", "days from a role opening to its first accepted offer, and to that offer's start date"),
    ]

    static let changes: [(String, String)] = [
        ("OCCURRED", "when it happened in Ashby (a time marked ~ in 'events' is inferred)"),
        ("OBSERVED", "when HireLedger saw it; (backfilled): recovered later from Ashby's history"),
        ("START", "the (target) start date after the change"),
        ("MOVED", "days the start date moved (+: later, a slip)"),
    ]
}

extension OutputFormat {
    /// Refuses a format the command cannot print (never a silent fallback to another one).
    func require(_ supported: [OutputFormat], view: String) throws {
        guard supported.contains(self) else {
            throw CLIError("\(view) cannot print --format \(rawValue); it prints \(supported.map(\.rawValue).joined(separator: ", ")).")
        }
    }
}

/// How a command prints data. Every format but `table` is meant for programs and has a schema in `schemas/`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table, json, ndjson, csv
}
