import Foundation
@testable import HireLedger
import HireLedgerCore
import PropertyBased
import Testing

/// Every integer flag of `events`, `subscribe`, `deliver` and `serve`, driven with extreme values as
/// real processes: each run ends with an exit status (never a signal or a trap), and out-of-range
/// values are refused naming the flag.
@Suite(.serialized)
struct CommandLineHardeningTests {
    struct Outcome { var signalled: Bool; var status: Int32; var stderr: String }

    static func hireledger(_ arguments: [String]) throws -> Outcome {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try Executables.directory() + "/hireledger")
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(["ASHBY_API_KEY": "", "HIRELEDGER_STORE": ""]) { $1 }
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Outcome(signalled: p.terminationReason == .uncaughtSignal, status: p.terminationStatus,
                       stderr: String(decoding: data, as: UTF8.self))
    }

    /// Integer-ish text at and past every boundary the parsers meet, half the time; else a random
    /// 64-bit integer.
    static let fixedExtremes = ["18446744073709551615", "18446744073709551616", "9223372036854775807", "9223372036854775808",
                     "-9223372036854775808", "-1", "0", "1e308", "inf", "nan", "1.5", "-0", "99999999999999999999999"]

    static func extreme(_ n: Int) -> String {
        let k = Int(UInt(bitPattern: n) % UInt(fixedExtremes.count * 2))
        return k < fixedExtremes.count ? fixedExtremes[k] : String(n)
    }

    @Test func everyIntegerFlagSurvivesExtremeValues() async throws {
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path)
            try WebhookDeliveryTests.appendEvents(store, 3)
            let id = try SubscriptionStore(store: store).create(url: "https://example.com/hooks", types: []).0.id
            let s = ["--store", path]
            // The serve runs name a token file that does not exist: a value that passes validation ends
            // there, before the server would start listening.
            let serve = s + ["--port", "0", "--token-file", path + "/missing-token", "--no-webhooks"]
            let templates: [[String]] = [
                ["events", "--after", "%"] + s, ["events", "--limit", "%"] + s,
                ["subscribe", "rotate", id, "--overlap", "%", "--secret-file", path + "/never"] + s,
                ["subscribe", "add", "https://example.com/h", "--batch-size", "%", "--secret-file", path + "/never"] + s,
                ["subscribe", "add", "https://example.com/h", "--from", "%", "--secret-file", path + "/never"] + s,
                ["subscribe", "replay", id, "--from", "%"] + s, ["subscribe", "failures", id, "--limit", "%"] + s,
                ["deliver", "--once", "--timeout", "%"] + s, ["deliver", "--once", "--lease-seconds", "%"] + s,
                ["serve", "--heartbeat", "%"] + serve, ["serve", "--poll-ms", "%"] + serve,
                ["serve", "--webhook-timeout", "%"] + serve, ["serve", "--lease-seconds", "%"] + serve,
                ["serve", "--port", "%", "--token-file", path + "/missing-token", "--no-webhooks"] + s,
            ]
            await propertyCheck(count: 12, input: Gen.int(in: Int.min...Int.max).map(Self.extreme)) { value in
                for template in templates {
                    let arguments = template.map { $0 == "%" ? value : $0 }
                    let outcome = try Self.hireledger(arguments)
                    #expect(!outcome.signalled, "hireledger \(arguments.joined(separator: " ")) died by a signal: \(outcome.stderr)")
                    #expect(!outcome.stderr.contains("Fatal error"), "\(arguments): \(outcome.stderr)")
                }
                try? FileManager.default.removeItem(atPath: path + "/never")
            }
        }
    }

    @Test func theReportedTrapsAreNowClearRefusals() async throws {
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path)
            try WebhookDeliveryTests.appendEvents(store, 3)
            let id = try SubscriptionStore(store: store).create(url: "https://example.com/hooks", types: []).0.id
            let cases: [([String], String)] = [
                (["events", "--after", "18446744073709551615", "--store", path], "--after"),
                (["subscribe", "rotate", id, "--overlap", "9223372036854775807", "--store", path], "--overlap"),
                (["subscribe", "add", "https://example.com/h", "--batch-size", "9223372036854775807", "--store", path], "--batch-size"),
                (["deliver", "--once", "--timeout", "inf", "--store", path], "--timeout"),
                (["serve", "--heartbeat", "9223372036854775807", "--store", path], "heartbeat"),
                (["subscribe", "add", "http://169.254.169.254/latest/meta-data/", "--store", path], "--allow-private-webhooks"),
                (["subscribe", "add", "http://2130706433/", "--store", path], "four plain decimal numbers"),
                (["subscribe", "add", "http://[::1]:8787/", "--store", path], "loopback"),
            ]
            for (arguments, named) in cases {
                let outcome = try Self.hireledger(arguments)
                #expect(!outcome.signalled && outcome.status != 0, "\(arguments)")
                #expect(outcome.stderr.contains(named), "\(arguments): \(outcome.stderr)")
            }
            let fine = try Self.hireledger(["events", "--after", "9223372036854775807", "--store", path])
            #expect(fine.status == 0, "\(fine.stderr)")
        }
    }

    @Test func subscribeListMasksURLsAndServeRefusesAWeakTokenBeyondLoopback() async throws {
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path)
            _ = try SubscriptionStore(store: store).create(url: "https://bob:hunter2@example.com/h?token=s3cret", types: [])
            for format in ["table", "json"] {
                let bin = try Executables.directory() + "/hireledger"
                let list = try ChildProcess.run(bin, ["subscribe", "list", "--format", format, "--store", path])
                #expect(list.status == 0 && list.stdout.contains("example.com"), "\(list.stderr)")
                #expect(!list.stdout.contains("hunter2") && !list.stdout.contains("s3cret") && !list.stdout.contains("bob"), "\(list.stdout)")
            }
            let token = path + "/weak-token"
            try "letmein\n".write(toFile: token, atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: token)
            let refused = try Self.hireledger(["serve", "--host", "0.0.0.0", "--port", "0", "--token-file", token, "--no-webhooks", "--store", path])
            #expect(!refused.signalled && refused.status != 0)
            #expect(refused.stderr.contains("chmod 600") && refused.stderr.contains("bits of entropy"), "\(refused.stderr)")
            #expect(!refused.stderr.contains("letmein"))
        }
    }
}
