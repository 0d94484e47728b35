import Foundation
import HireLedgerServer
import Testing

/// `max_concurrent_requests` per account in a deployment file: read, and refused out of range.
struct DeploymentRequestBudgetTests {
    func load(_ value: String) throws -> AccountsDeployment {
        let path = NSTemporaryDirectory() + "hireledger-deployment-\(UUID().uuidString).toml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "[[accounts]]\nname = \"acme\"\nstore = \"s\"\nsimulator_seed = 3\nsync_every = \"1h\"\nmax_concurrent_requests = \(value)\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        return try AccountsDeployment.load(path)
    }

    @Test func anAccountsRequestBudgetIsReadFromTheFile() throws {
        #expect(try load("6").accounts.first?.maxConcurrentRequests == 6)
    }

    @Test(arguments: ["0", "33"])
    func anOutOfRangeRequestBudgetIsRefusedNamingTheSetting(value: String) throws {
        let error = try #require(throws: AccountsDeploymentError.self) { try load(value) }
        #expect(error.description.contains("max_concurrent_requests must be between 1 and 32"), "\(error)")
    }
}
