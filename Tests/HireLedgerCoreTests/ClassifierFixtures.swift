@testable import HireLedgerCore

/// Realistic before/after records for classifier tests, built from the recorded Ashby shapes
/// (`RecordedAshby`) and, for offers and openings (not in the recordings), from the shapes in
/// docs/ASHBY_API.md §5.3 and §5.10.
enum ClassifierFixtures {
    static let observedAt = Timestamp(iso8601: "2026-06-01T12:00:00.000Z")!
    static let planId = "00000000-0000-0000-0000-000000000004"
    static let screen = stage("00000000-0000-0000-0000-000000000010", "1st Screen", "Active", 4)
    static let onsite = stage("00000000-0000-0000-0000-000000000020", "Onsite", "Active", 5)
    static let offerStage = stage("00000000-0000-0000-0000-000000000021", "Offer", "Offer", 6)
    static let hiredStage = stage("00000000-0000-0000-0000-000000000022", "Hired", "Hired", 9)
    static let archivedStage = stage("00000000-0000-0000-0000-000000000003", "Archived", "Archived", 10)
    static let jobId = "00000000-0000-0000-0000-000000000009"
    static let applicationId = "00000000-0000-0000-0000-00000000000e"
    static let candidateId = "00000000-0000-0000-0000-00000000000f"

    /// Candidate personal data that must never reach a domain event.
    static let personalData = ["Test User 2", "user2@example.com", "+10000000002"]

    static func stage(_ id: String, _ title: String, _ type: String, _ order: Int) -> JSONValue {
        ["id": .string(id), "title": .string(title), "type": .string(type), "interviewPlanId": .string(planId),
         "orderInInterviewPlan": JSONValue(order), "interviewStageGroupId": .null]
    }

    /// The recorded application (Active, in "1st Screen").
    static var application: JSONValue { RecordedAshby.applicationListItem }

    static func application(in stage: JSONValue, status: String, updatedAt: String) -> JSONValue {
        var a = application
        a["currentInterviewStage"] = stage
        a["status"] = .string(status)
        a["updatedAt"] = .string(updatedAt)
        return a
    }

    static func historyEntry(_ n: Int, _ stage: JSONValue, entered: String, left: String?) -> JSONValue {
        var o: JSONObject = [
            "id": .string("00000000-0000-0000-0000-0000000001\(String(format2: n))"),
            "stageId": stage["id"]!, "title": stage["title"]!, "stageNumber": JSONValue(n),
            "enteredStageAt": .string(entered), "allowedActions": ["set_entered_at"], "actorId": .null,
        ]
        if let left { o["leftStageAt"] = .string(left) }
        return .object(o)
    }

    /// History: screen (t0) → onsite (t1) → offer (t2).
    static let history: [JSONValue] = [
        historyEntry(0, screen, entered: "2024-02-05T14:13:34.127Z", left: "2026-05-20T10:00:00.000Z"),
        historyEntry(1, onsite, entered: "2026-05-20T10:00:00.003Z", left: "2026-05-30T16:00:00.000Z"),
        historyEntry(2, offerStage, entered: "2026-05-30T16:00:00.002Z", left: nil),
    ]

    static var job: JSONValue {
        var j = RecordedAshby.job
        j["id"] = .string(jobId)
        return j
    }

    static var context: InMemoryClassificationContext {
        var records: [EntityKey: JSONValue] = [EntityKey(.job, jobId): job, EntityKey(.application, applicationId): application]
        for s in [screen, onsite, offerStage, hiredStage, archivedStage] {
            records[EntityKey(.interviewStage, s["id"]!.stringValue!)] = s
        }
        return InMemoryClassificationContext(records: records)
    }

    static func offer(acceptance: String, status: String, startDate: String, versionId: String = "v1",
                      versionCreatedAt: String = "2026-05-30T17:00:00.000Z", decidedAt: String? = nil) -> JSONValue {
        [
            "id": "00000000-0000-0000-0000-0000000000f1",
            "applicationId": .string(applicationId),
            "acceptanceStatus": .string(acceptance),
            "offerStatus": .string(status),
            "decidedAt": decidedAt.map(JSONValue.string) ?? .null,
            "latestVersion": [
                "id": .string(versionId), "startDate": .string(startDate),
                "salary": ["currencyCode": "EUR", "value": 95000],
                "createdAt": .string(versionCreatedAt), "openingId": "00000000-0000-0000-0000-0000000000a1",
                "customFields": [], "fileHandles": [["id": "f", "name": "Offer letter", "handle": "signed"]],
                "author": ["id": "u1", "firstName": "Test", "lastName": "User1", "email": "user1@example.com",
                           "globalRole": "Organization Admin", "isEnabled": true, "updatedAt": "2026-05-18T15:01:46.792Z"],
                "approvalStatus": "Approved",
            ],
        ]
    }

    static func opening(state: String, targetStartDate: String, versionId: String = "ov1",
                        openedAt: String? = "2026-01-10T09:00:00.000Z", closedAt: String? = nil) -> JSONValue {
        [
            "id": "00000000-0000-0000-0000-0000000000a1",
            "openedAt": openedAt.map(JSONValue.string) ?? .null,
            "closedAt": closedAt.map(JSONValue.string) ?? .null,
            "isArchived": false, "archivedAt": .null, "closeReasonId": .null,
            "openingState": .string(state),
            "latestVersion": [
                "id": .string(versionId), "identifier": "ENG-1", "description": "Backend engineer",
                "authorId": "u1", "createdAt": "2026-01-09T09:00:00.000Z", "teamId": "00000000-0000-0000-0000-00000000000b",
                "jobIds": [.string(jobId)], "targetHireDate": "2026-06-01", "targetStartDate": .string(targetStartDate),
                "isBackfill": false, "employmentType": "FullTime", "locationIds": ["00000000-0000-0000-0000-00000000000a"],
                "hiringTeam": [], "customFields": [],
            ],
        ]
    }
}

extension String {
    init(format2 n: Int) { self = n < 10 ? "0\(n)" : "\(n)" }
}
