import ArgumentParser
import AshbyAPI
import Foundation
import HireLedger
import HireLedgerCore

/// The two time axes every view takes.
struct TimeAxisOptions: ParsableArguments {
    @Option(name: .customLong("as-of"), help: "What was true at this time, as known now (ISO-8601).")
    var asOf: String?
    @Option(name: .customLong("known-at"), help: "What HireLedger knew at this time (ISO-8601).")
    var knownAt: String?
}

/// `hireledger headcount`: planned, committed and filled headcount by department, location and month.
struct HeadcountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "headcount",
        abstract: "Planned, committed, filled, slipped and closed headcount by department, location and month.",
        discussion: "Openings are the plan; accounts without openings use open jobs (one role each), and the view says which."
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var axes: TimeAxisOptions
    @Option(help: "Group rows by a comma-separated list of: department, location, employmentType.")
    var by: String = "department"
    @Option(help: "month (rows per month of target start) or none.") var interval: String = "month"
    @Option(help: "First month, YYYY-MM.") var from: String?
    @Option(help: "Last month, YYYY-MM.") var to: String?
    @Option(help: "Output format: table, csv or json.") var format: OutputFormat = .table

    func run() async throws {
        var dims: [HeadcountQuery.Dimension] = []
        for part in by.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let d = HeadcountQuery.Dimension(rawValue: part) else {
                throw CLIError("--by takes department, location and employmentType; got '\(part)'.")
            }
            dims.append(d)
        }
        guard let iv = HeadcountQuery.Interval(rawValue: interval) else { throw CLIError("--interval is month or none; got '\(interval)'.") }
        let query = HeadcountQuery(groupBy: dims, interval: iv, from: try Views.parseMonth(from, flag: "--from"),
                                   to: try Views.parseMonth(to, flag: "--to"),
                                   asOf: try Views.parseTime(axes.asOf, flag: "--as-of"),
                                   knownAt: try Views.parseTime(axes.knownAt, flag: "--known-at"))
        let store = try LedgerStore.openExisting(storeOptions.path)
        try Views.warnSkipped(store, needs: [.jobs, .openings, .offers, .applications, .departments, .locations], view: "headcount")
        let state = try Views.current(HeadcountProjection.self, store)
        let view = HeadcountProjection.view(state, query: query)
        switch format {
        case .json, .ndjson: Terminal.writeOut(view.json.canonicalString + "\n")
        case .csv: Terminal.writeOut(Views.headcountCSV(view) + "\n")
        case .table: Terminal.writeOut(Views.headcountTable(view) + "\n")
        }
    }
}

/// `hireledger pipeline`: applications per stage, conversion, time in stage, time to fill.
struct PipelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Applications per stage per job or department, conversion between stage types, time to fill."
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var axes: TimeAxisOptions
    @Option(help: "Rows per job or department.") var by: String = "department"
    @Option(help: "Output format: table or json.") var format: OutputFormat = .table

    func run() async throws {
        guard let grouping = PipelineQuery.Grouping(rawValue: by) else { throw CLIError("--by is job or department; got '\(by)'.") }
        let query = PipelineQuery(groupBy: grouping, asOf: try Views.parseTime(axes.asOf, flag: "--as-of"),
                                  knownAt: try Views.parseTime(axes.knownAt, flag: "--known-at"))
        let store = try LedgerStore.openExisting(storeOptions.path)
        try Views.warnSkipped(store, needs: [.applications, .jobs, .interviewPlans, .interviewStages, .departments], view: "pipeline")
        let state = try Views.current(PipelineProjection.self, store)
        let view = PipelineProjection.view(state, query: query)
        switch format {
        case .json, .ndjson, .csv: Terminal.writeOut(view.json.canonicalString + "\n")
        case .table: Terminal.writeOut(Views.pipelineTable(view) + "\n")
        }
    }
}

/// `hireledger changes`: what changed in the plan between two points.
struct ChangesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "changes",
        abstract: "What changed in the plan between two points: openings opened, closed or filled; offers accepted or declined; start dates slipped; hires landed."
    )

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "Start of the window (ISO-8601).") var since: String
    @Option(help: "End of the window (ISO-8601; default now).") var until: String?
    @Option(help: "Which time the window is on: occurred (when it happened) or observed (when HireLedger saw it).")
    var axis: String = "occurred"
    @Option(name: .customLong("known-at"), help: "Only what HireLedger knew at this time (ISO-8601).") var knownAt: String?
    @Option(help: "Output format: table or json.") var format: OutputFormat = .table

    func run() async throws {
        guard let ax = PlanChangesQuery.Axis(rawValue: axis) else { throw CLIError("--axis is occurred or observed; got '\(axis)'.") }
        let query = PlanChangesQuery(axis: ax, since: try Views.parseTime(since, flag: "--since")!,
                                     until: try Views.parseTime(until, flag: "--until"),
                                     knownAt: try Views.parseTime(knownAt, flag: "--known-at"))
        let store = try LedgerStore.openExisting(storeOptions.path)
        try Views.warnSkipped(store, needs: [.jobs, .openings, .offers], view: "changes")
        let state = try Views.current(PlanChangesProjection.self, store)
        let view = PlanChangesProjection.changes(state, query: query)
        switch format {
        case .json, .ndjson, .csv: Terminal.writeOut(view.json.canonicalString + "\n")
        case .table: Terminal.writeOut(Views.changesTable(view) + "\n")
        }
    }
}

extension Views {
    /// Says on standard error which of the types a view is built from the last sync could not read (the
    /// key lacks their permission), so an empty column reads as "not synced", never as zero.
    static func warnSkipped(_ store: LedgerStore, needs: [AshbyEntityType], view: String) throws {
        let skipped = try store.skipped(among: needs)
        guard !skipped.isEmpty else { return }
        Terminal.writeError("warning: the \(view) view lacks \(skipped.map(\.description).joined(separator: ", ")): the last sync "
            + "could not read them, so what they would contribute is missing, not zero. Grant the permission and sync again.\n")
    }
}
