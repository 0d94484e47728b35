import AshbyAPI
import AshbySimulator
import CurlHTTP
import Foundation
import HireLedger
@testable import HireLedgerCore
import Testing

/// The standard normalisation, compiled (`NormalizationPlan`), on every record of a simulated world with
/// every behaviour on, gives what the rules applied one by one give.
struct SimulatedNormalizationTests {
    @Test func everySimulatedRecordNormalisesAsTheRulesOneByOneDo() async throws {
        var configuration = SimulatorConfiguration(seed: 5, size: .small)
        configuration.behaviours = .all
        let sim = SimulatedAshby(configuration: configuration)
        sim.advance(days: 30)
        try await withSimulatorServer(sim) { url in
            let client = AshbyClient(baseURL: url, apiKey: try APIKey(sim.fullAccessKey), transport: try CurlTransport())
            let normalizer = RecordNormalizer.standard
            var checked = 0, changed = 0
            for type in SyncPlan.order where type != .interviewStages {
                let kind = try #require(SyncPlan.kind(of: type))
                for record in try await client.listAll(type.listEndpoint).records {
                    let expected = normalizer.normalizedValueRuleByRule(record, kind: kind)
                    #expect(normalizer.normalizedValue(record, kind: kind) == expected, "\(kind) \(record.string("id") ?? "")")
                    checked += 1
                    if expected != record { changed += 1 }
                }
            }
            #expect(checked > 1_000 && changed > 500, "checked \(checked), changed \(changed)")
        }
    }
}
