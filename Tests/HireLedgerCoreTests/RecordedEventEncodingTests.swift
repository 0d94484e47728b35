import Testing
@testable import HireLedgerCore

struct RecordedEventEncodingTests {
    static let storeId = "st_3f9a"

    /// A realistic batch: an application update with its record event and derived domain events.
    static func batch() -> [RecordedEvent] {
        typealias F = ClassifierFixtures
        var context = F.context
        context.histories[F.applicationId] = F.history
        var batch = EventBatch()
        let after = F.application(in: F.offerStage, status: "Active", updatedAt: "2026-05-30T16:00:01.000Z")
        batch.append(.updated(before: F.application, after: after), of: EntityKey(.application, F.applicationId),
                     observedAt: F.observedAt, context: context)
        batch.append(.deleted(lastKnown: RecordedAshby.candidate, reason: .merged(into: "survivor")),
                     of: EntityKey(.candidate, "c1"), observedAt: F.observedAt, context: context)
        batch.append(.created(RecordedAshby.department), of: EntityKey(.department, "d1"), observedAt: F.observedAt, context: context)
        return batch.recorded(startingAt: LogPosition(1_000), storeId: storeId)
    }

    @Test func batchRecordsConsecutivePositionsAndResolvesCausation() {
        let events = Self.batch()
        #expect(events.map(\.type.wireName) == [
            "record.application.updated", "application.stage_changed", "application.stage_changed",
            "record.candidate.deleted", "candidate.merged", "record.department.created",
        ])
        #expect(events.map(\.seq.value) == Array(1_000...1_005))
        #expect(events.map(\.causation?.value) == [nil, 1_000, 1_000, nil, 1_003, nil])
        #expect(events[1].causationID == "st_3f9a:1000")
        #expect(events[0].id == "st_3f9a:1000")
    }

    @Test func unchangedUpdateAppendsNothing() {
        var batch = EventBatch()
        let r = batch.append(.updated(before: RecordedAshby.job, after: RecordedAshby.job), of: EntityKey(.job, "j"),
                             observedAt: ClassifierFixtures.observedAt, context: InMemoryClassificationContext())
        #expect(r.isEmpty)
        #expect(batch.isEmpty)
    }

    @Test func updatedRecordEventCarriesPatchAndTopLevelChanges() throws {
        var after = RecordedAshby.job
        after["status"] = "Open"
        after["updatedAt"] = "2026-06-01T00:00:00.000Z"
        after["closedAt"] = Optional<JSONValue>.none
        let e = try #require(RecordChange.updated(before: RecordedAshby.job, after: after)
            .recordEvent(subject: EntityKey(.job, "j"), observedAt: ClassifierFixtures.observedAt))
        #expect(e.occurredAt == Timestamp(iso8601: "2026-06-01T00:00:00.000Z"))
        #expect(!e.occurredAtInferred)
        #expect(e.data["changes"]?["status"] == ["before": "Closed", "after": "Open"])
        #expect(e.data["changes"]?["closedAt"] == ["before": "2024-06-14T10:00:31.753Z"])
        let patch = try JSONPatch.operations(fromJSON: #require(e.data["patch"]))
        #expect(try JSONPatch.apply(patch, to: RecordedAshby.job) == after)
    }

    @Test func storageFormRoundTrips() throws {
        for e in Self.batch() {
            let bytes = e.storageBytes()
            #expect(bytes.first == RecordedEvent.storageFormatVersion)
            #expect(try RecordedEvent(storageBytes: bytes, seq: e.seq, storeId: Self.storeId) == e)
        }
    }

    @Test func eventTypeStorageCodesAreUniqueStableAndRoundTrip() {
        #expect(Set(EventType.allCases.map(\.storageCode)).count == EventType.allCases.count)
        for type in EventType.allCases {
            #expect(type.storageCode != 0)
            #expect(EventType(storageCode: type.storageCode) == type)
        }
        // Spot checks of released codes: changing them misreads every format-5 store.
        #expect(EventType.record(.application, .updated).storageCode == 21)
        #expect(EventType.record(.offer, .restored).storageCode == 75)
        #expect(EventType.domain(.applicationStageChanged).storageCode == 129)
        #expect(EventType.domain(.candidateErased).storageCode == 146)
        #expect(EventType(storageCode: 0) == nil && EventType(storageCode: 255) == nil)
    }

    @Test func versionTwoHeadersAreStillReadAndVersionThreeIsSmaller() throws {
        for e in Self.batch() {
            let v2 = e.storageHeaderBytes(version: 2) + [0] + e.data.canonicalBytes()
            #expect(try RecordedEvent(storageBytes: v2, seq: e.seq, storeId: Self.storeId) == e)
            let v3 = e.storageBytes()
            #expect(v3.count < v2.count)
            let h2 = try v2.withUnsafeBytes { try StoredEventHeader(parsing: $0) }
            let h3 = try v3.withUnsafeBytes { try StoredEventHeader(parsing: $0, seq: e.seq) }
            // Version 2 holds its seq, version 3 takes it from the key; a version-2 value under another
            // key is damage.
            #expect(try v2.withUnsafeBytes { try StoredEventHeader(parsing: $0) }.seq == e.seq)
            #expect(try v3.withUnsafeBytes { try StoredEventHeader(parsing: $0) }.seq == nil)
            #expect(throws: EventDecodingError.self) { try RecordedEvent(storageBytes: v2, seq: e.seq.next, storeId: Self.storeId) }
            #expect(h2.type == e.type && h3.type == e.type && h2.seq == e.seq && h3.observedAt == e.observedAt)
            #expect(h2.subjectKind == e.subject.kind && h3.subjectKind == e.subject.kind)
            #expect(Array(v2[h2.dataOffset...]) == Array(v3[h3.dataOffset...]))
            // Version 1: no codec byte.
            var v1 = e.storageHeaderBytes(version: 2) + e.data.canonicalBytes()
            v1[0] = 1
            #expect(try RecordedEvent(storageBytes: v1, seq: e.seq, storeId: Self.storeId) == e)
        }
        // A UUID subject takes 18 bytes in version 3, 39 in version 2.
        let e = RecordedEvent(seq: LogPosition(1), storeId: Self.storeId, type: .record(.job, .created),
                              subject: EntityKey(.job, "0f8fad5b-d9cb-469f-a165-70867728950e"), observedAt: ClassifierFixtures.observedAt,
                              occurredAt: ClassifierFixtures.observedAt, occurredAtInferred: false, backfilled: false,
                              data: ["record": ["id": "x"]], causation: nil)
        #expect(e.storageHeaderBytes(version: 2).count - e.storageHeaderBytes().count == 21 + 18 + 8)
        #expect(try RecordedEvent(storageBytes: e.storageBytes(), seq: e.seq, storeId: Self.storeId) == e)
        // An unknown type code is an error naming it.
        var unknown = e.storageBytes()
        unknown[18] = 127
        #expect(throws: EventDecodingError.self) { try RecordedEvent(storageBytes: unknown, seq: e.seq, storeId: Self.storeId) }
    }

    @Test func storageFormRejectsUnknownVersionsAndTruncation() throws {
        let bytes = Self.batch()[1].storageBytes()
        var future = bytes
        future[0] = RecordedEvent.storageFormatVersion + 1
        #expect(throws: EventDecodingError.self) { try RecordedEvent(storageBytes: future, seq: LogPosition(1_001), storeId: Self.storeId) }
        // Compressed data without a decoder is refused, not misread.
        var compressed = bytes
        compressed[compressed.count - Self.batch()[1].data.canonicalBytes().count - 1] = 2
        #expect(throws: EventDecodingError.self) { try RecordedEvent(storageBytes: compressed, seq: LogPosition(1_001), storeId: Self.storeId) }
        for cut in [0, 1, 9, 20, 30] {
            #expect(throws: EventDecodingError.self) { try RecordedEvent(storageBytes: Array(bytes.prefix(cut)), seq: LogPosition(1_001), storeId: Self.storeId) }
        }
    }

    @Test func cloudEventFormRoundTripsThroughJSONText() throws {
        for e in Self.batch() {
            let ce = e.cloudEvent(source: "hireledger://ledger/st_3f9a")
            let reread = try RecordedEvent(cloudEvent: JSONValue.parse(ce.canonicalString))
            #expect(reread == e)
        }
    }

    @Test func cloudEventHasTheContextAttributesTheSpecRequires() throws {
        let e = Self.batch()[1]
        let ce = e.cloudEvent(source: "hireledger://ledger/st_3f9a")
        #expect(ce["specversion"] == "1.0")
        #expect(ce["type"] == "ashby.application.stage_changed")
        #expect(ce["subject"] == .string("application/\(ClassifierFixtures.applicationId)"))
        #expect(ce["time"] == "2026-06-01T12:00:00.000Z")
        #expect(ce["dataschema"] == "https://hireledger.dev/schemas/events/data/application.stage_changed.schema.json")
        #expect(ce["causationid"] == "st_3f9a:1000")
        #expect(ce["seq"] == 1001)
        #expect(ce["backfilled"] == true)
        #expect(ce["occurredat"] == "2026-05-20T10:00:00.003Z")
        let record = Self.batch()[0].cloudEvent(source: "s")
        #expect(record["causationid"].isAbsent)
    }

    /// CloudEvents: attribute names consist of lowercase letters a-z and digits 0-9 only.
    @Test func allAttributeNamesAreLowercaseAlphanumeric() throws {
        for e in Self.batch() {
            let names = try #require(e.cloudEvent(source: "s").objectValue).keys
            for name in names {
                #expect(!name.isEmpty && name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }, "\(name)")
            }
        }
        for name in RecordedEvent.cloudEventExtensionAttributes {
            #expect(name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) })
        }
    }

    @Test func eventTypeWireNamesRoundTripAndAreUnique() {
        let names = EventType.allCases.map(\.wireName)
        #expect(Set(names).count == names.count)
        #expect(names.count == EntityKind.allCases.count * 4 + DomainEventType.allCases.count)
        for t in EventType.allCases { #expect(EventType(wireName: t.wireName) == t) }
        #expect(EventType(wireName: "record.application.exploded") == nil)
        #expect(EventType(wireName: "application.exploded") == nil)
        #expect(EventType.domain(.offerCreated).wireName != EventType.record(.offer, .created).wireName)
    }
}
