import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerTestSupport
import Testing

/// `hireledger deliver` as a real process, killed with SIGKILL mid-delivery, then run again: nothing is
/// lost, first receipts are in order, and the cursor ends at the last event.
struct WebhookCrashTests {
    /// The `hireledger` executable built next to the test bundle.
    static var hireledgerPath: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hireledger").path
    }

    static func run(_ arguments: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: hireledgerPath)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    @Test func killingTheDispatcherMidDeliveryLosesNothing() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.hireledgerPath), "build the hireledger product first (swift build --build-tests)")
        try await withTemporaryDirectory { path in
            let held = try HeldDelivery(path: path)
            let first = try Self.run(["deliver", "--allow-private-webhooks", "--store", path])
            await held.killMidDelivery {
                kill(first.processIdentifier, SIGKILL)
                first.waitUntilExit()
                #expect(first.terminationReason == .uncaughtSignal)
            }

            let second = try Self.run(["deliver", "--once", "--allow-private-webhooks", "--store", path])
            second.waitUntilExit()
            #expect(second.terminationStatus == 0)

            #expect(held.firstReceipts == (1...UInt64(held.total)).map { $0 })
            #expect(try held.cursor == LogPosition(UInt64(held.total)))
            // At least once: events sent but not yet committed when killed were sent again (≤ one commit window).
            #expect(held.receiver.requests.compactMap(WebhookDeliveryTests.seq).count - held.total <= 256)
        }
    }
}
