/// The Ashby record kinds HireLedger syncs, each with the endpoint that lists it and the one that
/// fetches a single record.
public enum AshbyEntityType: String, Sendable, Hashable, CaseIterable {
    case jobs, openings, jobPostings, candidates, applications, applicationHistory
    case interviews, interviewSchedules, interviewPlans, interviewStages
    case archiveReasons, closeReasons, sources, candidateTags, customFields
    case departments, locations, users, offers

    /// The list endpoint, with its pagination, `syncToken` support and complete-picture parameters.
    public var listEndpoint: AshbyEndpoint {
        switch self {
        case .jobs: return .jobList
        case .openings: return .openingList
        case .jobPostings: return .jobPostingList
        case .candidates: return .candidateList
        case .applications: return .applicationList
        case .applicationHistory: return .applicationListHistory
        case .interviews: return .interviewList
        case .interviewSchedules: return .interviewScheduleList
        case .interviewPlans: return .interviewPlanList
        case .interviewStages: return .interviewStageList
        case .archiveReasons: return .archiveReasonList
        case .closeReasons: return .closeReasonList
        case .sources: return .sourceList
        case .candidateTags: return .candidateTagList
        case .customFields: return .customFieldList
        case .departments: return .departmentList
        case .locations: return .locationList
        case .users: return .userList
        case .offers: return .offerList
        }
    }

    /// The single-record endpoint (its `requiredParameter` names the id field), or nil when Ashby has none.
    public var infoEndpoint: AshbyEndpoint? {
        switch self {
        case .jobs: return .jobInfo
        case .openings: return .openingInfo
        case .jobPostings: return .jobPostingInfo
        case .candidates: return .candidateInfo
        case .applications: return .applicationInfo
        case .interviews: return .interviewInfo
        case .interviewStages: return .interviewStageInfo
        case .customFields: return .customFieldInfo
        case .departments: return .departmentInfo
        case .locations: return .locationInfo
        case .users: return .userInfo
        case .offers: return .offerInfo
        case .applicationHistory, .interviewSchedules, .interviewPlans, .archiveReasons, .closeReasons,
             .sources, .candidateTags:
            return nil
        }
    }

    /// For kinds listed per parent record: the parent kind whose ids fill `listEndpoint.requiredParameter`
    /// (application history per application, interview stages per interview plan).
    public var parent: AshbyEntityType? {
        switch self {
        case .applicationHistory: return .applications
        case .interviewStages: return .interviewPlans
        default: return nil
        }
    }

    public var permission: AshbyPermission { listEndpoint.permission }
}
