import Testing
@testable import HireLedgerCore

struct EventClassifierTests {
    typealias F = ClassifierFixtures
    let classifier = EventClassifier()

    func classify(_ change: RecordChange, _ kind: EntityKind, _ id: String,
                  context: InMemoryClassificationContext = F.context) -> [PendingEvent] {
        classifier.classify(change, subject: EntityKey(kind, id), observedAt: F.observedAt, context: context)
    }

    func types(_ events: [PendingEvent]) -> [String] { events.map(\.type.wireName) }

    @Test func stageMoveWithoutHistoryIsOneEventTimedByUpdatedAtAndInferred() throws {
        let before = F.application
        let after = F.application(in: F.onsite, status: "Active", updatedAt: "2026-05-31T08:00:00.000Z")
        let events = classify(.updated(before: before, after: after), .application, F.applicationId)
        #expect(types(events) == ["application.stage_changed"])
        let e = try #require(events.first)
        #expect(e.occurredAt == Timestamp(iso8601: "2026-05-31T08:00:00.000Z"))
        #expect(e.occurredAtInferred)
        #expect(!e.backfilled)
        #expect(e.data["fromStage"]?["title"] == "1st Screen")
        #expect(e.data["toStage"]?["type"] == "Active")
        #expect(e.data["toStage"]?["title"] == "Onsite")
        #expect(e.data["job"]?["title"] == "[Old] Senior Full-Stack Engineer - Remote")
        #expect(e.data["job"]?["departmentId"] == "00000000-0000-0000-0000-00000000000b")
        #expect(e.data["candidateId"] == .string(F.candidateId))
    }

    @Test func movesBetweenPollsAreRecoveredFromHistoryWithRealTimesAndBackfilled() throws {
        let before = F.application
        let after = F.application(in: F.offerStage, status: "Active", updatedAt: "2026-05-30T16:00:01.000Z")
        var context = F.context
        context.histories[F.applicationId] = F.history
        let events = classify(.updated(before: before, after: after), .application, F.applicationId, context: context)
        #expect(types(events) == ["application.stage_changed", "application.stage_changed"])
        #expect(events.map(\.data["toStage"]?["title"]) == ["Onsite", "Offer"])
        #expect(events.map(\.backfilled) == [true, false])
        #expect(events.map(\.occurredAtInferred) == [false, false])
        #expect(events.map(\.occurredAt.iso8601) == ["2026-05-20T10:00:00.003Z", "2026-05-30T16:00:00.002Z"])
        #expect(events[1].data["fromStage"]?["title"] == "Onsite")
        #expect(events[1].data["toStage"]?["type"] == "Offer")
    }

    @Test func historyEmbeddedInTheRecordIsUsedToo() throws {
        var after = F.application(in: F.offerStage, status: "Active", updatedAt: "2026-05-30T16:00:01.000Z")
        after["applicationHistory"] = .array(F.history)
        let events = classify(.updated(before: F.application, after: after), .application, F.applicationId)
        #expect(events.count == 2)
        #expect(events.last?.occurredAt == Timestamp(iso8601: "2026-05-30T16:00:00.002Z"))
    }

    @Test func hireIsDetectedFromStatusAndTimedByTheHiredStageEntry() throws {
        let before = F.application(in: F.offerStage, status: "Active", updatedAt: "2026-05-30T16:00:01.000Z")
        let after = F.application(in: F.hiredStage, status: "Hired", updatedAt: "2026-06-01T09:00:00.000Z")
        var context = F.context
        context.histories[F.applicationId] = F.history + [
            F.historyEntry(3, F.hiredStage, entered: "2026-06-01T08:59:59.000Z", left: nil),
        ]
        let events = classify(.updated(before: before, after: after), .application, F.applicationId, context: context)
        #expect(types(events) == ["application.stage_changed", "application.hired"])
        let hired = events[1]
        #expect(hired.occurredAt == Timestamp(iso8601: "2026-06-01T08:59:59.000Z"))
        #expect(!hired.occurredAtInferred)
        #expect(hired.data["stage"]?["type"] == "Hired")
    }

    @Test func hireIsDetectedFromTheStageTypeAlone() {
        let before = F.application(in: F.offerStage, status: "Active", updatedAt: "2026-05-30T16:00:01.000Z")
        var after = F.application(in: F.hiredStage, status: "Active", updatedAt: "2026-06-01T09:00:00.000Z")
        after["currentInterviewStage"] = ["id": F.hiredStage["id"]!]  // slim stage: type from the stage's record
        let events = classify(.updated(before: before, after: after), .application, F.applicationId)
        #expect(types(events) == ["application.stage_changed", "application.hired"])
        #expect(events[1].occurredAtInferred)
    }

