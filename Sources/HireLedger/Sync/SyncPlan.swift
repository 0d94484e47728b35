import AshbyAPI
import HireLedgerCore

/// What the sync walks and in which order, and how Ashby's entity types map to the store's kinds.
public enum SyncPlan {
    /// Every synced entity type in dependency order: organisation metadata, users, interview plans and
    /// their stages, reasons, sources, tags, custom fields, jobs, openings, job postings, candidates,
    /// applications, offers, interviews, interview schedules. A record is classified after the records
    /// its events summarise (an application after its job and stages), so its events carry their
    /// current titles. `applicationHistory` is not a list of records: the sync reads it per application.
    public static let order: [AshbyEntityType] = [
        .departments, .locations, .users, .interviewPlans, .interviewStages, .archiveReasons, .closeReasons,
        .sources, .candidateTags, .customFields, .jobs, .openings, .jobPostings, .candidates, .applications,
        .offers, .interviews, .interviewSchedules,
    ]

    /// The store kind of an entity type's records; nil for `applicationHistory`.
    public static func kind(of type: AshbyEntityType) -> EntityKind? {
        switch type {
        case .jobs: .job
        case .openings: .opening
        case .jobPostings: .jobPosting
        case .candidates: .candidate
        case .applications: .application
        case .applicationHistory: nil
        case .interviews: .interview
        case .interviewSchedules: .interviewSchedule
        case .interviewPlans: .interviewPlan
        case .interviewStages: .interviewStage
        case .archiveReasons: .archiveReason
        case .closeReasons: .closeReason
        case .sources: .source
        case .candidateTags: .candidateTag
        case .customFields: .customField
        case .departments: .department
        case .locations: .location
        case .users: .user
        case .offers: .offer
        }
    }
}
