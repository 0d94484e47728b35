import Foundation
import HireLedgerCore
import Testing

/// Backups, restores, read-only access and exit codes, through real processes of the built `hireledger`.
@Suite(.serialized)
struct StoreAccessTests {
    static func run(_ arguments: [String], asUser: String? = nil, timeout: Double = 300) throws -> StoreDamageTests.Run {
        try StoreDamageTests.hireledger(arguments, timeout: timeout, asUser: asUser)
    }

    @Test func aStoreThisUserMayOnlyReadAnswersEveryQueryCommand() async throws {
        try await withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let store = dir + "/store"
            let demo = try Self.run(["demo", "--store", store, "--size", "tiny", "--days", "10", "--seed", "4"])
            try #require(demo.status == 0, "\(demo.stderr)")
            let ownerAnswers = try Self.run(["headcount", "--store", store, "--format", "json"])
            // Owned by root, readable by everyone, writable by no one else; the lock file is left as it is (0600).
            for (p, mode) in [(dir, 0o755), (store, 0o755), (store + "/data.mdb", 0o644)] { #expect(chmod(p, mode_t(mode)) == 0) }
            guard geteuid() == 0 else {
                // Without root, the same holds for this user on a 0555 directory and 0444 file.
                Issue.record("not running as root: the read-only test needs another user (setpriv to nobody)")
                return
            }
            let events = try Self.run(["events", "--store", store, "--format", "ndjson"], asUser: "65534")
            #expect(events.status == 0, "\(events.stderr)")
            let first = try JSONValue.parse(String(events.stdout.split(separator: "\n").first { $0.contains("record.application.created") } ?? ""))
            let appId = first["subject"]?.stringValue?.split(separator: "/").last.map(String.init) ?? ""
            let queries: [[String]] = [
                ["status"], ["status", "--format", "json"], ["events", "--type", "application.*"], ["headcount"],
                ["headcount", "--format", "json"], ["pipeline"], ["changes", "--since", "2020-01-01T00:00:00Z"],
                ["state", "application", appId], ["verify"],
            ]
            for q in queries {
                let r = try Self.run(q + ["--store", store], asUser: "65534")
                #expect(r.status == 0 && !r.signalled, "`hireledger \(q.joined(separator: " "))` as nobody: \(r.stderr)")
                if q == ["headcount", "--format", "json"] { #expect(r.stdout == ownerAnswers.stdout) }
            }
            // A write is refused clearly, and nothing changed.
            let sync = try Self.run(["subscribe", "add", "http://127.0.0.1:9/hooks", "--allow-private-webhooks", "--store", store], asUser: "65534")
            #expect(sync.status != 0 && sync.stderr.contains("read-only"), "\(sync.stderr)")
        }
    }

    @Test func aBackupTakenDuringASyncAndAServeRestoresToAVerifiedStoreWithTheSameViewsKnownAtItsTime() async throws {
        try await withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let bin = try Executables.directory()
            // Medium, so the full sync below lasts long enough (seconds) for the backup to land inside it.
            let sim = try SimulatorProcess(executable: bin + "/ashby-sim", size: "medium", seed: 9)
            defer { sim.stop() }
            let store = dir + "/store"
            // A first sync so serve has a store, then serve and a second, full sync running while the backup is taken.
            let first = try ChildProcess.run(bin + "/hireledger", ["sync", "--store", store, "--base-url", sim.url, "--type", "jobs"],
                                             environment: ["ASHBY_API_KEY": sim.apiKey])
            try #require(first.status == 0, "\(first.stderr)")
            let serve = try ChildProcess.start(bin + "/hireledger", ["serve", "--store", store, "--port", "0", "--no-webhooks"],
                                               environment: ["ASHBY_API_KEY": ""])
            defer { serve.kill(SIGTERM); serve.waitUntilExit() }
            let sync = try ChildProcess.start(bin + "/hireledger", ["sync", "--store", store, "--base-url", sim.url, "--full"],
                                              environment: ["ASHBY_API_KEY": sim.apiKey])
            usleep(700_000)
            let backup = try Self.run(["backup", "--store", store, dir + "/backup"])
            #expect(backup.status == 0, "\(backup.stderr)")
            #expect(sync.process.isRunning, "the sync ended before the backup; the test did not overlap them")
            sync.waitUntilExit()
            #expect(sync.process.terminationStatus == 0)

            let restore = try Self.run(["restore", dir + "/backup", "--store", dir + "/restored"])
            #expect(restore.status == 0, "\(restore.stderr)")
            #expect(try Self.run(["verify", "--store", dir + "/restored"]).status == 0)
            let status = try JSONValue.parse(try Self.run(["status", "--store", dir + "/restored", "--format", "json"]).stdout)
            let t = try #require(status["lastObservedAt"]?.stringValue)
            for view in [["headcount", "--format", "json"], ["pipeline", "--format", "json"]] {
                let a = try Self.run(view + ["--known-at", t, "--store", dir + "/restored"])
                let b = try Self.run(view + ["--known-at", t, "--store", store])
                #expect(a.status == 0 && a.stdout == b.stdout, "\(view[0]) known at \(t) differs between the restored backup and the source")
            }
            // Restoring over a live store needs --force, and keeps the old one.
            let refused = try Self.run(["restore", dir + "/backup", "--store", dir + "/restored"])
            #expect(refused.status != 0 && refused.stderr.contains("--force"))
            let forced = try Self.run(["restore", dir + "/backup", "--store", dir + "/restored", "--force"])
            #expect(forced.status == 0 && forced.stdout.contains("kept as"), "\(forced.stderr)")
        }
    }