    @Test func archiveIsTimedByArchivedAtAndCarriesTheReason() throws {
        let before = F.application
        var after = F.application(in: F.archivedStage, status: "Archived", updatedAt: "2026-06-01T10:00:00.000Z")
        after["archivedAt"] = "2026-06-01T09:30:00.000Z"
        after["archiveReason"] = ["id": "r1", "text": "Lacks Skills/Qualifications", "reasonType": "RejectedByOrg", "isArchived": false, "customFields": []]
        let events = classify(.updated(before: before, after: after), .application, F.applicationId)
        #expect(types(events) == ["application.stage_changed", "application.archived"])
        let archived = events[1]
        #expect(archived.occurredAt == Timestamp(iso8601: "2026-06-01T09:30:00.000Z"))
        #expect(!archived.occurredAtInferred)
        #expect(archived.data["archiveReason"]?["reasonType"] == "RejectedByOrg")
    }

    /// Normalised records hold references: the stage's, job's and reason's fields come from their records.
    @Test func referencesAreCompletedFromTheReferencedRecords() throws {
        let raw = F.application(in: F.archivedStage, status: "Archived", updatedAt: "2026-06-01T10:00:00.000Z")
        var after = RecordNormalizer.standard.normalizedValue(raw, kind: .application)
        after["archivedAt"] = "2026-06-01T09:30:00.000Z"
        after["archiveReason"] = ["id": "r1", "customFields": []]
        #expect(after["currentInterviewStage"]?["title"] == nil && after["job"]?["title"] == nil)
        var context = F.context
        context.records[EntityKey(.archiveReason, "r1")] = ["id": "r1", "text": "Lacks Skills/Qualifications", "reasonType": "RejectedByOrg"]
        let before = RecordNormalizer.standard.normalizedValue(F.application, kind: .application)
        let events = classify(.updated(before: before, after: after), .application, F.applicationId, context: context)
        let full = classify(.updated(before: F.application, after: raw), .application, F.applicationId)
        #expect(types(events) == ["application.stage_changed", "application.archived"])
        #expect(events[0].data["toStage"] == full[0].data["toStage"])
        // (The recorded job's ids differ from the application's redacted copy: the record is the truth.)
        let job = try #require(context.records[EntityKey(.job, F.jobId)])
        #expect(events[0].data["job"]?["title"] == job["title"] && events[0].data["job"]?["departmentId"] == job["departmentId"]
                && events[0].data["job"]?["locationId"] == job["locationId"])
        #expect(events[1].data["archiveReason"] == ["id": "r1", "text": "Lacks Skills/Qualifications", "reasonType": "RejectedByOrg"])
    }

    @Test func leavingArchivedIsAnUnarchive() {
        var before = F.application(in: F.archivedStage, status: "Archived", updatedAt: "2026-06-01T10:00:00.000Z")
        before["archivedAt"] = "2026-06-01T09:30:00.000Z"
        let after = F.application(in: F.screen, status: "Active", updatedAt: "2026-06-02T10:00:00.000Z")
        let events = classify(.updated(before: before, after: after), .application, F.applicationId)
        #expect(types(events) == ["application.stage_changed", "application.unarchived"])
    }

    @Test func unrelatedApplicationChangesYieldNoDomainEvents() {
        var after = F.application
        after["customFields"] = [["id": "cf", "title": "Notice period", "value": "1 month"]]
        after["updatedAt"] = "2026-06-01T00:00:00.000Z"
        #expect(classify(.updated(before: F.application, after: after), .application, F.applicationId).isEmpty)
    }

    @Test func firstSightingOfAnApplicationRecordsItsStageEntry() {
        let events = classify(.created(F.application), .application, F.applicationId)
        #expect(types(events) == ["application.stage_changed"])
        #expect(events[0].data["fromStage"] == .null)
    }

    @Test func newOfferIsCreatedAtItsVersionTime() throws {
        let offer = F.offer(acceptance: "Pending", status: "WaitingOnCandidateResponse", startDate: "2026-07-01")
        let events = classify(.created(offer), .offer, "00000000-0000-0000-0000-0000000000f1")
        #expect(types(events) == ["offer.created"])
        let e = events[0]
        #expect(e.occurredAt == Timestamp(iso8601: "2026-05-30T17:00:00.000Z"))
        #expect(!e.occurredAtInferred)
        #expect(e.data["salary"] == ["currencyCode": "EUR", "value": 95000])
        #expect(e.data["startDate"] == "2026-07-01")
        #expect(e.data["job"]?["id"] == .string(F.jobId))
        #expect(e.data["candidateId"] == .string(F.candidateId))
    }

    @Test(arguments: [
        ("Accepted", "CandidateAccepted", "offer.accepted"),
        ("Declined", "CandidateRejected", "offer.declined"),
        ("Cancelled", "OfferCancelled", "offer.cancelled"),
        ("WaitingOnResponse", "CandidateAccepted", "offer.accepted"),
        ("Declined", "WaitingOnCandidateResponse", "offer.declined"),
        ("WaitingOnResponse", "CandidateRejected", "offer.declined"),
        ("Pending", "OfferCancelled", "offer.cancelled"),
    ])
    func offerOutcomeIsReadFromEitherStatus(_ acceptance: String, _ status: String, _ expected: String) throws {
        let before = F.offer(acceptance: "Pending", status: "WaitingOnCandidateResponse", startDate: "2026-07-01")
        let after = F.offer(acceptance: acceptance, status: status, startDate: "2026-07-01", decidedAt: "2026-06-01T11:00:00.000Z")
        let events = classify(.updated(before: before, after: after), .offer, "00000000-0000-0000-0000-0000000000f1")
        #expect(types(events) == [expected])
        #expect(events.first?.occurredAt == Timestamp(iso8601: "2026-06-01T11:00:00.000Z"))
        #expect(events.first?.occurredAtInferred == false)
    }

    @Test func offerStartDateChangeCarriesBothDates() {
        let before = F.offer(acceptance: "Accepted", status: "CandidateAccepted", startDate: "2026-07-01")
        let after = F.offer(acceptance: "Accepted", status: "CandidateAccepted", startDate: "2026-08-01",
                            versionId: "v2", versionCreatedAt: "2026-06-01T10:00:00.000Z")
        let events = classify(.updated(before: before, after: after), .offer, "00000000-0000-0000-0000-0000000000f1")
        #expect(types(events) == ["offer.start_date_changed"])
        #expect(events[0].data["previousStartDate"] == "2026-07-01")
        #expect(events[0].data["startDate"] == "2026-08-01")
        #expect(events[0].occurredAt == Timestamp(iso8601: "2026-06-01T10:00:00.000Z"))
    }

    @Test func openingStateTransitions() throws {
        let id = "00000000-0000-0000-0000-0000000000a1"
        let approved = F.opening(state: "Approved", targetStartDate: "2026-07-01", openedAt: nil)
        let open = F.opening(state: "Open", targetStartDate: "2026-07-01")
        let filled = F.opening(state: "Filled", targetStartDate: "2026-07-01", closedAt: "2026-06-01T09:00:00.000Z")
        let closed = F.opening(state: "Closed", targetStartDate: "2026-07-01", closedAt: "2026-06-01T09:00:00.000Z")
        let opened = classify(.updated(before: approved, after: open), .opening, id)
        #expect(types(opened) == ["opening.opened"])
        #expect(opened[0].occurredAt == Timestamp(iso8601: "2026-01-10T09:00:00.000Z"))
        #expect(opened[0].data["jobs"]?[0]?["title"] == "[Old] Senior Full-Stack Engineer - Remote")
        #expect(opened[0].data["departmentId"] == "00000000-0000-0000-0000-00000000000b")
        let filledEvents = classify(.updated(before: open, after: filled), .opening, id)
        #expect(types(filledEvents) == ["opening.filled"])
        #expect(filledEvents[0].occurredAt == Timestamp(iso8601: "2026-06-01T09:00:00.000Z"))
        #expect(types(classify(.updated(before: open, after: closed), .opening, id)) == ["opening.closed"])
        // First sighting of a filled opening: it was opened, then filled.
        #expect(types(classify(.created(filled), .opening, id)) == ["opening.opened", "opening.filled"])
    }

    @Test func openingTargetStartDateChange() {
        let id = "00000000-0000-0000-0000-0000000000a1"
        let before = F.opening(state: "Open", targetStartDate: "2026-07-01")
        let after = F.opening(state: "Open", targetStartDate: "2026-09-01")
        let events = classify(.updated(before: before, after: after), .opening, id)
        #expect(types(events) == ["opening.target_start_date_changed"])
        #expect(events[0].data["previousTargetStartDate"] == "2026-07-01")
        #expect(events[0].occurredAtInferred)  // same version: no source time for the change
        #expect(events[0].occurredAt == F.observedAt)
    }

    @Test func jobOpenAndClose() {
        var open = F.job
        open["status"] = "Open"
        open["closedAt"] = nil
        let closed = F.job
        let closedEvents = classify(.updated(before: open, after: closed), .job, F.jobId)
        #expect(types(closedEvents) == ["job.closed"])
        #expect(closedEvents[0].occurredAt == Timestamp(iso8601: "2024-06-14T10:00:31.753Z"))
        #expect(closedEvents[0].data["title"] == "[Old] Senior Full-Stack Engineer - Remote")
        #expect(types(classify(.updated(before: closed, after: open), .job, F.jobId)) == ["job.opened"])
        #expect(types(classify(.created(closed), .job, F.jobId)) == ["job.opened", "job.closed"])
    }

    @Test func candidateDeletionAndMerge() {
        let candidate = RecordedAshby.candidate
        let id = candidate["id"]!.stringValue!
        let deleted = classify(.deleted(lastKnown: candidate, reason: .absentFromFullSync), .candidate, id)
        #expect(types(deleted) == ["candidate.deleted"])
        #expect(deleted[0].data["reason"] == "absent_from_full_sync")
        #expect(deleted[0].occurredAtInferred)
        let merged = classify(.deleted(lastKnown: candidate, reason: .merged(into: "survivor")), .candidate, id)
        #expect(types(merged) == ["candidate.merged"])
        #expect(merged[0].data["mergedIntoCandidateId"] == "survivor")
        #expect(classify(.updated(before: candidate, after: candidate), .candidate, id).isEmpty)
    }

    /// Every domain event any of the scenarios above produces, with the records' candidate data.
    static func allScenarioEvents() -> [PendingEvent] {
        let c = EventClassifier()
        func run(_ change: RecordChange, _ kind: EntityKind, _ id: String) -> [PendingEvent] {
            var context = F.context
            context.histories[F.applicationId] = F.history
            return c.classify(change, subject: EntityKey(kind, id), observedAt: F.observedAt, context: context)
        }
        var archived = F.application(in: F.archivedStage, status: "Archived", updatedAt: "2026-06-01T10:00:00.000Z")
        archived["archiveReason"] = ["id": "r1", "text": "x", "reasonType": "RejectedByOrg"]
        return run(.created(F.application), .application, F.applicationId)
            + run(.updated(before: F.application, after: F.application(in: F.offerStage, status: "Active", updatedAt: "2026-05-30T16:00:01.000Z")), .application, F.applicationId)
            + run(.updated(before: F.application, after: F.application(in: F.hiredStage, status: "Hired", updatedAt: "2026-06-01T10:00:00.000Z")), .application, F.applicationId)
            + run(.updated(before: F.application, after: archived), .application, F.applicationId)
            + run(.updated(before: archived, after: F.application), .application, F.applicationId)
            + run(.created(F.offer(acceptance: "Accepted", status: "CandidateAccepted", startDate: "2026-07-01")), .offer, "o")
            + run(.created(F.opening(state: "Filled", targetStartDate: "2026-07-01")), .opening, "op")
            + run(.created(F.job), .job, F.jobId)
            + run(.deleted(lastKnown: RecordedAshby.candidate, reason: .merged(into: "s")), .candidate, "c")
            + run(.deleted(lastKnown: RecordedAshby.candidate, reason: .deletedInSource), .candidate, "c")
    }

    @Test func domainEventsCarryNoCandidatePersonalData() {
        let events = Self.allScenarioEvents()
        #expect(Set(events.map(\.type.wireName)).count >= 12)
        let candidate = RecordedAshby.candidate
        let forbidden = F.personalData + [
            candidate["name"]!.stringValue!, candidate["primaryEmailAddress"]!["value"]!.stringValue!,
            candidate["primaryPhoneNumber"]!["value"]!.stringValue!, "linkedin.com",
        ]
        for e in events {
            let text = e.data.canonicalString
            for pii in forbidden { #expect(!text.contains(pii), "\(e.type) data contains \"\(pii)\": \(text)") }
            for key in ["name", "email", "phone", "primaryEmailAddress", "primaryPhoneNumber", "socialLinks", "firstName", "lastName"] {
                #expect(!text.contains("\"\(key)\":"), "\(e.type) data has a \"\(key)\" member")
            }
        }
    }
}
