import ArgumentParser
import Foundation
import HireLedger
import HireLedgerCore

/// `hireledger backup DIR|FILE`: an online, consistent, compacted and verified copy of the store.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent, compacted, verified copy of the store while syncs and the server keep running.",
        discussion: """
            DEST is a directory (created if missing; if it exists and is not empty, the backup goes into a new \
            'hireledger-<UTC time>' directory inside it) or a file whose name ends in .mdb. The copy is one \
            read transaction's snapshot (mdb_env_copy2 with MDB_CP_COMPACT): writers go on meanwhile, and the \
            copy holds the log up to the last commit before it started. The source is verified first and a \
            damaged source is refused (exit 65); the copy is verified before the command succeeds. Restore \
            with 'hireledger restore'.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: "Where to write the backup: a directory, or a file ending in .mdb.") var destination: String

    func run() async throws {
        let store = try LedgerStore.openExisting(storeOptions.path)
        let result = try Self.backup(store, to: destination)
        Terminal.writeOut(result.summary + "\n")
    }

    struct Result {
        var path: String
        var bytes: Int
        var summary: String
    }

    /// Verifies the source, copies it compacted, verifies the copy; used by `serve --backup-every` too.
    static func backup(_ store: LedgerStore, to destination: String, verifySource: Bool = true) throws -> Result {
        let fm = FileManager.default
        if verifySource { try VerifyChild.requireClean(store: store.path, what: "the source store") }
        let started = Date()
        let status = try store.status()
        let asFile = destination.hasSuffix(".mdb")
        var directory: String
        if asFile {
            if fm.fileExists(atPath: destination) {
                throw CLIError("'\(destination)' exists; a backup never overwrites a file. Pick a new name.")
            }
            let parent = (destination as NSString).deletingLastPathComponent
            directory = ((parent.isEmpty ? "." : parent) as NSString).appendingPathComponent(".hireledger-backup-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        } else {
            directory = destination
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: destination, isDirectory: &isDir) {
                guard isDir.boolValue else { throw CLIError("'\(destination)' is a file; give a directory or a name ending in .mdb.") }
                if !((try? fm.contentsOfDirectory(atPath: destination))?.isEmpty ?? true) {
                    directory = (destination as NSString).appendingPathComponent("hireledger-" + Self.stamp(Date()))
                }
            }
        }
        do {
            try store.copy(to: directory)
            try VerifyChild.requireClean(store: directory, what: "the backup copy")
        } catch {
            try? fm.removeItem(atPath: directory)
            throw error
        }
        var final = directory
        if asFile {
            try fm.moveItem(atPath: (directory as NSString).appendingPathComponent("data.mdb"), toPath: destination)
            try? fm.removeItem(atPath: directory)
            final = destination
        } else {
            try? fm.removeItem(atPath: (directory as NSString).appendingPathComponent("lock.mdb"))
        }
        let dataFile = asFile ? final : (final as NSString).appendingPathComponent("data.mdb")
        let bytes = ((try? fm.attributesOfItem(atPath: dataFile))?[.size] as? NSNumber)?.intValue ?? 0
        let seconds = Date().timeIntervalSince(started)
        let summary = "Backed up \(store.path) (\(status.eventCount) events through position \(status.lastPosition.value)"
            + (status.lastObservedAt.map { ", observed up to \($0.iso8601)" } ?? "") + ") to \(final): "
            + "\(StatusCommand.bytes(bytes)) (store \(StatusCommand.bytes(status.usedBytes)) in use) in "
            + String(format: "%.1f", seconds) + " s, verified."
        return Result(path: final, bytes: bytes, summary: summary)
    }

    static func stamp(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: date)
    }
}
