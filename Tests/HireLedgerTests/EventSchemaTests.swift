import AshbyAPI
import AshbySimulator
import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import JSONSchema
import LMDB
import Testing

/// Every event a multi-day simulated run records must match the published schemas: its CloudEvents form
/// `schemas/events/envelope.schema.json`, its data the schema its `dataschema` names.
struct EventSchemaTests {
    @Test func everyEventOfAMultiDayRunMatchesTheEnvelopeAndItsDataSchema() async throws {
        let registry = try EventSchemaTests.loadSchemas()
        let envelope = try JSONSchemaValidator(schema: .object(["$ref": "https://hireledger.dev/schemas/events/envelope.schema.json"]),
                                               registry: registry)

        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 11, size: .tiny))
        let events = try await withSimulatorServer(sim) { url in
            try await withTemporaryDirectory { path in
                let store = try LedgerStore.open(directory: path, options: Environment.Options(mapSize: 256 << 20, noSync: true),
                                                 now: sim.now)
                let client = AshbyClient(baseURL: url, apiKey: try APIKey(sim.fullAccessKey), transport: try CurlTransport())
                let service = SyncService(store: store, client: client, clock: ClosureLedgerClock { sim.now })
                try await service.sync()
                for days in [1, 3, 2, 1, 2] {
                    sim.advance(days: days)
                    try await service.sync()
                }
                // A last full pass, so deletions are recorded too.
                sim.advance(days: 1)
                try await service.sync(SyncOptions(forceFull: true))
                return try store.events()
            }
        }

        var validators: [String: JSONSchemaValidator] = [:]
        var failures: [String] = []
        var failedEvents = 0
        for event in events {
            let ce = event.cloudEvent(source: "urn:hireledger:test")
            var errors = envelope.validate(ce).map { "envelope \($0)" }
            let uri = event.type.dataSchemaURI
            if validators[uri] == nil, registry.uris.contains(uri) {
                validators[uri] = try JSONSchemaValidator(schema: .object(["$ref": .string(uri)]), registry: registry)
            }
            if let validator = validators[uri] {
                errors += validator.validate(event.data).map { "data \($0)" }
            } else {
                errors.append("no schema file has $id \(uri)")
            }
            if !errors.isEmpty {
                failedEvents += 1
                if failures.count < 8 {
                    let data = String(decoding: event.data.canonicalBytes(), as: UTF8.self)
                    failures.append("\(event.type.wireName) #\(event.seq.value) (\(event.subject.wireForm)): "
                        + errors.prefix(3).map(String.init(describing:)).joined(separator: "; ") + "\n    data: \(data.prefix(600))")
                }
            }
        }
        // The validators can fail: an event without its seq, and data with an unknown member, are refused.
        if let first = events.first, case .object(var ce) = first.cloudEvent(source: "urn:hireledger:test"),
           case .object(var data) = first.data, let validator = validators[first.type.dataSchemaURI] {
            ce["seq"] = nil
            #expect(!envelope.validate(.object(ce)).isEmpty)
            data["notInTheSchema"] = .bool(true)
            #expect(!validator.validate(.object(data)).isEmpty)
        }
        let types = Set(events.map(\.type.wireName))
        #expect(events.count > 100)
        // The run must exercise more than record events, or the domain schemas go untested.
        #expect(types.contains("application.stage_changed"), "types seen: \(types.sorted())")
        #expect(failedEvents == 0, "\(failedEvents) of \(events.count) events do not match their schemas; first ones:\n\(failures.joined(separator: "\n"))")
    }

    /// Every `*.schema.json` under `schemas/` (found relative to this file), registered under its `$id`.
    static func loadSchemas() throws -> SchemaRegistry {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("schemas")
        var registry = SchemaRegistry()
        guard let walker = FileManager.default.enumerator(atPath: root.path) else {
            throw ProcessTestSetupError("cannot list the schemas directory \(root.path)")
        }
        var count = 0
        for case let relative as String in walker where relative.hasSuffix(".schema.json") {
            let data = try Data(contentsOf: root.appendingPathComponent(relative))
            let document = try JSONValue.parse(String(decoding: data, as: UTF8.self))
            try registry.add(document)
            count += 1
        }
        try #require(count > 1, "no schema files found under \(root.path)")
        return registry
    }
}
