import ArgumentParser
import Foundation
import HireLedger
import HireLedgerCore

/// `hireledger erase candidate ID [--reason TEXT]`: erase one person's personal data from the store.
struct EraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Erase a candidate's personal data from every event, state row and view (e.g. a GDPR art. 17 request).",
        discussion: """
            Replaces the candidate's name, email addresses, phone numbers, social links and file names and \
            handles with "[erased]" wherever they occur in the store (also in free text, and in the candidate \
            object of its applications), and clears position, company, school, location and profileUrl in \
            the candidate's own records. The events stay (positions, types, stage moves, counts), so every \
            view adds up as before. Appends a 'candidate.erased' event for webhook and SSE consumers, and \
            keeps a redaction list so later syncs do not bring the values back while Ashby still has them. \
            Old copies of the pages stay in the data file until reused: to have them gone from the file, \
            make a compacted copy ('hireledger backup DIR') and restore it. Backups taken before the \
            erasure still hold the data: delete them. Running it again finishes an interrupted erasure.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: "What to erase: candidate.") var kind: String
    @Argument(help: "The candidate's Ashby id.") var id: String
    @Option(help: "Why (stored in the candidate.erased event; do not name the person).") var reason: String?

    func validate() throws {
        guard kind == "candidate" else { throw ValidationError("only 'erase candidate ID' is supported; got '\(kind)'.") }
    }

    func run() async throws {
        let store = try LedgerStore.openExisting(storeOptions.path)
        let report: ErasureReport
        do {
            report = try store.eraseCandidate(id: id, reason: reason, at: SystemLedgerClock().now())
        } catch let e as ErasureError {
            throw CLIError(e.description)
        }
        Terminal.writeOut("Erased candidate \(id)\(report.repeated ? " (again)" : ""): \(report.eventsRewritten) events and "
            + "\(report.rowsRewritten) state rows rewritten, \(report.projectionEntriesDropped) view checkpoints dropped; "
            + "candidate.erased is event \(report.erasedEvent.value). Compact the file (hireledger backup, then restore) "
            + "to drop old page copies.\n")
    }
}
