import CurlHTTP
import Foundation
import HireLedgerCore
import HireLedgerTestSupport
import Testing

/// `hireledger accounts` and `hireledger serve --deployment` as real processes.
struct AccountsCommandTests {
    @Test func accountsAreAddedListedCheckedAndRemoved() async throws {
        try await withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: dir + "/keys", withIntermediateDirectories: true)
            let exe = try Executables.directory() + "/hireledger"
            let file = dir + "/deployment.toml"
            FileManager.default.createFile(atPath: dir + "/keys/acme.key", contents: Data("sk_test_acme_0123456789abcdef".utf8),
                                           attributes: [.posixPermissions: 0o600])
            FileManager.default.createFile(atPath: dir + "/keys/shared.key", contents: Data("sk_test_shared_0123456789abcdef".utf8),
                                           attributes: [.posixPermissions: 0o644])

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
}
