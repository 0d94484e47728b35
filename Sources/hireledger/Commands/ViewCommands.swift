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

/// The explicit way for a read command to store what it folded.
struct CheckpointOptions: ParsableArguments {
    @Flag(name: .customLong("write-checkpoint"),
          help: "Also store the folded state as the view's checkpoint, so later reads and serve start from it (without it the command writes nothing).")
    var writeCheckpoint = false
}

/// `hireledger headcount`: planned, committed and filled headcount by department, location and month;
/// with `--series`, the headcount at the end of each month, week or quarter (headcount history).
struct HeadcountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "headcount",
        abstract: "Planned, committed, filled, slipped and closed headcount by department, location and month.",
        discussion: """
            Openings are the plan; accounts without openings use open jobs (one role each), and the view says which. \
            --series month|week|quarter gives headcount history instead: the view at the end of each period from \
            --from to --to, walking the --axis asOf (what was true then, as known now or --known-at) or knownAt \
            (what was known then). --pivot month prints months as columns. Tables end with a legend.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var axes: TimeAxisOptions
    @OptionGroup var checkpoint: CheckpointOptions
    @Option(help: "Group rows by a comma-separated list of: department, location, employmentType (with --series: none for totals only).")
    var by: String?
    @Option(help: "month (rows per month of target start) or none.") var interval: String = "month"
    @Option(help: "First month, YYYY-MM (with --series: a month or a date, YYYY-MM-DD).") var from: String?
    @Option(help: "Last month, YYYY-MM (with --series: a month or a date, YYYY-MM-DD).") var to: String?
    @Option(help: "Headcount history: the view at the end of each month, week or quarter.") var series: String?
    @Option(help: "With --series: the time axis the points walk, asOf or knownAt.") var axis: String = "asOf"
    @Option(help: "Months as columns: 'month'. Each cell holds --measure.") var pivot: String?
    @Option(help: "With --pivot: the count in each cell (\(HeadcountMeasure.allCases.map(\.rawValue).joined(separator: ", "))).")
    var measure: String = "planned"
    @Option(help: "Output format: table, csv or json.") var format: OutputFormat = .table

    func run() async throws {
        try format.require([.table, .csv, .json], view: "headcount")
        let dims = try Views.dimensions(by ?? (series == nil ? "department" : "none"))
        let asOf = try Views.parseTime(axes.asOf, flag: "--as-of"), knownAt = try Views.parseTime(axes.knownAt, flag: "--known-at")
        if let series {
            guard pivot == nil else { throw CLIError("--pivot does not combine with --series; a series already has one line per period.") }
            guard let period = HeadcountSeriesQuery.Period(rawValue: series) else {
                throw CLIError("--series is month, week or quarter; got '\(series)'.")
            }
            guard let ax = HeadcountSeriesQuery.Axis(rawValue: axis) else { throw CLIError("--axis is asOf or knownAt; got '\(axis)'.") }
            let query = HeadcountSeriesQuery(period: period, axis: ax, from: try Views.parseDay(from, flag: "--from", end: false),
                                             to: try Views.parseDay(to, flag: "--to", end: true), groupBy: dims,
                                             asOf: asOf, knownAt: knownAt)
            let state = try await Views.current(HeadcountProjection.self, try LedgerStore.openExisting(storeOptions.path))
            let view: HeadcountSeries
            do { view = try HeadcountProjection.series(state, query: query) } catch { throw CLIError("--\(error.parameter): \(error.description)") }
            switch format {
            case .json: Terminal.writeOut(view.json.canonicalString + "\n")
            case .csv: Terminal.writeOut(view.csv.text)
            default: Terminal.writeOut(Views.seriesTable(view) + "\n")
            }
            return
        }
        if axis != "asOf" {
            throw CLIError("--axis only applies with --series.")
        }
        guard let iv = HeadcountQuery.Interval(rawValue: interval) else { throw CLIError("--interval is month or none; got '\(interval)'.") }
        let query = HeadcountQuery(groupBy: dims, interval: iv, from: try Views.parseMonth(from, flag: "--from"),
                                   to: try Views.parseMonth(to, flag: "--to"), asOf: asOf, knownAt: knownAt)
        var measured: HeadcountMeasure?
        if let pivot {
            guard pivot == "month" else { throw CLIError("--pivot takes 'month' (months as columns); got '\(pivot)'.") }
            guard iv == .month else { throw CLIError("--pivot month needs --interval month (rows per month to turn into columns).") }
            guard let m = HeadcountMeasure(rawValue: measure) else {
                throw CLIError("--measure is one of \(HeadcountMeasure.allCases.map(\.rawValue).joined(separator: ", ")); got '\(measure)'.")
            }
            guard format != .json else { throw CLIError("--pivot prints a table or CSV; JSON already keys each row by month (drop --pivot).") }
            measured = m
        } else if measure != "planned" {
            throw CLIError("--measure only applies with --pivot month.")
        }
        let store = try LedgerStore.openExisting(storeOptions.path)
        try Views.warnSkipped(store, needs: [.jobs, .openings, .offers, .applications, .departments, .locations], view: "headcount")
        let state = try await Views.current(HeadcountProjection.self, store,
                                     writeCheckpoint: checkpoint.writeCheckpoint)
        let view = HeadcountProjection.view(state, query: query)
        switch (format, measured) {
        case (.csv, let m?): Terminal.writeOut(view.pivot(m).text)
        case (_, let m?): Terminal.writeOut(Views.pivotTable(view, m) + "\n")
        case (.json, nil): Terminal.writeOut(view.json.canonicalString + "\n")
        case (.csv, nil): Terminal.writeOut(view.csv.text)
        default: Terminal.writeOut(Views.headcountTable(view) + "\n")
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
    @OptionGroup var checkpoint: CheckpointOptions
    @Option(help: "Rows per job or department.") var by: String = "department"
    @Option(help: "Output format: table, csv or json.") var format: OutputFormat = .table

    func run() async throws {
        try format.require([.table, .csv, .json], view: "pipeline")
        guard let grouping = PipelineQuery.Grouping(rawValue: by) else { throw CLIError("--by is job or department; got '\(by)'.") }
        let query = PipelineQuery(groupBy: grouping, asOf: try Views.parseTime(axes.asOf, flag: "--as-of"),
                                  knownAt: try Views.parseTime(axes.knownAt, flag: "--known-at"))
        let store = try LedgerStore.openExisting(storeOptions.path)
        try Views.warnSkipped(store, needs: [.applications, .jobs, .interviewPlans, .interviewStages, .departments], view: "pipeline")
        let state = try await Views.current(PipelineProjection.self, store, writeCheckpoint: checkpoint.writeCheckpoint)
        let view = PipelineProjection.view(state, query: query)
        switch format {
        case .json: Terminal.writeOut(view.json.canonicalString + "\n")
        case .csv: Terminal.writeOut(view.csv.text)
        default: Terminal.writeOut(Views.pipelineTable(view) + "\n")
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
    @OptionGroup var checkpoint: CheckpointOptions
    @Option(help: "Start of the window (ISO-8601).") var since: String
    @Option(help: "End of the window (ISO-8601; default now).") var until: String?
    @Option(help: "Which time the window is on: occurred (when it happened) or observed (when HireLedger saw it).")
    var axis: String = "occurred"
    @Option(name: .customLong("known-at"), help: "Only what HireLedger knew at this time (ISO-8601).") var knownAt: String?
    @Option(help: "Output format: table, csv or json.") var format: OutputFormat = .table

    func run() async throws {
        try format.require([.table, .csv, .json], view: "changes")
        guard let ax = PlanChangesQuery.Axis(rawValue: axis) else { throw CLIError("--axis is occurred or observed; got '\(axis)'.") }
        let query = PlanChangesQuery(axis: ax, since: try Views.parseTime(since, flag: "--since")!,
                                     until: try Views.parseTime(until, flag: "--until"),
                                     knownAt: try Views.parseTime(knownAt, flag: "--known-at"))
        let store = try LedgerStore.openExisting(storeOptions.path)
        try Views.warnSkipped(store, needs: [.jobs, .openings, .offers], view: "changes")
        let state = try await Views.current(PlanChangesProjection.self, store, writeCheckpoint: checkpoint.writeCheckpoint)
        let view = PlanChangesProjection.changes(state, query: query)
        switch format {
        case .json: Terminal.writeOut(view.json.canonicalString + "\n")
        case .csv: Terminal.writeOut(view.csv(names: PlanNames(try await Views.current(HeadcountProjection.self, store))).text)
        default: Terminal.writeOut(Views.changesTable(view, names: PlanNames(try await Views.current(HeadcountProjection.self, store))) + "\n")
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
