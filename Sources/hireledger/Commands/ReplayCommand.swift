import ArgumentParser
import Foundation
import HireLedger
import HireLedgerCore

/// `hireledger replay --until T --into DIR`: a new store holding the log up to T.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Write a new store holding the log up to T (the events observed at or before T).",
        discussion: """
            The new store keeps the source's store id (the events keep their positions, so their ids \
            stay the same) and has its state index, indexes, projections and sync runs rebuilt for that \
            prefix: its views equal the source's views --known-at T. Sync tokens are not kept, so its \
            next sync is a full pass. DIR must be missing or empty.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "Keep the events observed at or before this time (ISO-8601).") var until: String
    @Option(help: "Directory of the new store (missing or empty).") var into: String

    func run() async throws {
        guard let t = try Views.parseTime(until, flag: "--until") else { return }
        let source = try LedgerStore.openExisting(storeOptions.path)
        let target = (into as NSString).standardizingPath
        if target == (source.path as NSString).standardizingPath {
            throw CLIError("--into is the source store itself; pick a new directory.")
        }
        // A damaged source would give a short or empty replay that looks like a success.
        try VerifyChild.requireClean(store: source.path, what: "the source store")
        let report: LedgerReplay.Report
        do { report = try LedgerReplay.replay(source, until: t, into: target) } catch let e as ReplayError {
            throw CLIError(e.description)
        }
        var line = "Replayed \(report.events) events (through position \(report.lastPosition.value)"
        if let at = report.lastObservedAt { line += ", last observed \(at.iso8601)" }
        line += ") and \(report.records) records into \(target) (store id \(report.storeId)).\n"
        Terminal.writeOut(line)
    }
}
