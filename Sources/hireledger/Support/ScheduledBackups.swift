import ArgumentParser
import Foundation
import HireLedger

/// `serve --backup-every 24h --backup-dir D --backup-keep N`: a verified, compacted backup on a
/// schedule (the same as `hireledger backup`), keeping the newest N.
enum ScheduledBackups {
    struct Options: ParsableArguments {
        @Option(name: .customLong("backup-every"), help: "Take a backup this often while serving, e.g. 24h, 30m, 90s.")
        var every: String?
        @Option(name: .customLong("backup-dir"), help: "Directory for the scheduled backups (one 'hireledger-<UTC time>' directory each).")
        var directory: String?
        @Option(name: .customLong("backup-keep"), help: "How many scheduled backups to keep (the oldest are removed).")
        var keep: Int = 7

        func validate() throws {
            if every != nil || directory != nil { _ = try schedule() }
        }

        func schedule() throws -> Schedule? {
            guard let every else {
                if directory != nil { throw ValidationError("--backup-dir needs --backup-every (e.g. --backup-every 24h).") }
                return nil
            }
            guard let seconds = ScheduledBackups.seconds(every), seconds >= 1 else {
                throw ValidationError("--backup-every takes a duration such as 24h, 30m or 90s; got '\(every)'.")
            }
            guard let directory else { throw ValidationError("--backup-every needs --backup-dir DIR.") }
            guard keep >= 1 else { throw ValidationError("--backup-keep must be at least 1; got \(keep).") }
            return Schedule(interval: seconds, directory: directory, keep: keep)
        }
    }

    struct Schedule: Sendable {
        var interval: Double
        var directory: String
        var keep: Int
    }

    /// "24h", "30m", "90s", "2d" or plain seconds.
    static func seconds(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let unit = text.last, let factor = units[unit], let n = Double(text.dropLast()) { return n * factor }
        return Double(text)
    }

    /// Starts the schedule on a thread of its own (a backup blocks on the copy and the verifications).
    static func start(store: LedgerStore, schedule: Schedule) {
        Terminal.writeError("Backups: every \(Int(schedule.interval)) s into \(schedule.directory), keeping \(schedule.keep).\n")
        Thread.detachNewThread {
            while true {
                Thread.sleep(forTimeInterval: schedule.interval)
                runOnce(store: store, schedule: schedule)
            }
        }
    }

    static func runOnce(store: LedgerStore, schedule: Schedule) {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: schedule.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let name = "hireledger-" + BackupCommand.stamp(Date())
            let target = (schedule.directory as NSString).appendingPathComponent(name)
            // Written under a name the listing below (and a reader) ignores, then renamed into place
            // once verified: a backup cut short by a stop or a crash is never taken for a whole one.
            let partial = (schedule.directory as NSString).appendingPathComponent(".partial-" + name)
            try? fm.removeItem(atPath: partial)
            let result: BackupCommand.Result
            do { result = try BackupCommand.backup(store, to: partial) } catch {
                try? fm.removeItem(atPath: partial)
                throw error
            }
            try fm.moveItem(atPath: partial, toPath: target)
            // An old backup is renamed out of the listing first, then removed: a stop in the middle of the
            // removal leaves a `.removing-` directory (cleared by the next run), never a half-deleted
            // backup under a backup's name. The line is written once the set of backups is final.
            let names = try fm.contentsOfDirectory(atPath: schedule.directory).filter { $0.hasPrefix("hireledger-") }.sorted()
            for old in names.dropLast(schedule.keep) {
                let removing = (schedule.directory as NSString).appendingPathComponent(".removing-" + old)
                try fm.moveItem(atPath: (schedule.directory as NSString).appendingPathComponent(old), toPath: removing)
                try fm.removeItem(atPath: removing)
            }
            for leftover in try fm.contentsOfDirectory(atPath: schedule.directory) where leftover.hasPrefix(".removing-") {
                try? fm.removeItem(atPath: (schedule.directory as NSString).appendingPathComponent(leftover))
            }
            Terminal.writeError("hireledger serve: \(result.summary.replacingOccurrences(of: partial, with: target))\n")
        } catch {
            Terminal.writeError("hireledger serve: the scheduled backup failed: \(error)\n")
        }
    }
}
