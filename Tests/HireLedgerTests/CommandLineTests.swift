import Foundation
import HireLedgerCore
import Testing

/// The `hireledger` command line as a person uses it: real processes against an `ashby-sim` process.
@Suite(.serialized)
struct CommandLineTests {
    static func hireledger(_ arguments: [String], key: String? = nil) throws -> ChildProcess.Result {
        let bin = try Executables.directory()
        var environment: [String: String] = ["ASHBY_API_KEY": key ?? ""]
        environment["HIRELEDGER_STORE"] = ""
        return try ChildProcess.run(bin + "/hireledger", arguments, environment: environment)
    }

    /// Makes a key on the simulator through its control endpoint.
    static func makeKey(_ sim: SimulatorProcess, permissions: [String]) throws -> String {
        let body = JSONValue.object(["permissions": .array(permissions.map { .string($0) }), "title": "test"]).canonicalString
        let result = try ChildProcess.run("/usr/bin/env", ["curl", "-s", "-X", "POST", "-H", "Content-Type: application/json",
                                                           "-d", body, sim.url + "/_sim/keys"])
        let json = try JSONValue.parse(result.stdout)
        return try #require(json["key"]?.stringValue ?? json["results"]?["key"]?.stringValue, "no key in \(result.stdout)")
    }

    @Test func doctorNamesTheMissingPermissionAndFailsAndNeverPrintsTheKey() throws {
        let sim = try SimulatorProcess(executable: try Executables.directory() + "/ashby-sim", size: "tiny", seed: 3)
        defer { sim.stop() }
        let full = try Self.hireledger(["doctor", "--base-url", sim.url], key: sim.apiKey)
        #expect(full.status == 0, "\(full.stderr)")
        #expect(!full.stdout.contains("MISSING"))

        let key = try Self.makeKey(sim, permissions: ["jobsRead", "candidatesRead", "interviewsRead",
                                                      "hiringProcessMetadataRead", "organizationRead"])
        let partial = try Self.hireledger(["doctor", "--base-url", sim.url], key: key)
        #expect(partial.status == 1)
        #expect(partial.stdout.contains("Offers: Read") && partial.stdout.contains("MISSING"))
        #expect(partial.stdout.contains("Grant 'Offers: Read' to this API key"))
        for output in [full.stdout, full.stderr, partial.stdout, partial.stderr] {
            #expect(!output.contains(sim.apiKey) && !output.contains(key), "the API key was printed")
        }

        let json = try Self.hireledger(["doctor", "--base-url", sim.url, "--format", "json"], key: key)
        let report = try JSONValue.parse(json.stdout)
        #expect(report["allRequiredGranted"] == .bool(false))
        let offers = report["permissions"]?.arrayValue?.first { $0["scope"] == .string("offers:read") }
        #expect(offers?["status"] == .string("missing"))
    }

    @Test func aSyncWithAKeyLackingOffersStopsWithTheGrantInstructionAndNoKey() throws {
        let sim = try SimulatorProcess(executable: try Executables.directory() + "/ashby-sim", size: "tiny", seed: 3)
        defer { sim.stop() }
        let key = try Self.makeKey(sim, permissions: ["jobsRead", "candidatesRead", "interviewsRead",
                                                      "hiringProcessMetadataRead", "organizationRead"])
        let store = NSTemporaryDirectory() + "hl-cli-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: store) }
        let sync = try Self.hireledger(["sync", "--store", store, "--base-url", sim.url], key: key)
        #expect(sync.status != 0)
        #expect(sync.stderr.contains("Offers: Read"), "\(sync.stderr)")
        #expect(!sync.stderr.contains(key) && !sync.stdout.contains(key))
        // What was synced before the refused type is kept and readable.
        let status = try Self.hireledger(["status", "--store", store, "--format", "json"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect((try JSONValue.parse(status.stdout))["eventCount"]?.intValue ?? 0 > 0)
    }

    @Test func badInputGetsAClearMessage() throws {
        let missing = try Self.hireledger(["status", "--store", "/nonexistent/hireledger-store"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("No HireLedger store at '/nonexistent/hireledger-store'"))

        let store = NSTemporaryDirectory() + "hl-cli-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: store) }
        let synced = try Self.hireledger(["sync", "--store", store, "--simulator-size", "tiny"])
        #expect(synced.status == 0, "\(synced.stderr)")
        #expect(synced.stderr.contains("embedded Ashby simulator"))

        let badEntity = try Self.hireledger(["events", "--store", store, "--entity", "nonsense"])
        #expect(badEntity.status != 0 && badEntity.stderr.contains("--entity must be KIND/ID"))
        let badTime = try Self.hireledger(["headcount", "--store", store, "--as-of", "yesterday"])
        #expect(badTime.status != 0 && badTime.stderr.contains("--as-of takes an ISO-8601 date"))
        let badMonth = try Self.hireledger(["headcount", "--store", store, "--from", "2026-13"])
        #expect(badMonth.status != 0 && badMonth.stderr.contains("--from takes a month as YYYY-MM"))

        // A corrupt store: a clear error, not a crash.
        let corrupt = NSTemporaryDirectory() + "hl-cli-corrupt-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: corrupt, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: corrupt) }
        try Data(repeating: 0x5A, count: 64 * 1024).write(to: URL(fileURLWithPath: corrupt + "/data.mdb"))
        let broken = try Self.hireledger(["status", "--store", corrupt])
        // Exit 65: the documented code for a damaged store (README, "Integrity, backups and erasure").
        #expect(broken.status == 65, "expected a clean failure exit, got \(broken.status)")
        #expect(broken.stderr.contains("the store is damaged") && broken.stderr.contains("hireledger restore"), "\(broken.stderr)")
    }

    @Test func eventsPrintCloudEventsAndHeadcountPrintsItsSchema() throws {
        let store = NSTemporaryDirectory() + "hl-cli-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: store) }
        _ = try Self.hireledger(["sync", "--store", store, "--simulator-size", "tiny"])
        let ndjson = try Self.hireledger(["events", "--store", store, "--format", "ndjson", "--type", "opening.*", "--limit", "5"])
        let lines = ndjson.stdout.split(separator: "\n")
        #expect(lines.count == 5)
        for line in lines {
            let e = try JSONValue.parse(String(line))
            #expect(e["specversion"] == .string("1.0"))
            #expect(e["type"]?.stringValue?.hasPrefix("ashby.opening.") == true)
        }
        let headcount = try Self.hireledger(["headcount", "--store", store, "--format", "json", "--by", "department,location"])
        #expect(headcount.status == 0, "\(headcount.stderr)")
        let view = try JSONValue.parse(headcount.stdout)
        #expect(view["source"] == .string("openings"))
        let csv = try Self.hireledger(["headcount", "--store", store, "--format", "csv"])
        #expect(csv.stdout.hasPrefix("department_id,department,"))
    }
}

