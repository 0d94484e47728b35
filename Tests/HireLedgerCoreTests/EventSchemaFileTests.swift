import Foundation
import Testing
@testable import HireLedgerCore

/// The schema files under `schemas/` against the event types and the classifier's output.
/// (Full JSON Schema validation of emitted events comes with the validator target.)
struct EventSchemaFileTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func schema(_ relativePath: String) throws -> JSONValue {
        let data = try Data(contentsOf: repositoryRoot.appendingPathComponent(relativePath))
        return try JSONValue.parse(Array(data))
    }

    static func dataSchema(_ type: EventType) throws -> JSONValue {
        try schema("schemas/events/data/\(type.wireName).schema.json")
    }

    @Test(arguments: EventType.allCases)
    func everyEventTypeHasAValidSchemaWhoseIdIsItsDataschema(_ type: EventType) throws {
        let s = try Self.dataSchema(type)
        #expect(s["$schema"] == "https://json-schema.org/draft/2020-12/schema")
        #expect(s["$id"] == .string(type.dataSchemaURI))
        #expect(s["type"] == "object")
    }

    @Test func envelopeSchemaIsValidJSONAndListsEveryAttributeWeEmit() throws {
        let s = try Self.schema("schemas/events/envelope.schema.json")
        let declared = Set(try #require(s["properties"]?.objectValue).keys)
        for e in RecordedEventEncodingTests.batch() {
            let emitted = Set(try #require(e.cloudEvent(source: "s").objectValue).keys)
            #expect(emitted.isSubset(of: declared), "undeclared: \(emitted.subtracting(declared))")
        }
        let required = Set(try #require(s["required"]?.arrayValue).compactMap(\.stringValue))
        #expect(required.isSubset(of: declared))
    }

    /// Every domain event the classifier scenarios produce has exactly the members its schema
    /// declares (the schemas forbid others and require all).
    @Test func classifierOutputMatchesTheDeclaredMembers() throws {
        let events = EventClassifierTests.allScenarioEvents() + RecordedEventEncodingTests.batch().map {
            PendingEvent(type: $0.type, subject: $0.subject, observedAt: $0.observedAt, occurredAt: $0.occurredAt,
                         occurredAtInferred: $0.occurredAtInferred, data: $0.data)
        }
        for e in events {
            let s = try Self.dataSchema(e.type)
            let declared = Set(try #require(s["properties"]?.objectValue).keys)
            let required = Set(try #require(s["required"]?.arrayValue).compactMap(\.stringValue))
            let present = Set(try #require(e.data.objectValue).keys)
            #expect(present.isSubset(of: declared), "\(e.type): undeclared \(present.subtracting(declared))")
            #expect(required.isSubset(of: present), "\(e.type): missing \(required.subtracting(present))")
        }
    }
}
