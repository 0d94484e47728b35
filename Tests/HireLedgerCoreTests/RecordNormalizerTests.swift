import Testing
@testable import HireLedgerCore

struct RecordNormalizerTests {
    /// Two reads of one candidate that differ only in their signed file handles.
    @Test func readsDifferingOnlyInVolatileFieldsHashEqual() throws {
        let first = RecordedAshby.candidate
        var second = first
        second["resumeFileHandle"]?["handle"] = "re-signed-token-1"
        second["fileHandles"] = .array(first["fileHandles"]!.arrayValue!.map { var h = $0; h["handle"] = "re-signed-token-2"; return h })
        #expect(first.contentHash != second.contentHash)
        let a = RecordNormalizer.standard.normalize(first, kind: .candidate)
        let b = RecordNormalizer.standard.normalize(second, kind: .candidate)
        #expect(a.hash == b.hash)
        #expect(a.canonicalBytes == b.canonicalBytes)
        // The file itself is still identified.
        #expect(a.value["resumeFileHandle"]?["id"]?.stringValue == "00000000-0000-0000-0000-00000000002f")
        let resumeHandle = a.value["resumeFileHandle"]?["handle"], firstHandle = a.value["fileHandles"]?[0]?["handle"]
        #expect(resumeHandle.isAbsent)
        #expect(firstHandle.isAbsent)
    }

