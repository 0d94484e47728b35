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
    /// Calls `body` with a client of a small world with every behaviour on, `days` into its history.
    static func withWorld(seed: UInt64, days: Int, _ body: (AshbyClient) async throws -> Void) async throws {
        var configuration = SimulatorConfiguration(seed: seed, size: .small)
        configuration.behaviours = .all
        let sim = SimulatedAshby(configuration: configuration)
        sim.advance(days: days)
        try await withSimulatorServer(sim) { url in
            try await body(AshbyClient(baseURL: url, apiKey: try APIKey(sim.fullAccessKey), transport: try CurlTransport()))
        }
    }

    @Test func everySimulatedRecordNormalisesAsTheRulesOneByOneDo() async throws {
        try await Self.withWorld(seed: 5, days: 30) { client in
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

    /// Every simulated record normalised straight from its bytes as the API sent them gives the tree path's
    /// canonical bytes; and a created record classified from only the members `EventClassifier.creationSelection`
    /// names gives the events its whole record gives, lookups and histories included.
    @Test func everySimulatedRecordFromItsBytesAndEveryCreationFromItsSelection() async throws {
        try await Self.withWorld(seed: 6, days: 40) { client in
            let normalizer = RecordNormalizer.standard
            var records: [EntityKey: JSONValue] = [:]
            var fromBytes = 0
            for type in SyncPlan.order where type != .interviewStages {
                let kind = try #require(SyncPlan.kind(of: type))
                var cursor: String?
                repeat {
                    let page = try await client.listRawPage(type.listEndpoint, cursor: cursor)
                    for i in page.items.indices {
                        let tree = normalizer.normalize(try page.record(at: i), kind: kind)
                        let bytes = try #require(page.withBytes(ofItem: i) { normalizer.normalize(bytes: $0, kind: kind) })
                        #expect(bytes.canonicalBytes == tree.canonicalBytes, "\(kind) \(page.items[i].key ?? "")")
                        fromBytes += 1
                        records[EntityKey(kind, page.items[i].key ?? "")] = tree.value
                    }
                    cursor = page.moreDataAvailable ? page.nextCursor : nil
                } while cursor != nil
            }
            let context = InMemoryClassificationContext(records: records)
            let classifier = EventClassifier()
            let at = Timestamp(millisecondsSinceEpoch: 0)
            var classified = 0, events = 0
            for (key, record) in records {
                guard let selection = EventClassifier.creationSelection(key.kind) else { continue }
                let selected = try JSONValue.parse(record.canonicalBytes(), selecting: selection)
                let whole = classifier.classify(.created(record), subject: key, observedAt: at, context: context)
                #expect(classifier.classify(.created(selected), subject: key, observedAt: at, context: context) == whole, "\(key)")
                // With its history given, as a later sync's new application has it.
                let history = record["applicationHistory"]?.arrayValue ?? []
                let withHistory = InMemoryClassificationContext(records: records, histories: [key.id: history])
                #expect(classifier.classify(.created(selected), subject: key, observedAt: at, context: withHistory)
                        == classifier.classify(.created(record), subject: key, observedAt: at, context: withHistory), "\(key)")
                classified += 1
                events += whole.count
            }
            #expect(fromBytes > 1_000 && classified > 300 && events > classified, "\(fromBytes) from bytes, \(classified) classified, \(events) events")
        }
    }
}
