@testable import HireLedgerCore

/// A hand-built event log, recorded the way the sync records it: each `sync` compares records with
/// the ones held, and `EventBatch` turns every change into its record event and classified domain
/// events. Record shapes follow docs/ASHBY_API.md §5.
struct ProjectionLog {
    var records: [EntityKey: JSONValue] = [:]
    var events: [RecordedEvent] = []

    /// Records every changed record of `records`, observed at `observedAt`.
    mutating func sync(_ observedAt: String, _ changed: [JSONValue], kind: (JSONValue) -> EntityKind) {
        let at = Timestamp(iso8601: observedAt)!
        var batch = EventBatch()
        for r in changed {
            let key = EntityKey(kind(r), r.string("id")!)
            let change: RecordChange = records[key].map { .updated(before: $0, after: r) } ?? .created(r)
            batch.append(change, of: key, observedAt: at, context: InMemoryClassificationContext(records: records))
            records[key] = r
        }
        events += batch.recorded(startingAt: LogPosition(UInt64(events.count + 1)), storeId: "test")
    }

    mutating func sync(_ observedAt: String, _ changed: [(EntityKind, JSONValue)]) {
        let kinds = Dictionary(changed.map { ($0.1.string("id")!, $0.0) }, uniquingKeysWith: { a, _ in a })
        sync(observedAt, changed.map(\.1)) { kinds[$0.string("id")!]! }
    }
}

enum PF {
    static func t(_ s: String) -> Timestamp { Timestamp(iso8601: s)! }

    static func department(_ id: String, _ name: String, parent: String? = nil) -> (EntityKind, JSONValue) {
        (.department, ["id": .string(id), "name": .string(name), "externalName": .null, "isArchived": false,
                       "parentId": JSONValue(parent), "createdAt": "2025-01-01T00:00:00.000Z",
                       "updatedAt": "2025-06-01T00:00:00.000Z", "extraData": .null])
    }

    static func location(_ id: String, _ name: String) -> (EntityKind, JSONValue) {
        (.location, ["id": .string(id), "name": .string(name), "externalName": .null, "isArchived": false,
                     "isRemote": false, "type": "Location", "parentLocationId": .null])
    }

    static func job(_ id: String, _ title: String, status: String, department: String, location: String,
                    employmentType: String = "FullTime", openedAt: String? = "2026-01-02T09:00:00.000Z",
                    closedAt: String? = nil, updatedAt: String = "2026-01-02T09:00:00.000Z") -> (EntityKind, JSONValue) {
        (.job, ["id": .string(id), "title": .string(title), "confidential": false, "status": .string(status),
                "employmentType": .string(employmentType), "locationId": .string(location), "departmentId": .string(department),
                "defaultInterviewPlanId": "plan-1", "interviewPlanIds": ["plan-1"], "customFields": [], "jobPostingIds": [],
                "customRequisitionId": .null, "brandId": .null, "hiringTeam": [], "createdAt": "2025-12-20T09:00:00.000Z",
                "updatedAt": .string(updatedAt), "openedAt": JSONValue(openedAt), "closedAt": JSONValue(closedAt)])
    }

    static func opening(_ id: String, _ identifier: String, state: String, department: String, location: String,
                        targetStart: String?, backfill: Bool = false, jobId: String = "job-1", employmentType: String = "FullTime",
                        openedAt: String? = "2026-01-05T00:00:00.000Z", closedAt: String? = nil,
                        versionId: String = "v1", versionCreatedAt: String = "2025-12-15T00:00:00.000Z") -> (EntityKind, JSONValue) {
        (.opening, ["id": .string(id), "openedAt": JSONValue(openedAt), "closedAt": JSONValue(closedAt), "isArchived": false,
                    "archivedAt": .null, "closeReasonId": .null, "openingState": .string(state),
                    "latestVersion": ["id": .string(versionId), "identifier": .string(identifier), "description": "A role",
                                      "authorId": "user-1", "createdAt": .string(versionCreatedAt), "teamId": .string(department),
                                      "jobIds": [.string(jobId)], "targetHireDate": .null, "targetStartDate": JSONValue(targetStart),
                                      "isBackfill": JSONValue(backfill), "employmentType": .string(employmentType),
                                      "locationIds": [.string(location)], "hiringTeam": [], "customFields": []]])
    }

    static func stage(_ id: String, _ title: String, _ type: String, _ order: Int) -> JSONValue {
        ["id": .string(id), "title": .string(title), "type": .string(type), "interviewPlanId": "plan-1",
         "orderInInterviewPlan": JSONValue(order), "interviewStageGroupId": .null]
    }

    static let screen = stage("st-screen", "Phone Screen", "PreInterviewScreen", 1)
    static let onsite = stage("st-onsite", "Onsite", "Active", 2)
    static let offerStage = stage("st-offer", "Offer", "Offer", 3)
    static let hired = stage("st-hired", "Hired", "Hired", 4)
    static let archived = stage("st-archived", "Archived", "Archived", 5)

