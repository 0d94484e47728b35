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

    /// Replaces a key's permissions through the simulator's control endpoint.
    static func setPermissions(_ sim: SimulatorProcess, key: String, _ permissions: [String]) throws -> String {
        let body = JSONValue.object(["key": .string(key), "permissions": .array(permissions.map { .string($0) })]).canonicalString
        return try ChildProcess.run("/usr/bin/env", ["curl", "-s", "-X", "POST", "-H", "Content-Type: application/json",
                                                     "-d", body, sim.url + "/_sim/permissions"]).stdout
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

    @Test func aSyncWithAKeyLackingOffersSyncsTheRestExits3AndNamesThePermission() throws {
        let sim = try SimulatorProcess(executable: try Executables.directory() + "/ashby-sim", size: "tiny", seed: 3)
        defer { sim.stop() }
        let key = try Self.makeKey(sim, permissions: ["jobsRead", "candidatesRead", "interviewsRead",
                                                      "hiringProcessMetadataRead", "organizationRead"])
        let store = NSTemporaryDirectory() + "hl-cli-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: store) }
        let sync = try Self.hireledger(["sync", "--store", store, "--base-url", sim.url], key: key)
        #expect(sync.status == 3, "\(sync.stderr)")
        #expect(sync.stderr.contains("offers (needs Offers: Read)"), "\(sync.stderr)")
        #expect(!sync.stderr.contains(key) && !sync.stdout.contains(key))
        // Everything else was synced; status lists the skip and the store's source.
        let status = try Self.hireledger(["status", "--store", store, "--format", "json"])
        #expect(status.status == 0, "\(status.stderr)")
        let json = try JSONValue.parse(status.stdout)
        #expect(json["eventCount"]?.intValue ?? 0 > 0)
        #expect(json["lastSyncs"]?["interviewSchedules"] != nil && json["lastSyncs"]?["offers"] == nil)
        #expect(json["skipped"]?[0]?["entityType"] == "offers" && json["skipped"]?[0]?["permission"] == "offersRead")
        #expect(json["source"]?["kind"] == "ashby" && json["source"]?["evidence"] == "organizationId")
        let table = try Self.hireledger(["status", "--store", store])
        #expect(table.stdout.contains("SKIPPED   offers (needs Offers: Read)"), "\(table.stdout)")
        // The view that needs offers says it lacks them.
        let headcount = try Self.hireledger(["headcount", "--store", store])
        #expect(headcount.status == 0 && headcount.stderr.contains("lacks offers (needs Offers: Read)"), "\(headcount.stderr)")
        // Granted again: the next sync reads offers too and exits 0.
        _ = try Self.setPermissions(sim, key: key, ["jobsRead", "candidatesRead", "interviewsRead", "hiringProcessMetadataRead",
                                                    "organizationRead", "offersRead"])
        let again = try Self.hireledger(["sync", "--store", store, "--base-url", sim.url], key: key)
        #expect(again.status == 0, "\(again.stderr)")
    }

    /// A store synced from one account refuses the embedded simulator (a cron job without ASHBY_API_KEY)
    /// and another account, naming both; its data file is unchanged.
    @Test func aSyncFromAnotherSourceIsRefusedByTheCLI() throws {
        let sim = try SimulatorProcess(executable: try Executables.directory() + "/ashby-sim", size: "tiny", seed: 4)
        defer { sim.stop() }
        let store = NSTemporaryDirectory() + "hl-cli-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: store) }
        let first = try Self.hireledger(["sync", "--store", store, "--base-url", sim.url], key: sim.apiKey)
        #expect(first.status == 0, "\(first.stderr)")
        let before = try Data(contentsOf: URL(fileURLWithPath: store + "/data.mdb"))
        let embedded = try Self.hireledger(["sync", "--store", store, "--simulator-size", "tiny"])
        #expect(embedded.status != 0)
        #expect(embedded.stderr.contains("refused to sync") && embedded.stderr.contains("Ashby organization")
                && embedded.stderr.contains("no ASHBY_API_KEY"), "\(embedded.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: store + "/data.mdb")) == before)
        let doctor = try Self.hireledger(["doctor", "--store", store, "--simulator-size", "tiny"])
        #expect(doctor.status == 1 && doctor.stdout.contains("PROBLEM"), "\(doctor.stdout)")
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

