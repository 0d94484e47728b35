import Foundation
import HireLedger
import HireLedgerCore
import LMDB
import Testing

/// `hireledger serve` on a damaged store, as a real process over loopback: a value whose checksum does
/// not match answers a 503 problem document naming the damage and the way out (and no personal data),
/// the server stays up; a store whose pages are damaged is refused at start with exit 65.
@Suite(.serialized)
struct ServeStoreDamageTests {
    struct Served {
        let child: ChildProcess
        let port: String
        let token: String
        var stderr: String
    }

    /// Starts `serve` and waits for its port; nil with what it wrote when it ended first.
    static func startServe(_ store: String) throws -> (Served?, String, ChildProcess) {
        let bin = try Executables.directory() + "/hireledger"
        let serve = try ChildProcess.start(bin, ["serve", "--store", store, "--port", "0", "--no-webhooks"],
                                           environment: ["ASHBY_API_KEY": "", "HIRELEDGER_STORE": ""])
        let errPipe = serve.process.standardError as! Pipe
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let chunk = errPipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if let r = text.range(of: "http://127.0.0.1:") {
                let port = String(text[r.upperBound...].prefix { $0.isNumber })
                let token = (try? String(contentsOfFile: store + "/api-token", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                return (Served(child: serve, port: port, token: token, stderr: text), text, serve)
            }
        }
        return (nil, text, serve)
    }

    /// Status, content type and body of a GET.
    static func get(_ served: Served, _ route: String) throws -> (status: String, type: String, body: String) {
        let r = try ChildProcess.run("/usr/bin/env", ["curl", "-s", "--max-time", "60", "-H", "Authorization: Bearer \(served.token)",
                                                      "-w", "\n%{http_code} %{content_type}", "http://127.0.0.1:\(served.port)\(route)"])
        var lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let last = lines.removeLast().split(separator: " ", maxSplits: 1)
        return (String(last.first ?? ""), last.count > 1 ? String(last[1]) : "", lines.joined(separator: "\n"))
    }

    @Test func aValueFailingItsChecksumAnswersA503ProblemNamingTheDamageAndTheWayOutWithoutPersonalData() async throws {
        try await withTemporaryDirectory { path in
            let h = try await StoreIntegrityTests().syncedStore(path + "/s", days: 2)
            let target = try #require(try h.store.events().first { $0.type.description.hasPrefix("record.candidate.created") })
            let record = try #require(target.data["record"])
            let personal = [record["name"]?.stringValue, record["primaryEmailAddress"]?["value"]?.stringValue].compactMap { $0 }
            try #require(!personal.isEmpty)
            let candidateId = target.subject.id
            let copy = path + "/copy"
            try h.store.copy(to: copy)
            let file = copy + "/data.mdb"
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
            // The stored value (the data may be compressed), as the log database holds it.
            let log = try #require(h.store.databases.first { $0.name == "log" })
            let needle = try #require(try h.store.environment.read { txn in try txn.get(log, target.seq.value) })
            let at = try #require(StoreIntegrityTests.find(needle, in: bytes), "the event's bytes are not in the file")
            bytes[at + needle.count / 2] ^= 0x20
            try Data(bytes).write(to: URL(fileURLWithPath: file))

            let (started, text, serve) = try Self.startServe(copy)
            defer { serve.kill(SIGKILL); serve.process.waitUntilExit() }
            let served = try #require(started, "serve did not start on a store with one damaged value: \(text)")
            for route in ["/v1/events?after=0&limit=10000", "/v1/state/candidate/\(candidateId)"] {
                let r = try Self.get(served, route)
                #expect(r.status == "503", "\(route): \(r.status) \(r.body)")
                #expect(r.type.hasPrefix("application/problem+json"), "\(route): \(r.type)")
                let problem = try JSONValue.parse(r.body)
                #expect(problem["title"]?.stringValue == "Store damaged")
                #expect(problem["status"] == JSONValue(503))
                let detail = problem["detail"]?.stringValue ?? ""
                #expect(detail.contains("database 'log'") && detail.contains("position \(target.seq.value)") && detail.contains("checksum"), "\(detail)")
                #expect(detail.contains("hireledger verify") && detail.contains("--salvage") && detail.contains("restore"), "\(detail)")
                for secret in personal { #expect(!r.body.contains(secret), "\(route) leaks personal data") }
            }
            // Events before the damaged one still read, and the server is still up.
            let before = try Self.get(served, "/v1/events?after=0&limit=\(target.seq.value - 1)")
            #expect(before.status == "200", "\(before.body.prefix(300))")
            #expect(try Self.get(served, "/healthz").status == "200")
            #expect(serve.process.isRunning)
        }
    }

    @Test func aStoreWithADamagedPageHeaderIsRefusedAtStartWithExit65AndTheWayOut() async throws {
        try await withTemporaryDirectory { path in
            let h = try await StoreIntegrityTests().syncedStore(path + "/s", days: 2)
            let copy = path + "/copy"
            try h.store.copy(to: copy)
            // The flags of a leaf page of the log set to 0xFFFF: LMDB reads it as branch, leaf, LEAF2 and dirty at once.
            let report = PageCheck.run(directory: copy)
            try #require(report.isClean, "\(report.findings)")
            let leaf = try #require(report.use.filter { $0.value == .leaf("log") }.keys.sorted().dropFirst().first)
            let file = copy + "/data.mdb"
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
            bytes[Int(leaf) * report.pageSize + 10] = 0xFF
            bytes[Int(leaf) * report.pageSize + 11] = 0xFF
            try Data(bytes).write(to: URL(fileURLWithPath: file))

            let (started, text, serve) = try Self.startServe(copy)
            defer { serve.kill(SIGKILL); serve.process.waitUntilExit() }
            #expect(started == nil, "serve started on a store with a damaged page")
            serve.process.waitUntilExit()
            let rest = String(decoding: (serve.process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(serve.process.terminationReason == .exit && serve.process.terminationStatus == 65)
            let message = text + rest
            #expect(message.contains("page \(leaf)") && message.contains("damaged"), "\(message)")
            #expect(message.contains("verify --salvage") && message.contains("restore"), "\(message)")
        }
    }
}