    @Test func deliverOnceExitsNonZeroWhenADeliveryFailed() async throws {
        try await withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let store = dir + "/store"
            let demo = try Self.run(["demo", "--store", store, "--size", "tiny", "--days", "2", "--seed", "4"])
            try #require(demo.status == 0, "\(demo.stderr)")
            // Nothing listens on port 9 of the loopback: every attempt fails.
            let add = try Self.run(["subscribe", "add", "http://127.0.0.1:9/hooks", "--allow-private-webhooks", "--from", "beginning", "--store", store])
            try #require(add.status == 0, "\(add.stderr)")
            let deliver = try Self.run(["deliver", "--once", "--allow-private-webhooks", "--timeout", "2", "--store", store])
            #expect(deliver.status == 1, "\(deliver.stdout) \(deliver.stderr)")
            #expect(deliver.stderr.contains("failed"))
        }
    }
}

extension StoreAccessTests {
    @Test func serveTakesScheduledBackupsAndKeepsTheNewestN() async throws {
        try await withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let store = dir + "/store"
            let demo = try Self.run(["demo", "--store", store, "--size", "tiny", "--days", "2", "--seed", "4"])
            try #require(demo.status == 0, "\(demo.stderr)")
            let bin = try Executables.directory()
            let serve = try ChildProcess.start(bin + "/hireledger", ["serve", "--store", store, "--port", "0", "--no-webhooks",
                                                                     "--backup-every", "2s", "--backup-dir", dir + "/backups",
                                                                     "--backup-keep", "2"])
            defer { serve.kill(SIGTERM); serve.waitUntilExit() }
            // Wait until at least three backups were taken (so one was removed).
            let errPipe = serve.process.standardError as! Pipe
            var text = ""
            let deadline = Date().addingTimeInterval(120)
            while text.components(separatedBy: "Backed up").count - 1 < 3, Date() < deadline {
                let chunk = errPipe.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            #expect(text.components(separatedBy: "Backed up").count - 1 >= 3, "\(text)")
            // Stopped first, so no backup is being written while the directory is listed.
            serve.kill(SIGTERM)
            serve.waitUntilExit()
            let kept = try FileManager.default.contentsOfDirectory(atPath: dir + "/backups").filter { $0.hasPrefix("hireledger-") }
            #expect(kept.count == 2, "\(kept)")
            for name in kept {
                #expect(try Self.run(["verify", "--store", dir + "/backups/" + name]).status == 0)
            }
        }
    }
}
