import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerTestSupport
import NATSClient
import Testing

/// `hireledger accounts` and `hireledger serve --deployment` as real processes.
struct AccountsCommandTests {
    @Test func accountsAreAddedListedCheckedAndRemoved() async throws {
        try await withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: dir + "/keys", withIntermediateDirectories: true)
            let exe = try Executables.directory() + "/hireledger"
            let file = dir + "/deployment.toml"
            #expect(FileManager.default.createFile(atPath: dir + "/keys/acme.key", contents: Data("sk_test_acme_0123456789abcdef".utf8),
                                           attributes: [.posixPermissions: 0o600]))
            #expect(FileManager.default.createFile(atPath: dir + "/keys/shared.key", contents: Data("sk_test_shared_0123456789abcdef".utf8),
                                           attributes: [.posixPermissions: 0o644]))

            let add = try ChildProcess.run(exe, ["accounts", "add", "acme", "--deployment", file, "--store", "stores/acme",
                                                 "--key-file", "keys/acme.key", "--sync-every", "30m", "--requests-per-second", "3"])
            #expect(add.status == 0, "\(add.stderr)")
            let sim = try ChildProcess.run(exe, ["accounts", "add", "trial", "--deployment", file, "--store", "stores/trial", "--simulator-seed", "4"])
            #expect(sim.status == 0, "\(sim.stderr)")
            #expect(try posixPermissions(file) == 0o600)

            // Refused, with the reason: a duplicate name, a bad name, a key file others can read.
            let twice = try ChildProcess.run(exe, ["accounts", "add", "acme", "--deployment", file, "--store", "x", "--simulator-seed", "1"])
            #expect(twice.status != 0 && twice.stderr.contains("already has an account 'acme'"), "\(twice.stderr)")
            let badName = try ChildProcess.run(exe, ["accounts", "add", "a/b", "--deployment", file, "--store", "y", "--simulator-seed", "1"])
            #expect(badName.status != 0 && badName.stderr.contains("letters, digits"), "\(badName.stderr)")
            let shared = try ChildProcess.run(exe, ["accounts", "add", "shared", "--deployment", file, "--store", "z", "--key-file", "keys/shared.key"])
            #expect(shared.status != 0 && shared.stderr.contains("readable by"), "\(shared.stderr)")
            #expect(!shared.stderr.contains("sk_test_shared"))

            let list = try ChildProcess.run(exe, ["accounts", "list", "--deployment", file])
            #expect(list.status == 0)
            #expect(list.stdout.contains("acme") && list.stdout.contains("key file keys/acme.key") && list.stdout.contains("30m"))
            #expect(list.stdout.contains("trial") && list.stdout.contains("simulator seed 4"))
            #expect(!list.stdout.contains("sk_test_acme"))

            // No stores yet: status says so, and a missing key file is a problem (exit 1).
            let status = try ChildProcess.run(exe, ["accounts", "status", "--deployment", file])
            #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
            #expect(status.stdout.contains("no store yet"))
            try FileManager.default.removeItem(atPath: dir + "/keys/acme.key")
            let missing = try ChildProcess.run(exe, ["accounts", "status", "--deployment", file])
            #expect(missing.status == 1)
            #expect(missing.stdout.contains("key:"), "\(missing.stdout)")

            let remove = try ChildProcess.run(exe, ["accounts", "remove", "trial", "--deployment", file])
            #expect(remove.status == 0 && remove.stdout.contains("left on disk"))
            let after = try ChildProcess.run(exe, ["accounts", "list", "--deployment", file])
            #expect(!after.stdout.contains("trial") && after.stdout.contains("1 accounts"))
        }
    }

    @Test func serveWithADeploymentSyncsAndServesEveryAccount() async throws {
        try await withTemporaryDirectory { dir in
            let exe = try Executables.directory() + "/hireledger"
            let file = dir + "/deployment.toml"
            for (name, seed) in [("north", "5"), ("south", "6")] {
                let r = try ChildProcess.run(exe, ["accounts", "add", name, "--deployment", file, "--store", "stores/\(name)",
                                                   "--simulator-seed", seed, "--simulator-size", "tiny", "--sync-every", "1h"])
                #expect(r.status == 0, "\(r.stderr)")
            }
            let port = try NATSServerProcess.freePort()
            let serve = try ChildProcess.start(exe, ["serve", "--deployment", file, "--port", String(port)])
            defer { serve.kill(SIGTERM); serve.waitUntilExit() }
            let http = try CurlTransport()
            func get(_ path: String, token: String?) async throws -> (Int, JSONValue?) {
                var headers: [(name: String, value: String)] = []
                if let token { headers.append(("Authorization", "Bearer \(token)")) }
                let r = try await http.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)\(path)", headers: headers, body: [], timeout: 10))
                return (r.status, try? JSONValue.parse(r.body))
            }
            // Both accounts' first syncs (at start) finish.
            let deadline = Date().addingTimeInterval(120)
            var synced = false
            while Date() < deadline, !synced {
                try await Task.sleep(nanoseconds: 200_000_000)
                guard let admin = try? String(contentsOfFile: dir + "/admin-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
                      let answer = try? await get("/v1/accounts", token: admin), answer.0 == 200 else { continue }
                synced = answer.1?["accounts"]?.arrayValue?.allSatisfy { ($0["syncs"]?.numberValue?.text).flatMap(Int.init) ?? 0 >= 1 } ?? false
            }
            #expect(synced, "the accounts did not finish their first sync within 120 s")
            let north = try String(contentsOfFile: dir + "/stores/north/api-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let (ok, page) = try await get("/v1/accounts/north/events?after=0&limit=3", token: north)
            #expect(ok == 200 && page?["events"]?.arrayValue?.count == 3)
            #expect(try await get("/v1/accounts/south/events", token: north).0 == 403)
            #expect(try await get("/v1/accounts/north/events", token: nil).0 == 401)
            #expect(try await get("/healthz", token: nil).0 == 200)
        }
    }
    /// A deployment of simulator accounts (tiny worlds) in `dir`, and `hireledger serve --deployment` on it.
    struct Deployment {
        let dir: String
        let exe: String
        var file: String { dir + "/deployment.toml" }
        let http: CurlTransport

        init(dir: String, accounts: [(String, String)], syncEvery: String = "1h") throws {
            self.dir = dir
            exe = try Executables.directory() + "/hireledger"
            http = try CurlTransport()
            for (name, seed) in accounts {
                let r = try ChildProcess.run(exe, ["accounts", "add", name, "--deployment", dir + "/deployment.toml", "--store", "stores/\(name)",
                                                   "--simulator-seed", seed, "--simulator-size", "tiny", "--sync-every", syncEvery])
                #expect(r.status == 0, "\(r.stderr)")
            }
        }

        func token(_ name: String) throws -> String {
            try String(contentsOfFile: dir + (name == "admin" ? "/admin-token" : "/stores/\(name)/api-token"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func get(_ port: Int, _ path: String, token: String?) async throws -> (status: Int, body: JSONValue?, contentType: String?) {
            var headers: [(name: String, value: String)] = []
            if let token { headers.append(("Authorization", "Bearer \(token)")) }
            let r = try await http.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)\(path)", headers: headers, body: [], timeout: 20))
            return (r.status, try? JSONValue.parse(r.body), r.headers.first { $0.name.lowercased() == "content-type" }?.value)
        }

        /// `/v1/accounts` (admin) once every account in `names` has synced at least `syncs` times; nil after `seconds`.
        func waitForSyncs(_ port: Int, _ names: [String], syncs: Int = 1, seconds: Double = 120) async throws -> [String: JSONValue]? {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                try await Task.sleep(nanoseconds: 200_000_000)
                guard let admin = try? token("admin"), let answer = try? await get(port, "/v1/accounts", token: admin), answer.status == 200 else { continue }
                var byName: [String: JSONValue] = [:]
                for a in answer.body?["accounts"]?.arrayValue ?? [] { if let n = a.string("name") { byName[n] = a } }
                if names.allSatisfy({ (byName[$0]?["syncs"]?.intValue ?? 0) >= syncs }) { return byName }
            }
            return nil
        }
    }

    @Test func serveWithADeploymentPublishesEachAccountToJetStreamOnceAndInOrder() async throws {
        try await withTemporaryDirectory { dir in
            let names = ["north", "south", "east"]
            let d = try Deployment(dir: dir, accounts: [("north", "5"), ("south", "6"), ("east", "7")])
            let nats = try NATSServerProcess(directory: dir + "/nats")
            defer { nats.stop() }
            let port = try NATSServerProcess.freePort()
            let serve = try ChildProcess.start(d.exe, ["serve", "--deployment", d.file, "--port", String(port), "--publish-nats", nats.url])
            defer { serve.kill(SIGTERM); serve.waitUntilExit() }
            let accounts = try #require(try await d.waitForSyncs(port, names), "the accounts did not finish their first sync within 120 s")
            // Each account's cursor (kept in its own store) reaches the end of its log.
            var last: [String: UInt64] = [:], storeIds: [String: String] = [:]
            for name in names {
                last[name] = UInt64(try #require(accounts[name]?["lastSeq"]?.intValue))
                storeIds[name] = try #require(accounts[name]?.string("storeId"))
                #expect(last[name]! > 100, "\(name) has a log to publish")
            }
            let readers = try names.map { ($0, try openTestStore(dir + "/stores/\($0)")) }
            let deadline = Date().addingTimeInterval(60)
            var cursors: [String: UInt64] = [:]
            while Date() < deadline {
                for (name, store) in readers {
                    cursors[name] = try store.checkpoint(JetStreamPublisher.cursorKey(stream: "HIRELEDGER")).flatMap { LogPosition(bigEndianBytes: $0) }?.value ?? 0
                }
                if cursors == last { break }
                try await Task.sleep(nanoseconds: 100_000_000)
            }
            #expect(cursors == last, "each account's publish cursor reaches its last event")
            // One stream, every account's events under its own subjects: each event exactly once, in order per account.
            let total = Int(last.values.reduce(0, +))
            let received = try await StreamReader.read(nats, stream: "HIRELEDGER", expected: total)
            #expect(received.count == total)
            #expect(try await StreamReader.messageCount(nats, stream: "HIRELEDGER") == UInt64(total))
            for name in names {
                let mine = received.filter { $0.subject.hasPrefix("hireledger.\(name).") }
                #expect(StreamReader.problem(mine, storeId: storeIds[name]!, from: 1, to: last[name]!) == nil, "\(name)")
                let ids = Set(mine.compactMap { $0.header("Nats-Msg-Id") })
                #expect(ids.allSatisfy { $0.hasPrefix(storeIds[name]! + ":") }, "\(name)'s subjects carry only its own events")
            }
            let c = try await NATSConnection.connect(try NATSURL(nats.url))
            defer { c.close() }
            #expect(Set(try await JetStream(connection: c).streamInfo("HIRELEDGER")?.subjects ?? []) == Set(names.map { "hireledger.\($0).>" }))
        }
    }

    @Test func serveWithADeploymentKeepsADamagedStoreOutOfServiceWhileTheOthersSyncAndAnswer() async throws {
        try await withTemporaryDirectory { dir in
            let names = ["north", "south", "east"]
            let d = try Deployment(dir: dir, accounts: [("north", "5"), ("south", "6"), ("east", "7")], syncEvery: "3s")
            // A first run makes the three stores.
            do {
                let port = try NATSServerProcess.freePort()
                let serve = try ChildProcess.start(d.exe, ["serve", "--deployment", d.file, "--port", String(port)])
                let synced = try await d.waitForSyncs(port, names)
                serve.kill(SIGTERM)
                serve.waitUntilExit()
                try #require(synced != nil, "the accounts did not finish their first sync within 120 s")
            }
            // east's store gets a damage liblmdb crashes on: a page of random bytes such that a plain
            // reader of the log (`hireledger events`) dies inside liblmdb (the crash boundary's exit 65).
            let data = dir + "/stores/east/data.mdb"
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: data)))
            let probe = dir + "/probe"
            var crashing: [UInt8]?
            for page in 2..<min(original.count / 4096, 400) {
                var bytes = original
                var r = SplitMix(seed: UInt64(page))
                for i in (page * 4096)..<((page + 1) * 4096) { bytes[i] = UInt8(truncatingIfNeeded: r.next()) }
                try? FileManager.default.removeItem(atPath: probe)
                try FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
                try Data(bytes).write(to: URL(fileURLWithPath: probe + "/data.mdb"))
                let read = try ChildProcess.run(d.exe, ["events", "--store", probe, "--format", "ndjson", "--limit", "1000000"])
                if read.status == 65 && read.stderr.contains("inside liblmdb") { crashing = bytes; break }
            }
            let damaged = try #require(crashing, "no page of the store makes liblmdb crash when overwritten")
            try Data(damaged).write(to: URL(fileURLWithPath: data))

            // Without the check, the crash on east's store takes the whole process down.
            do {
                let port = try NATSServerProcess.freePort()
                let unchecked = try ChildProcess.start(d.exe, ["serve", "--deployment", d.file, "--port", String(port), "--skip-store-check"])
                let deadline = Date().addingTimeInterval(60)
                while unchecked.process.isRunning, Date() < deadline {
                    _ = try? await d.get(port, "/v1/accounts/east/events?after=0&limit=10000", token: try d.token("admin"))
                    try await Task.sleep(nanoseconds: 200_000_000)
                }
                let stillUp = unchecked.kill(SIGKILL)
                unchecked.process.waitUntilExit()
                let stderr = String(decoding: (unchecked.process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                #expect(!stillUp && unchecked.process.terminationStatus == 65, "the unchecked server survived the damage (the test's damage is too weak)")
                #expect(stderr.contains("serving the deployment") && stderr.contains("inside liblmdb"), "\(stderr.suffix(600))")
            }

            // With the check (the default): east is out of service, the others sync and answer.
            let port = try NATSServerProcess.freePort()
            let serve = try ChildProcess.start(d.exe, ["serve", "--deployment", d.file, "--port", String(port)])
            defer { serve.kill(SIGTERM); serve.waitUntilExit() }
            let before = try #require(try await d.waitForSyncs(port, ["north", "south"]), "north and south did not sync")
            let admin = try d.token("admin")
            for token in [admin, try d.token("east")] {
                let answer = try await d.get(port, "/v1/accounts/east/headcount", token: token)
                #expect(answer.status == 503)
                #expect(answer.contentType == "application/problem+json")
                let detail = answer.body?.string("detail") ?? ""
                #expect(answer.body?.string("title") == "Account store damaged", "\(answer.body?.canonicalString ?? "")")
                #expect(detail.contains("failed verification") && detail.contains("hireledger verify --salvage")
                        && detail.contains(dir + "/stores/east"), "\(detail)")
            }
            #expect(before["east"]?["damaged"] == .bool(true) && before["east"]?["available"] == .bool(false))
            #expect(try await d.get(port, "/healthz", token: nil).body?["unavailable"]?.arrayValue?.compactMap(\.stringValue) == ["east"])
            for name in ["north", "south"] {
                let token = try d.token(name)
                #expect(try await d.get(port, "/v1/accounts/\(name)/headcount", token: token).status == 200)
                let page = try await d.get(port, "/v1/accounts/\(name)/events?after=0&limit=5", token: token)
                #expect(page.status == 200 && page.body?["events"]?.arrayValue?.count == 5)
            }
            // They keep syncing on their schedule (every 3 s) while east stays out, and the process lives.
            let later = try await d.waitForSyncs(port, ["north", "south"], syncs: 3, seconds: 90)
            #expect(later != nil, "north and south did not go on syncing")
            #expect(serve.process.isRunning)
            #expect(try await d.get(port, "/v1/accounts/east/events", token: admin).status == 503)
        }
    }
}
