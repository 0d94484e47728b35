import HireLedgerCore

// The world's rows. Plain structs stored in `World`'s arrays; relations are row indexes (Int32, -1 = none)
// so the world stays compact and copy-free. Every row remembers `changeSeq`, the global change sequence of
// its last change, which drives incremental sync.

enum EntityType: String, CaseIterable, Sendable {
    case application, candidate, job, jobPosting, opening, offer, interviewSchedule, interviewPlan
    case interviewStage, interview, department, location, user, archiveReason, closeReason, source
    case candidateTag, customField

    var ordinal: Int { EntityType.allCases.firstIndex(of: self)! }
}

/// One entry of a per-type change log: row `row` changed at global sequence `seq`. An entry is live only
/// while the row's `changeSeq` still equals `seq`.
struct ChangeLogEntry {
    var seq: UInt64
    var row: Int32
}

struct UserRec {
    var id: SimID, firstName: String, lastName: String, email: String, globalRole: String
    var isEnabled: Bool, createdAt: Int64, updatedAt: Int64, changeSeq: UInt64 = 0
}

struct DepartmentRec {
    var id: SimID, name: String, parent: Int32, isArchived: Bool
    var createdAt: Int64, updatedAt: Int64, changeSeq: UInt64 = 0
}

struct LocationRec {
    var id: SimID, name: String, country: String, region: String?, city: String?, street: String?, postalCode: String?
    var workplaceType: String?, parent: Int32, isHierarchy: Bool, isArchived: Bool
    var createdAt: Int64, changeSeq: UInt64 = 0
}

struct ArchiveReasonRec { var id: SimID, text: String, reasonType: String, isArchived: Bool, changeSeq: UInt64 = 0 }
struct CloseReasonRec { var id: SimID, reasonText: String, isArchived: Bool, changeSeq: UInt64 = 0 }
struct SourceRec { var id: SimID, title: String, typeId: SimID, typeTitle: String, isArchived: Bool, isSourced: Bool, changeSeq: UInt64 = 0 }
struct TagRec { var id: SimID, title: String, isArchived: Bool, createdAt: Int64, changeSeq: UInt64 = 0 }

struct CustomFieldRec {
    var id: SimID, title: String, objectType: String, fieldType: String, isArchived: Bool, isRequired: Bool
    var isPrivate: Bool, selectableValues: [String], changeSeq: UInt64 = 0
}

struct PlanRec {
    var id: SimID, title: String, isArchived: Bool, createdAt: Int64, updatedAt: Int64, stages: [Int32]
    var changeSeq: UInt64 = 0
}

enum StageType: String { case Lead, PreInterviewScreen, Active, Offer, Hired, Archived }

struct StageRec {
    var id: SimID, title: String, type: StageType, order: Int, groupId: SimID, plan: Int32, changeSeq: UInt64 = 0
}

struct InterviewRec {
    var id: SimID, title: String, isArchived: Bool, isDebrief: Bool, job: Int32, feedbackFormId: SimID
    var changeSeq: UInt64 = 0
}

enum JobStatus: String { case Draft, Open, Closed, Archived }

struct JobRec {
    var id: SimID, title: String, confidential: Bool, status: JobStatus, employmentType: String
    var location: Int32, department: Int32, plan: Int32, posting: Int32, hiringTeam: [Int32], author: Int32
    var openings: [Int32], interview: Int32
    var createdAt: Int64, updatedAt: Int64, openedAt: Int64?, closedAt: Int64?, changeSeq: UInt64 = 0
    var customValues: [CustomValueRec] = []
}

struct PostingRec {
    var id: SimID, job: Int32, isListed: Bool, published: Bool, publishedDay: Int32, workplaceType: String
    var createdAt: Int64, updatedAt: Int64, changeSeq: UInt64 = 0
}

enum OpeningState: String { case Draft, Approved, Open, Closed, Filled }

struct OpeningRec {
    var id: SimID, versionId: SimID, identifier: String, author: Int32, versionCreatedAt: Int64, team: Int32
    var jobs: [Int32], targetHireDay: Int32?, targetStartDay: Int32?, isBackfill: Bool, employmentType: String
    var locations: [Int32], openedAt: Int64?, closedAt: Int64?, isArchived: Bool, archivedAt: Int64?
    var closeReason: Int32, state: OpeningState, heldByOffer: Int32
    var createdAt: Int64, updatedAt: Int64, changeSeq: UInt64 = 0
}

struct CandidateRec {
    var id: SimID, name: String, email: String, altEmail: String?, phone: String?, position: String?
    var company: String?, school: String?, applications: [Int32], resumeId: SimID?, tags: [Int32], source: Int32
    var creditedTo: Int32, timezone: String?, location: Int32, linkedIn: String?
    var createdAt: Int64, updatedAt: Int64, changeSeq: UInt64 = 0, deleted: Bool = false
    /// Custom field values (`SimulatorBehaviours.customFieldValues`), in field order.
    var customValues: [CustomValueRec] = []
}

/// One custom field value of a record: the field's row and the value as Ashby renders it.
struct CustomValueRec { var field: Int32, value: JSONValue }

enum ApplicationStatus: String { case Active, Hired, Archived, Lead }

struct HistoryRec { var id: SimID, stage: Int32, enteredAt: Int64, leftAt: Int64?, actor: Int32 }

struct ApplicationRec {
    var id: SimID, candidate: Int32, job: Int32, stage: Int32, status: ApplicationStatus, source: Int32
    var creditedTo: Int32, archiveReason: Int32, archivedAt: Int64?, history: [HistoryRec], posting: Int32
    var offers: [Int32], createdAt: Int64, updatedAt: Int64, changeSeq: UInt64 = 0, deleted: Bool = false
    var customValues: [CustomValueRec] = []
}

struct OfferVersionRec {
    var id: SimID, startDay: Int32, currency: String, salary: Int, createdAt: Int64, opening: Int32, author: Int32
    /// `Approved`, `WaitingOnApprovals` or `Declined` (`SimulatorBehaviours.offersPendingApproval`).
    var approvalStatus: String = "Approved"
}

struct OfferRec {
    var id: SimID, application: Int32, acceptanceStatus: String, offerStatus: String, decidedAt: Int64?
    var versions: [OfferVersionRec], createdAt: Int64, updatedAt: Int64, changeSeq: UInt64 = 0, deleted: Bool = false
}

struct InterviewEventRec {
    var id: SimID, interview: Int32, interviewers: [Int32], createdAt: Int64, updatedAt: Int64
    var start: Int64, end: Int64, hasSubmittedFeedback: Bool, meetingLink: String?
}

struct ScheduleRec {
    var id: SimID, status: String, application: Int32, stage: Int32, scheduledBy: Int32
    var events: [InterviewEventRec], createdAt: Int64, updatedAt: Int64, changeSeq: UInt64 = 0, deleted: Bool = false
}

extension Array {
    /// Calls `body` with the element at `index` read in place. A record copied out of its array (`let a =
    /// rows[i]`) retains and releases every string and array it holds, which showed in a full listing's
    /// profile; the listing filters and renderers read rows this way instead.
    @inline(__always)
    func withElement<R>(at index: Int, _ body: (Element) throws -> R) rethrows -> R {
        try withUnsafeBufferPointer { try body($0[index]) }
    }
}
