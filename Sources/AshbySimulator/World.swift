import HireLedgerCore

/// The simulated account's state: every table, the global change sequence and the journal.
///
/// Not thread-safe; `SimulatedAshby` owns one and serialises all access under its lock.
final class World {
    var users: [UserRec] = []
    var departments: [DepartmentRec] = []
    var locations: [LocationRec] = []
    var archiveReasons: [ArchiveReasonRec] = []
    var closeReasons: [CloseReasonRec] = []
    var sources: [SourceRec] = []
    var tags: [TagRec] = []
    var customFields: [CustomFieldRec] = []
    var plans: [PlanRec] = []
    var stages: [StageRec] = []
    var interviews: [InterviewRec] = []
    var jobs: [JobRec] = []
    var postings: [PostingRec] = []
    var openings: [OpeningRec] = []
    var candidates: [CandidateRec] = []
    var applications: [ApplicationRec] = []
    var offers: [OfferRec] = []
    var schedules: [ScheduleRec] = []

    /// id → row, per entity type.
    var index: [[SimID: Int32]] = Array(repeating: [:], count: EntityType.allCases.count)
    /// Per entity type, every change in sequence order (see `ChangeLogEntry`).
    var changeLog: [[ChangeLogEntry]] = Array(repeating: [], count: EntityType.allCases.count)
    /// The global change sequence: the number of record changes ever made.
    var seq: UInt64 = 0
    var journal: [JournalEntry] = []
    /// Off while history before the simulated start is generated (the start state is the baseline).
    var journalling = false
    var brandId = SimID.none
    var stageGroupIds: [StageType: SimID] = [:]
    var openingsEnabled = true
    /// Non-zero when file handles are re-signed on every read (`SimulatorBehaviours.resignFileHandles`):
    /// the signature of the response being rendered, set per request.
    var fileHandleSignature: UInt64 = 0

    /// Records a change of row `row` of `type`: bumps the sequence and appends to the change log.
    /// Returns the new sequence; the caller stores it in the row's `changeSeq`.
    @discardableResult
    func bump(_ type: EntityType, _ row: Int32) -> UInt64 {
        seq += 1
        changeLog[type.ordinal].append(ChangeLogEntry(seq: seq, row: row))
        return seq
    }

    func register(_ type: EntityType, _ id: SimID, _ row: Int32) { index[type.ordinal][id] = row }
    func row(_ type: EntityType, _ id: SimID) -> Int32? { index[type.ordinal][id] }

    func note(_ kind: JournalEntry.Kind, _ type: EntityType, _ id: SimID, at: Int64, field: String? = nil,
              old: JSONValue? = nil, new: JSONValue? = nil) {
        guard journalling else { return }
        journal.append(JournalEntry(seq: journal.count + 1, changeSeq: seq, at: Timestamp(millisecondsSinceEpoch: at),
                                    entityType: type.rawValue, entityId: id.string, kind: kind, field: field,
                                    old: old, new: new))
    }

    // MARK: touch helpers: set changeSeq and updatedAt together so updatedAt moves exactly on change.

    func touchApplication(_ i: Int32, at: Int64) {
        applications[Int(i)].changeSeq = bump(.application, i); applications[Int(i)].updatedAt = at
    }
    func touchCandidate(_ i: Int32, at: Int64) {
        candidates[Int(i)].changeSeq = bump(.candidate, i); candidates[Int(i)].updatedAt = at
    }
    func touchJob(_ i: Int32, at: Int64) { jobs[Int(i)].changeSeq = bump(.job, i); jobs[Int(i)].updatedAt = at }
    func touchPosting(_ i: Int32, at: Int64) {
        postings[Int(i)].changeSeq = bump(.jobPosting, i); postings[Int(i)].updatedAt = at
    }
    func touchOpening(_ i: Int32, at: Int64) {
        openings[Int(i)].changeSeq = bump(.opening, i); openings[Int(i)].updatedAt = at
    }
    func touchOffer(_ i: Int32, at: Int64) { offers[Int(i)].changeSeq = bump(.offer, i); offers[Int(i)].updatedAt = at }
    func touchSchedule(_ i: Int32, at: Int64) {
        schedules[Int(i)].changeSeq = bump(.interviewSchedule, i); schedules[Int(i)].updatedAt = at
    }
    func touchDepartment(_ i: Int32, at: Int64) {
        departments[Int(i)].changeSeq = bump(.department, i); departments[Int(i)].updatedAt = at
    }
    func touchUser(_ i: Int32, at: Int64) { users[Int(i)].changeSeq = bump(.user, i); users[Int(i)].updatedAt = at }

    /// Live (not deleted) record counts per entity type name.
    func counts() -> [(String, Int)] {
        EntityType.allCases.map { t -> (String, Int) in
            let n: Int
            switch t {
            case .application: n = applications.lazy.filter { !$0.deleted }.count
            case .candidate: n = candidates.lazy.filter { !$0.deleted }.count
            case .job: n = jobs.count
            case .jobPosting: n = postings.count
            case .opening: n = openingsEnabled ? openings.count : 0
            case .offer: n = offers.lazy.filter { !$0.deleted }.count
            case .interviewSchedule: n = schedules.lazy.filter { !$0.deleted }.count
            case .interviewPlan: n = plans.count
            case .interviewStage: n = stages.count
            case .interview: n = interviews.count
            case .department: n = departments.count
            case .location: n = locations.count
            case .user: n = users.count
            case .archiveReason: n = archiveReasons.count
            case .closeReason: n = closeReasons.count
            case .source: n = sources.count
            case .candidateTag: n = tags.count
            case .customField: n = customFields.count
            }
            return (t.rawValue, n)
        }
    }
}
