import ArgumentParser
import Foundation
import HireLedger
import HireLedgerCore

/// `hireledger restore BACKUP`: verifies a backup and puts it in place of the store.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Verify a backup (a directory or a .mdb file from 'hireledger backup') and make it the store.",
        discussion: """
            The backup is verified first (a damaged one is refused, exit 65). An existing store at --store \
            is only replaced with --force, and is then kept beside it as '<store>.replaced-<UTC time>' \
            (delete it yourself once the restored store serves you). Stop 'serve', 'deliver' and syncs \
            on the store before restoring with --force: a process that has the old store open keeps \
            reading the old file.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: "The backup: a directory holding data.mdb, or a .mdb file.") var backup: String
    @Flag(help: "Replace an existing store (kept beside it as <store>.replaced-<time>).") var force = false

    func run() async throws {
        let fm = FileManager.default
        let target = (storeOptions.path as NSString).standardizingPath
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: backup, isDirectory: &isDir) else { throw CLIError("No backup at '\(backup)'.") }
        let source = isDir.boolValue ? (backup as NSString).appendingPathComponent("data.mdb") : backup
        guard fm.fileExists(atPath: source) else { throw CLIError("'\(backup)' holds no data.mdb; is it a HireLedger backup?") }
        let targetData = (target as NSString).appendingPathComponent("data.mdb")
        let exists = fm.fileExists(atPath: targetData)
        if !exists, let entries = try? fm.contentsOfDirectory(atPath: target), !entries.isEmpty {
            throw CLIError("'\(target)' is a directory with files but no store; restore into a missing or empty directory.")
        }
        if exists && !force {
            throw CLIError("A store exists at '\(target)'. Restoring would replace it: add --force (it is then kept as "
                + "'\(target).replaced-<time>'), or restore into a new --store directory.")
        }
        // Stage the copy beside the target (same file system, so the final step is a rename), verify it there.
        let parent = (target as NSString).deletingLastPathComponent
        let staging = ((parent.isEmpty ? "." : parent) as NSString).appendingPathComponent(".hireledger-restore-\(getpid())")
        try? fm.removeItem(atPath: staging)
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        do {
            try fm.copyItem(atPath: source, toPath: (staging as NSString).appendingPathComponent("data.mdb"))
            _ = chmod((staging as NSString).appendingPathComponent("data.mdb"), 0o600)
            try VerifyChild.requireClean(store: staging, what: "the backup")
        } catch {
            try? fm.removeItem(atPath: staging)
            throw error
        }
        var keptAs: String?
        if exists {
            let aside = target + ".replaced-" + BackupCommand.stamp(Date())
            try fm.moveItem(atPath: target, toPath: aside)
            keptAs = aside
        } else if fm.fileExists(atPath: target) {
            try fm.removeItem(atPath: target) // an empty or store-less directory
        }
        try fm.moveItem(atPath: staging, toPath: target)
        try? fm.removeItem(atPath: (target as NSString).appendingPathComponent("lock.mdb"))
        let store = try LedgerStore.openExisting(target)
        let status = try store.status()
        Terminal.writeOut("Restored \(backup) into \(target): \(status.eventCount) events through position "
            + "\(status.lastPosition.value), verified." + (keptAs.map { " The previous store is kept as \($0)." } ?? "") + "\n")
    }
}