    @Test func aRealChangeStillChangesTheHash() {
        var changed = RecordedAshby.candidate
        changed["position"] = "Staff Engineer"
        #expect(RecordNormalizer.standard.normalize(changed, kind: .candidate).hash
            != RecordNormalizer.standard.normalize(RecordedAshby.candidate, kind: .candidate).hash)
    }

    @Test func kindsWithoutRulesAreKeptAsSent() {
        for (record, kind) in [(RecordedAshby.department, EntityKind.department), (RecordedAshby.user, .user),
                               (RecordedAshby.interview, .interview)] {
            #expect(RecordNormalizer.standard.normalize(record, kind: kind).value == record)
        }
    }

    /// Embedded copies of other entities are kept as references: the id and what the parent owns.
    @Test func embeddedCopiesBecomeReferences() throws {
        let job = RecordNormalizer.standard.normalize(RecordedAshby.job, kind: .job).value
        #expect(job["author"] == ["id": "00000000-0000-0000-0000-000000000007"])
        var expectedJob = RecordedAshby.job
        expectedJob["author"] = ["id": "00000000-0000-0000-0000-000000000007"]
        #expect(job == expectedJob, "nothing else of a job changes")

        let application = RecordNormalizer.standard.normalize(RecordedAshby.application, kind: .application).value
        #expect(application["candidate"] == ["id": "00000000-0000-0000-0000-000000000002"])
        #expect(application["currentInterviewStage"] == ["id": "00000000-0000-0000-0000-000000000003"])
        #expect(application["job"] == ["id": "00000000-0000-0000-0000-000000000006"])
        #expect(application["source"] == ["id": "00000000-0000-0000-0000-000000000009"])
        #expect(application["archiveReason"] == ["id": "00000000-0000-0000-0000-00000000000b", "customFields": []])
        #expect(application["creditedToUser"] == .null, "a null reference stays null")
        // The application's own history is kept whole (titles there are the stage's title at the time).
        #expect(application["applicationHistory"] == RecordedAshby.application["applicationHistory"])

        let withTeam: JSONValue = [
            "id": "a1", "hiringTeam": [["userId": "u1", "firstName": "A", "lastName": "B", "email": "a@b", "role": "Recruiter"]],
            "customFields": [["id": "f1", "isPrivate": false, "title": "Cost Center", "value": "R&D", "valueLabel": "R&D"]],
            "openings": [["id": "o1", "openingState": "Open", "latestVersion": ["id": "v1"]]],
            "creditedToUser": ["id": "u2", "firstName": "C", "isEnabled": true, "updatedAt": "2026-01-01T00:00:00Z"],
        ]
        #expect(RecordNormalizer.standard.normalize(withTeam, kind: .application).value == [
            "id": "a1", "hiringTeam": [["userId": "u1", "role": "Recruiter"]], "customFields": [["id": "f1", "value": "R&D"]],
            "openings": [["id": "o1"]], "creditedToUser": ["id": "u2"],
        ])
        let schedule: JSONValue = [
            "id": "s1", "scheduledBy": ["id": "u1", "isEnabled": false, "updatedAt": "2026-02-01T00:00:00Z"],
            "interviewEvents": [["id": "e1", "interviewerUserIds": ["u2"], "interviewers": [[
                "id": "u2", "firstName": "D", "isEnabled": true, "trainingRole": "Shadow", "interviewerPool": .null, "isFeedbackRequired": true,
            ]]]],
        ]
        #expect(RecordNormalizer.standard.normalize(schedule, kind: .interviewSchedule).value == [
            "id": "s1", "scheduledBy": ["id": "u1"],
            "interviewEvents": [["id": "e1", "interviewerUserIds": ["u2"], "interviewers": [[
                "id": "u2", "trainingRole": "Shadow", "interviewerPool": .null, "isFeedbackRequired": true,
            ]]]],
        ])
    }

    /// A user deactivated, a stage renamed, a custom field renamed: the parent's normalised bytes do
    /// not change, so a sync records nothing for it (the change is the other entity's own).
    @Test func aChangeInsideACopyAloneLeavesTheParentUnchanged() throws {
        let before = RecordNormalizer.standard.normalize(RecordedAshby.job, kind: .job)
        var after = RecordedAshby.job
        after["author"]?["isEnabled"] = false
        after["author"]?["updatedAt"] = "2026-06-01T00:00:00.000Z"
        #expect(RecordNormalizer.standard.normalize(after, kind: .job).hash == before.hash)

        var application = RecordedAshby.application
        let original = RecordNormalizer.standard.normalize(application, kind: .application)
        application["currentInterviewStage"]?["title"] = "Archived (old)"
        application["job"]?["title"] = "Renamed job"
        application["candidate"]?["name"] = "Someone Else"
        #expect(RecordNormalizer.standard.normalize(application, kind: .application).hash == original.hash)
        // A change the parent owns still shows.
        application["currentInterviewStage"]?["id"] = "another-stage"
        #expect(RecordNormalizer.standard.normalize(application, kind: .application).hash != original.hash)
    }

    /// What a store migration relies on: normalising is idempotent, on records normalised by this version
    /// and on rows stored by version 1 (copies kept, file handles removed) alike.
    @Test func normalisingIsIdempotentOnNewAndOldStoredRecords() throws {
        let samples: [(JSONValue, EntityKind)] = [
            (RecordedAshby.application, .application), (RecordedAshby.applicationListItem, .application),
            (RecordedAshby.candidate, .candidate), (RecordedAshby.candidateInfo, .candidate), (RecordedAshby.job, .job),
            (RecordedAshby.jobListItem, .job), (RecordedAshby.department, .department), (RecordedAshby.user, .user),
        ]
        let version1 = RecordNormalizer(volatileFields: RecordNormalizer.standardVolatileFields)
        for (raw, kind) in samples {
            let fresh = RecordNormalizer.standard.normalize(raw, kind: kind)
            #expect(RecordNormalizer.standard.normalize(fresh.value, kind: kind) == fresh, "\(kind) normalised twice")
            let oldRow = version1.normalize(raw, kind: kind)
            #expect(RecordNormalizer.standard.normalize(oldRow.value, kind: kind) == fresh, "\(kind) stored by version 1")
        }
        #expect(RecordNormalizer.version == 2)
    }

    /// An offer waiting on approval is no outcome: not accepted, so not committed headcount.
    @Test func offersPendingApprovalAreUndecided() {
        for (acceptance, status) in [("Created", "WaitingOnOfferApproval"), ("Created", "WaitingOnApprovalStart"),
                                     ("Pending", "WaitingOnApprovalDefinition"), ("WaitingOnResponse", "WaitingOnCandidateResponse")] {
            let offer: JSONValue = ["id": "o1", "acceptanceStatus": .string(acceptance), "offerStatus": .string(status)]
            #expect(EventClassifier.offerOutcome(offer) == nil)
            #expect(OfferFacts(record: offer).outcome == .pending)
        }
        let turnedDown: JSONValue = ["id": "o1", "acceptanceStatus": "Cancelled", "offerStatus": "OfferCancelled"]
        #expect(EventClassifier.offerOutcome(turnedDown) == .offerCancelled)
    }

    @Test func wildcardsReachEveryElementAndMember() throws {
        let n = RecordNormalizer(volatileFields: [.offer: ["versions[*].fileHandles[*].handle", "extra.*.url", "gone.*"]])
        let offer: JSONValue = [
            "versions": [["fileHandles": [["id": "f1", "handle": "h1"], ["id": "f2", "handle": "h2"]]], ["fileHandles": []]],
            "extra": ["a": ["url": "u", "keep": 1], "b": "not an object"],
            "gone": ["x": 1, "y": 2],
        ]
        let out = n.normalizedValue(offer, kind: .offer)
        #expect(out == [
            "versions": [["fileHandles": [["id": "f1"], ["id": "f2"]]], ["fileHandles": []]],
            "extra": ["a": ["keep": 1], "b": "not an object"],
            "gone": [:],
        ])
    }

    @Test(arguments: ["", "a..b", "a[*", "a[x]", "*x"])
    func malformedFieldPathsAreRejected(_ text: String) {
        #expect(FieldPath(text) == nil)
    }
}