    static func application(_ id: String, job: String, department: String, stage: JSONValue, status: String = "Active",
                            updatedAt: String, createdAt: String = "2026-01-01T00:00:00.000Z") -> (EntityKind, JSONValue) {
        (.application, ["id": .string(id), "createdAt": .string(createdAt), "updatedAt": .string(updatedAt),
                        "status": .string(status), "customFields": [],
                        "candidate": ["id": .string("cand-" + id), "name": "Test Person", "primaryEmailAddress": .null],
                        "currentInterviewStage": stage, "source": .null, "archiveReason": .null,
                        "job": ["id": .string(job), "title": "Engineer", "locationId": "loc-ber", "departmentId": .string(department)],
                        "creditedToUser": .null, "hiringTeam": []])
    }

    static func offer(_ id: String, application: String, acceptance: String, status: String, startDate: String,
                      opening: String?, decidedAt: String?, versionId: String = "ov1",
                      versionCreatedAt: String = "2026-01-20T00:00:00.000Z") -> (EntityKind, JSONValue) {
        (.offer, ["id": .string(id), "applicationId": .string(application), "acceptanceStatus": .string(acceptance),
                  "offerStatus": .string(status), "decidedAt": JSONValue(decidedAt),
                  "latestVersion": ["id": .string(versionId), "startDate": .string(startDate),
                                    "salary": ["currencyCode": "EUR", "value": 90000], "createdAt": .string(versionCreatedAt),
                                    "openingId": JSONValue(opening), "customFields": [], "fileHandles": [],
                                    "approvalStatus": "Approved"]])
    }

    /// Departments Eng > Backend and Sales; Berlin and Remote.
    static let org: [(EntityKind, JSONValue)] = [
        department("dep-eng", "Engineering"), department("dep-be", "Backend", parent: "dep-eng"), department("dep-sales", "Sales"),
        location("loc-ber", "Berlin"), location("loc-rem", "Remote"),
    ]

    /// The plan scenario (see `HeadcountProjectionTests`):
    /// sync 1 (2026-02-01): O1 Backend Open Mar-02, O2 Backend Approved Mar-16 backfill, O3 Eng Open Apr-01,
    ///   O4 Sales Closed Mar-01, O5 Backend Filled Feb-01, O6 Draft; A1 in Offer with F1 accepted, start Mar-09, for O1.
    /// sync 2 (2026-02-10): O3's target start moves to May-01 (version created Feb-09).
    /// sync 3 (2026-03-20): O1 Filled, closed Mar-05; A1 hired (updated Mar-05).
    static func planLog() -> ProjectionLog {
        var log = ProjectionLog()
        log.sync("2026-02-01T00:00:00.000Z", org + [
            job("job-1", "Backend Engineer", status: "Open", department: "dep-be", location: "loc-ber"),
            opening("op-1", "ENG-1", state: "Open", department: "dep-be", location: "loc-ber", targetStart: "2026-03-02"),
            opening("op-2", "ENG-2", state: "Approved", department: "dep-be", location: "loc-ber", targetStart: "2026-03-16",
                    backfill: true, openedAt: nil),
            opening("op-3", "ENG-3", state: "Open", department: "dep-eng", location: "loc-rem", targetStart: "2026-04-01"),
            opening("op-4", "SAL-1", state: "Closed", department: "dep-sales", location: "loc-ber", targetStart: "2026-03-01",
                    employmentType: "Contract", closedAt: "2026-01-20T00:00:00.000Z"),
            opening("op-5", "ENG-5", state: "Filled", department: "dep-be", location: "loc-ber", targetStart: "2026-02-01",
                    closedAt: "2026-01-15T00:00:00.000Z"),
            opening("op-6", "ENG-6", state: "Draft", department: "dep-be", location: "loc-ber", targetStart: "2026-06-01", openedAt: nil),
            application("app-1", job: "job-1", department: "dep-be", stage: offerStage, updatedAt: "2026-01-21T00:00:00.000Z"),
            offer("off-1", application: "app-1", acceptance: "Accepted", status: "CandidateAccepted", startDate: "2026-03-09",
                  opening: "op-1", decidedAt: "2026-01-25T00:00:00.000Z"),
        ])
        log.sync("2026-02-10T00:00:00.000Z", [
            opening("op-3", "ENG-3", state: "Open", department: "dep-eng", location: "loc-rem", targetStart: "2026-05-01",
                    versionId: "v2", versionCreatedAt: "2026-02-09T00:00:00.000Z"),
        ])
        log.sync("2026-03-20T00:00:00.000Z", [
            opening("op-1", "ENG-1", state: "Filled", department: "dep-be", location: "loc-ber", targetStart: "2026-03-02",
                    closedAt: "2026-03-05T00:00:00.000Z"),
            application("app-1", job: "job-1", department: "dep-be", stage: hired, status: "Hired", updatedAt: "2026-03-05T00:00:00.000Z"),
        ])
        return log
    }
}
