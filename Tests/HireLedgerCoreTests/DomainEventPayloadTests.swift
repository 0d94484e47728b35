import Foundation
import Testing
@testable import HireLedgerCore

/// The typed domain event payloads against the JSON the log already holds: events written before the
/// payload types existed decode and re-encode to the same bytes; the projections' pruned selections
/// keep what the payloads require; unreadable data is refused naming the member.
struct DomainEventPayloadTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures/legacy-domain-events.ndjson`: the CloudEvents form of domain events of a
    /// simulated 120-day demo run (`demo --size small --seed 3 --days 120`; the first 25 of each
    /// type), as `hireledger events --format ndjson` printed them before the payload types existed
    /// (commit 07328b8, where the classifier built `JSONObject`s by hand).
    static func legacyEvents() throws -> [(type: DomainEventType, data: JSONValue)] {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Tests/Fixtures/legacy-domain-events.ndjson"),
                              encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let event = try JSONValue.parse(String(line))
            let ceType = try #require(event["type"]?.stringValue)
            let wire = String(ceType.dropFirst(EventType.cloudEventTypePrefix.count))
            let type = try #require(DomainEventType(rawValue: wire), "\(ceType) is not a domain event type")
            return (type, try #require(event["data"]))
        }
    }

    @Test func eventsWrittenBeforeThePayloadTypesDecodeAndReencodeToTheSameBytes() throws {
        let events = try Self.legacyEvents()
        #expect(events.count > 200)
        // The fixture exercises every type the simulator produces.
        let seen = Set(events.map(\.type))
        #expect(seen.isSuperset(of: [.applicationStageChanged, .applicationHired, .applicationArchived, .offerCreated, .offerAccepted,
                                     .openingOpened, .openingFilled, .jobOpened]), "types seen: \(seen.map(\.rawValue).sorted())")
        var failures: [String] = []
        for (type, data) in events {
            do {
                let payload = try type.payloadType.init(data: data)
                if payload.data.canonicalBytes() != data.canonicalBytes() {
                    failures.append("\(type.rawValue): re-encoded \(payload.data.canonicalString) != \(data.canonicalString)")
                }
            } catch {
                failures.append("\(type.rawValue): \(error)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(events.count) differ; first: \(failures.prefix(3))")
    }

    @Test func theClassifierEncodesEveryScenarioEventAsItsPayloadTypeDecodesIt() throws {
        for e in EventClassifierTests.allScenarioEvents() {
            guard case .domain(let type) = e.type else { continue }
            let payload = try type.payloadType.init(data: e.data)
            #expect(payload.data == e.data, "\(type.rawValue)")
        }
    }

    /// What a projection decodes from the runner's pruned `data` (`Projection.dataSelection`) must be
    /// readable: the selections keep every required member of the payload types they decode.
    @Test func prunedSelectionsOfTheProjectionsDecode() throws {
        let events = try Self.legacyEvents()
        var checked = 0
        for (type, data) in events where PipelineProjection.handles(.domain(type)) {
            let pruned = PipelineProjection.dataSelection(for: .domain(type)).prune(data)
            do { _ = try type.payloadType.init(data: pruned) } catch { Issue.record("\(type.rawValue): \(error)") }
            checked += 1
        }
        #expect(checked > 50)
        // The fields the pipeline reads survive the pruning.
        let stageChanged = try #require(events.first { $0.type == .applicationStageChanged })
        let whole = try ApplicationEvent.StageChanged(data: stageChanged.data)
        let pruned = try ApplicationEvent.StageChanged(
            data: PipelineProjection.dataSelection(for: ApplicationEvent.StageChanged.type).prune(stageChanged.data))
        #expect(pruned.toStage == whole.toStage)
        #expect(pruned.application.job?.id == whole.application.job?.id)
        #expect(pruned.application.job?.departmentId == whole.application.job?.departmentId)
        #expect(pruned.application.candidateId == nil, "a pruned nullable member reads as nil")
    }

    @Test func dataMissingARequiredMemberIsRefusedNamingIt() throws {
        let data: JSONValue = ["applicationId": "a1", "candidateId": .null, "status": "Active", "job": .null,
                               "fromStage": .null, "toStage": ["title": "Onsite"], "enteredStageAt": .null, "historyEntryId": .null]
        let error = try #require(throws: EventDataError.self) { try ApplicationEvent.StageChanged(data: data) }
        #expect(error.member == "toStage.id")
        #expect(error.description.contains("member 'toStage.id' is missing"))
        #expect(error.description.contains("application.stage_changed.schema.json"))
        #expect(throws: EventDataError.self) { try OpeningEvent.Opened(data: ["openingId": "o1", "locationIds": [1], "jobs": []]) }
        #expect(throws: EventDataError.self) { try CandidateEvent.Deleted(data: ["candidateId": "c", "reason": "merged"]) }
        #expect(throws: EventDataError.self) { try JobEvent.Opened(data: "not an object") }
        // Nullable members of another type read as nil rather than failing the event.
        let job = try JobEvent.Opened(data: ["jobId": "j1", "title": 7, "confidential": "yes"])
        #expect(job.job.title == nil && job.job.confidential == nil)
    }

    @Test func aRecordedEventGivesItsPayloadOnlyForItsOwnType() throws {
        let e = try #require(EventClassifierTests.allScenarioEvents().first { $0.type == ApplicationEvent.StageChanged.type })
        let recorded = e.recorded(at: LogPosition(1), storeId: "s", causation: nil)
        #expect(recorded.payload(ApplicationEvent.StageChanged.self) != nil)
        #expect(recorded.payload(ApplicationEvent.Hired.self) == nil)
    }
}
