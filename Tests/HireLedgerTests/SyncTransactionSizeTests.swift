import AshbyAPI
import AshbySimulator
import Foundation
@testable import HireLedger
import HireLedgerCore
import LMDB
import Testing

/// Changed pages are recorded several to a write transaction (`SyncOptions.transactionBytes`), and that
/// changes nothing in what is recorded.
struct SyncTransactionSizeTests {
    @Test func changedPagesShareTransactionsAndRecordTheSameBytesAsOneTransactionPerPage() async throws {
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 5, size: .small))
        try await withTemporaryDirectory { perPagePath in
            try await withTemporaryDirectory { batchedPath in
                let perPage = try SyncHarness(sim: sim, storePath: perPagePath)
                let batched = try SyncHarness(sim: sim, storePath: batchedPath)
                var perPageOptions = SyncOptions(pageSize: 25)
                perPageOptions.transactionBytes = 1
                var batchedOptions = SyncOptions(pageSize: 25)
                batchedOptions.transactionSeconds = 600  // by bytes only, so the count does not depend on the machine
                func transactions(_ h: SyncHarness) throws -> Int { try h.store.environment.info().lastTransactionID }

                var perPageCount = 0, batchedCount = 0, passes = 0, pages = 0
                for days in [0, 1, 2] {
                    sim.advance(days: days)
                    let a0 = try transactions(perPage), b0 = try transactions(batched)
                    let report = try await perPage.service().sync(perPageOptions)
                    try await batched.service().sync(batchedOptions)
                    perPageCount += try transactions(perPage) - a0
                    batchedCount += try transactions(batched) - b0
                    passes += report.runs.count
                    pages += report.runs.reduce(0) { $0 + $1.pages }
                }
                // Every pass ends with one transaction (its token and run record); with 8 MiB per
                // transaction this small world needs no other.
                #expect(batchedCount == passes, "\(batchedCount) transactions for \(passes) passes")
                #expect(perPageCount > batchedCount + 40, "per page: \(perPageCount) transactions for \(pages) pages")
                for (a, b) in [(perPage.store.log, batched.store.log), (perPage.store.state, batched.store.state),
                               (perPage.store.byEntity, batched.store.byEntity)] {
                    let x = try ConcurrentHistorySyncTests.entries(perPage.store, a)
                    let y = try ConcurrentHistorySyncTests.entries(batched.store, b)
                    #expect(x.count == y.count && x == y)
                }
                #expect(try batched.store.lastPosition.value > 1000)
            }
        }
    }

    @Test func aByteLimitSplitsAPassIntoSeveralTransactions() async throws {
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 5, size: .small))
        try await withTemporaryDirectory { path in
            let h = try SyncHarness(sim: sim, storePath: path)
            var options = SyncOptions(types: [.candidates], pageSize: 25)
            options.transactionBytes = 64 << 10
            options.transactionSeconds = 600
            let before = try h.store.environment.info().lastTransactionID
            let run = try await h.service().sync(.candidates, options: options)
            let count = try h.store.environment.info().lastTransactionID - before
            // About 500 candidates of ~1 KB: several 64 KiB transactions, far fewer than its pages.
            #expect(count > 2 && count < run.pages, "\(count) transactions for \(run.pages) pages")
            #expect(run.events == run.records)
        }
    }
}
