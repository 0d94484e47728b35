import ArgumentParser
import Foundation
import HireLedger
import HireLedgerCore

/// `hireledger verify`: checks the whole store; exits 65 on any finding.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the whole store: checksums, the log's positions, indexes, state rows and projection checkpoints.",
        discussion: """
            Walks every database and checks every value's checksum; that the log's positions run 1, 2, 3… \
            with no gap; that the indexes hold one entry per event; that each state row equals the fold of \
            its record's events; and that each projection checkpoint equals a fold of the log. The walk runs \
            in a child process, so a damaged page that crashes liblmdb is reported as a finding. Prints a \
            report and exits 0 when nothing was found, 65 otherwise.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "Write a new store into DIR (missing or empty) from every event that can still be read, rebuilding the rest, and name the positions lost.")
    var salvage: String?
    @Flag(name: .customLong("in-process"), help: .hidden) var inProcess = false
    @Option(name: .customLong("salvage-collect"), help: .hidden) var salvageCollect: String?
    @Option(name: .customLong("salvage-build"), help: .hidden) var salvageBuild: String?
    @Option(name: .customLong("salvage-raw"), help: .hidden) var salvageRaw: String?
    @Option(name: .customLong("store-id"), help: "With --salvage: the store's id, for a store so damaged that the page holding it is gone (the part before ':' of any of its event ids).")
    var storeId: String?
    /// Leaves the page walk out: what LMDB and the checksums see on their own (for the damage figures).
    @Flag(name: .customLong("without-page-walk"), help: .hidden) var withoutPageWalk = false

    /// A `--salvage-collect` child's exit code when LMDB cannot open the store at all: the parent then
    /// scans the data file page by page instead.
    static let unopenable: Int32 = 66

    /// The line naming the records whose chain of updates a lost event broke (empty when none).
    static func brokenRecordsLine(_ r: StoreSalvage.Report) -> String {
        guard !r.brokenRecords.isEmpty else { return "" }
        return "\(r.brokenRecords.count) records lost an update and keep their last version that folds: "
            + r.brokenRecords.prefix(10).map(\.description).joined(separator: ", ") + (r.brokenRecords.count > 10 ? ", …" : "") + "\n"
    }

    func run() async throws {
        if let staging = salvageRaw, let target = salvage {
            let source = try StoreSalvage.collectRaw(directory: storeOptions.path, staging: staging, storeId: storeId)
            let r = try StoreSalvage.build(storeId: source.storeId, createdAt: source.createdAt, runs: [], erasures: source.erasures,
                                           staging: staging, into: target, last: source.last)
            var text = "LMDB cannot open the store, so the data file was scanned page by page (\(source.leafPages) leaf pages of "
                + "\(source.pageSize) bytes). Salvaged \(r.recovered) events (the highest position found is \(source.last.value)) into "
                + "\(target) (store id \(source.storeId)). "
            text += r.lost.isEmpty ? "No position up to \(source.last.value) was lost" : "Lost positions (\(r.lost.count)): \(StoreVerifier.summary(r.lost.map(\.value)))"
            text += "; events after position \(source.last.value), if there were any, cannot be known. The sync checkpoints were not "
                + "recovered: the next sync runs a full pass.\n"
            text += Self.brokenRecordsLine(r)
            Terminal.writeOut(text)
            return
        }
        if let staging = salvageCollect {
            let store: LedgerStore
            do { store = try LedgerStore.openExisting(storeOptions.path) } catch {
                if StoreDamage(error) != nil {
                    Terminal.writeError("hireledger: LMDB cannot open the store: \(error)\n")
                    throw ExitCode(Self.unopenable)
                }
                throw error
            }
            let last = StoreSalvage.lastPosition(of: store)
            _ = try StoreSalvage.collect(source: store, staging: staging, last: last)
            // Events under a damaged branch page cannot be reached through LMDB; their leaf pages may be whole.
            _ = try StoreSalvage.topUpFromPages(directory: storeOptions.path, staging: staging, storeId: store.storeId)
            Terminal.writeOut("\(last.value)\n")
            return
        }
        if let staging = salvageBuild, let target = salvage {
            let store = try LedgerStore.openExisting(storeOptions.path)
            let last = StoreSalvage.lastPosition(of: store)
            let r = try StoreSalvage.build(source: store, staging: staging, into: target, last: last)
            var text = "Salvaged \(r.recovered) of \(r.lastPosition.value) events into \(target) (store id \(store.storeId)). "
            if r.lost.isEmpty {
                text += "No position was lost.\n"
            } else {
                text += "Lost positions (\(r.lost.count)): \(StoreVerifier.summary(r.lost.map(\.value))).\n"
            }
            text += Self.brokenRecordsLine(r)
            Terminal.writeOut(text)
            return
        }
        if let target = salvage {
            if let storeId, storeId.count != 32 || !storeId.allSatisfy(\.isHexDigit) {
                throw CLIError("--store-id takes a store id: 32 hexadecimal digits, the part before ':' of an event id; got '\(storeId)'.")
            }
            try Self.runSalvage(store: storeOptions.path, into: target, storeId: storeId)
            return
        }
        if inProcess {
            let store = try LedgerStore.openExisting(storeOptions.path)
            let started = Date()
            let report = StoreVerifier.verify(store, pageWalk: !withoutPageWalk)
            Terminal.writeOut(Self.render(report, path: store.path, seconds: Date().timeIntervalSince(started)))
            if !report.isClean { throw ExitCode(CrashBoundary.exitCode) }
            return
        }
        guard FileManager.default.fileExists(atPath: (storeOptions.path as NSString).appendingPathComponent("data.mdb")) else {
            _ = try LedgerStore.openExisting(storeOptions.path) // says there is no store
            return
        }
        let outcome = try VerifyChild.run(store: storeOptions.path, extra: withoutPageWalk ? ["--without-page-walk"] : [])
        Terminal.writeOut(outcome.report)
        if outcome.clean { return }
        if let ending = outcome.ending {
            Terminal.writeOut("  - \(ending)\n")
        }
        let errors = outcome.errors.trimmingCharacters(in: .whitespacesAndNewlines)
        if !errors.isEmpty { Terminal.writeError(errors + "\n") }
        if !outcome.report.isEmpty || outcome.ending != nil {
            Terminal.writeError("verify: the store at \(storeOptions.path) is damaged. \(LedgerStoreError.wayOut)\n")
        }
        throw ExitCode(CrashBoundary.exitCode)
    }

    /// Collects in a child process (restarted after each crash, each crash losing the position it
    /// was reading), then builds the new store in another child.
    static func runSalvage(store path: String, into target: String, storeId: String? = nil) throws {
        let fm = FileManager.default
        if let entries = try? fm.contentsOfDirectory(atPath: target), !entries.isEmpty {
            throw CLIError("'\(target)' is not empty; --salvage writes a new store into a missing or empty directory.")
        }
        guard fm.fileExists(atPath: (path as NSString).appendingPathComponent("data.mdb")) else {
            _ = try LedgerStore.openExisting(path)
            return
        }
        let staging = (target as NSString).standardizingPath + ".salvage-staging"
        try? fm.removeItem(atPath: staging)
        defer { try? fm.removeItem(atPath: staging) }
        var crashes = 0
        while true {
            let r = try VerifyChild.runArguments(["verify", "--salvage-collect", staging, "--store", path])
            if r.status == 0 && !r.signalled { break }
            // A crash inside liblmdb (the crash boundary's message, or a signal) loses the position being
            // read and the collection goes on.
            let crashed = r.signalled || (r.status == CrashBoundary.exitCode && r.errors.contains(CrashBoundary.marker))
            if (r.status == unopenable && !r.signalled) || !crashed || crashes >= 1_000 {
                // LMDB cannot open or read the store (both meta pages gone, the file cut short, the main
                // database's root page damaged): scan the data file itself.
                try? fm.removeItem(atPath: staging)
                let raw = try VerifyChild.runArguments(["verify", "--salvage-raw", staging, "--salvage", target, "--store", path]
                                                       + (storeId.map { ["--store-id", $0] } ?? []))
                Terminal.writeOut(raw.output)
                guard raw.status == 0, !raw.signalled else {
                    throw CLIError("salvage could not read the store at \(path): LMDB cannot open or read it (\(r.errors.trimmingCharacters(in: .whitespacesAndNewlines))) "
                        + "and a scan of the data file page by page could not salvage it (\(raw.errors.trimmingCharacters(in: .whitespacesAndNewlines))). "
                        + "Restore it from a backup.")
                }
                return
            }
            crashes += 1
        }
        let built = try VerifyChild.runArguments(["verify", "--salvage-build", staging, "--salvage", target, "--store", path])
        Terminal.writeOut(built.output)
        guard built.status == 0, !built.signalled else {
            throw CLIError("salvage could not write the new store: \(built.errors.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        if crashes > 0 { Terminal.writeOut("(reading crashed \(crashes) times inside liblmdb; each crash lost the position being read)\n") }
    }

    static func render(_ report: StoreVerifier.Report, path: String, seconds: Double) -> String {
        var text = "Verified \(path) in \(String(format: "%.1f", seconds)) s: \(report.events) events (last position "
            + "\(report.lastPosition.value)), \(report.rowsChecked) state rows folded, "
            + "\(report.projectionsChecked.count) projection checkpoints refolded"
            + (report.knownLost > 0 ? "; \(report.knownLost) positions known lost by a salvage" : "") + ".\n"
        let counts = report.entriesRead.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        text += "Entries read: \(counts).\n"
        if let pages = report.pages {
            text += "Pages walked: \(pages.inUse) in use and \(pages.free) listed free (\(pages.pageSize)-byte pages).\n"
        }
        if report.isClean {
            text += "No damage found.\n"
        } else {
            text += "\(report.findings.count) finding\(report.findings.count == 1 ? "" : "s"):\n"
            for f in report.findings { text += "  - \(f)\n" }
        }
        return text
    }
}
