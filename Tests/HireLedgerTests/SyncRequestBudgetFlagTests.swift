import Foundation
import Testing

/// `hireledger sync --max-concurrent-requests N` takes 1 to 32 and refuses anything else by name,
/// before it opens a store or a connection.
struct SyncRequestBudgetFlagTests {
    @Test(arguments: ["0", "33", "-1", "9223372036854775808", "four"])
    func anOutOfRangeRequestBudgetIsRefusedNamingTheFlag(value: String) async throws {
        try await withTemporaryDirectory { path in
            let outcome = try CommandLineHardeningTests.hireledger(["sync", "--max-concurrent-requests", value, "--store", path])
            #expect(!outcome.signalled && outcome.status != 0)
            #expect(outcome.stderr.contains("--max-concurrent-requests"), "\(outcome.stderr)")
            #expect(!FileManager.default.fileExists(atPath: path), "nothing should be created for a refused flag")
        }
    }
}
