import HireLedgerCore

/// One Ashby RPC operation HireLedger calls (`POST /<method>`), with what the client must know to call
/// it completely: the permission it needs, whether it paginates and takes a `syncToken`, and the
/// parameters that make a list return every record rather than Ashby's filtered default.
///
/// Facts come from the request schemas in Ashby's OpenAPI document (ASHBY_API.md §3.3, §4).
public struct AshbyEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// How a list endpoint delivers its records.
    public enum Pagination: Sendable, Hashable {
        /// `cursor`/`limit` pages; only `moreDataAvailable == false` ends the walk.
        case cursor
        /// Everything in one response.
        case none
    }

    /// The RPC name, e.g. `application.list`.
    public let method: String
    public let permission: AshbyPermission
    public let pagination: Pagination
    /// True when the request schema has `syncToken` (incremental sync).
    public let supportsSyncToken: Bool
    /// Parameters sent on every call for a complete picture (e.g. `includeArchived: true`).
    public let defaultParameters: JSONObject
    /// A parameter the caller must add (e.g. `applicationId` for `application.listHistory`, `id` for
    /// `job.info`), or nil.
    public let requiredParameter: String?

    public init(method: String, permission: AshbyPermission, pagination: Pagination = .none,
                supportsSyncToken: Bool = false, defaultParameters: JSONObject = [:], requiredParameter: String? = nil) {
        self.method = method
        self.permission = permission
        self.pagination = pagination
        self.supportsSyncToken = supportsSyncToken
        self.defaultParameters = defaultParameters
        self.requiredParameter = requiredParameter
    }

    /// The URL path: `/application.list`.
    public var path: String { "/" + method }
    public var description: String { method }

    /// Ashby's documented maximum (and default) page size.
    public static let maximumPageSize = 100
}

// MARK: - Catalogue

extension AshbyEndpoint {
    private static let all: JSONValue = true

    // Jobs: Read
    /// `status` lists every state: without `Draft` Ashby omits draft jobs.
    public static let jobList = AshbyEndpoint(
        method: "job.list", permission: .jobsRead, pagination: .cursor, supportsSyncToken: true,
        defaultParameters: ["status": ["Draft", "Open", "Closed", "Archived"]])
    public static let jobInfo = AshbyEndpoint(method: "job.info", permission: .jobsRead, requiredParameter: "id")
    public static let openingList = AshbyEndpoint(
        method: "opening.list", permission: .jobsRead, pagination: .cursor, supportsSyncToken: true)
    public static let openingInfo = AshbyEndpoint(method: "opening.info", permission: .jobsRead, requiredParameter: "openingId")
    /// Not paginated, no `syncToken`; returns the published postings of the primary external board
    /// (listed and unlisted: `listedOnly` defaults to false).
    public static let jobPostingList = AshbyEndpoint(method: "jobPosting.list", permission: .jobsRead)
    public static let jobPostingInfo = AshbyEndpoint(
        method: "jobPosting.info", permission: .jobsRead, requiredParameter: "jobPostingId")

    // Candidates: Read
    public static let candidateList = AshbyEndpoint(
        method: "candidate.list", permission: .candidatesRead, pagination: .cursor, supportsSyncToken: true)
    public static let candidateInfo = AshbyEndpoint(method: "candidate.info", permission: .candidatesRead, requiredParameter: "id")
    /// `expand: ["openings"]` attaches the openings an application is tied to.
    public static let applicationList = AshbyEndpoint(
        method: "application.list", permission: .candidatesRead, pagination: .cursor, supportsSyncToken: true,
        defaultParameters: ["expand": ["openings"]])
    public static let applicationInfo = AshbyEndpoint(
        method: "application.info", permission: .candidatesRead, defaultParameters: ["expand": ["openings"]],
        requiredParameter: "applicationId")
    /// Paginated per application, no `syncToken`.
    public static let applicationListHistory = AshbyEndpoint(
        method: "application.listHistory", permission: .candidatesRead, pagination: .cursor,
        requiredParameter: "applicationId")

    // Interviews: Read
    /// Non-shared (job-specific) interviews are hidden unless asked for.
    public static let interviewList = AshbyEndpoint(
        method: "interview.list", permission: .interviewsRead, pagination: .cursor, supportsSyncToken: true,
        defaultParameters: ["includeArchived": all, "includeNonSharedInterviews": all])
    public static let interviewInfo = AshbyEndpoint(method: "interview.info", permission: .interviewsRead, requiredParameter: "id")
    public static let interviewScheduleList = AshbyEndpoint(
        method: "interviewSchedule.list", permission: .interviewsRead, pagination: .cursor, supportsSyncToken: true)
    public static let interviewPlanList = AshbyEndpoint(
        method: "interviewPlan.list", permission: .interviewsRead, pagination: .cursor, supportsSyncToken: true,
        defaultParameters: ["includeArchived": all])
    /// Per plan, not paginated: all stages of `interviewPlanId` in order.
    public static let interviewStageList = AshbyEndpoint(
        method: "interviewStage.list", permission: .interviewsRead, requiredParameter: "interviewPlanId")
    public static let interviewStageInfo = AshbyEndpoint(
        method: "interviewStage.info", permission: .interviewsRead, requiredParameter: "interviewStageId")

    // Hiring Process Metadata: Read
    public static let archiveReasonList = AshbyEndpoint(
        method: "archiveReason.list", permission: .hiringProcessMetadataRead, defaultParameters: ["includeArchived": all])
    public static let closeReasonList = AshbyEndpoint(
        method: "closeReason.list", permission: .hiringProcessMetadataRead, defaultParameters: ["includeArchived": all])
    public static let sourceList = AshbyEndpoint(
        method: "source.list", permission: .hiringProcessMetadataRead, defaultParameters: ["includeArchived": all])
    public static let candidateTagList = AshbyEndpoint(
        method: "candidateTag.list", permission: .hiringProcessMetadataRead, pagination: .cursor,
        supportsSyncToken: true, defaultParameters: ["includeArchived": all])
    /// `includeArchived` sits in the spec's request schema beside the `$ref` to the shared list schema.
    public static let customFieldList = AshbyEndpoint(
        method: "customField.list", permission: .hiringProcessMetadataRead, pagination: .cursor, supportsSyncToken: true,
        defaultParameters: ["includeArchived": all])
    public static let customFieldInfo = AshbyEndpoint(
        method: "customField.info", permission: .hiringProcessMetadataRead, requiredParameter: "customFieldId")

    // Organization: Read
    public static let departmentList = AshbyEndpoint(
        method: "department.list", permission: .organizationRead, pagination: .cursor, supportsSyncToken: true,
        defaultParameters: ["includeArchived": all])
    public static let departmentInfo = AshbyEndpoint(
        method: "department.info", permission: .organizationRead, requiredParameter: "departmentId")
    /// Location hierarchies (regions) are hidden unless asked for.
    public static let locationList = AshbyEndpoint(
        method: "location.list", permission: .organizationRead, pagination: .cursor, supportsSyncToken: true,
        defaultParameters: ["includeArchived": all, "includeLocationHierarchy": all])
    public static let locationInfo = AshbyEndpoint(
        method: "location.info", permission: .organizationRead, requiredParameter: "locationId")
    public static let userList = AshbyEndpoint(
        method: "user.list", permission: .organizationRead, pagination: .cursor, supportsSyncToken: true,
        defaultParameters: ["includeDeactivated": all])
    public static let userInfo = AshbyEndpoint(method: "user.info", permission: .organizationRead, requiredParameter: "userId")

    // Offers: Read
    public static let offerList = AshbyEndpoint(
        method: "offer.list", permission: .offersRead, pagination: .cursor, supportsSyncToken: true)
    public static let offerInfo = AshbyEndpoint(method: "offer.info", permission: .offersRead, requiredParameter: "offerId")

    // Only to learn which Ashby organization a key reads (`AshbyOrganization`): each feedback form
    // carries its `organizationId`; brands name the organization's job boards.
    public static let feedbackFormDefinitionList = AshbyEndpoint(
        method: "feedbackFormDefinition.list", permission: .hiringProcessMetadataRead, pagination: .cursor)
    public static let brandList = AshbyEndpoint(method: "brand.list", permission: .organizationRead, pagination: .cursor)

    // API Keys: Read (optional for HireLedger)
    public static let apiKeyInfo = AshbyEndpoint(method: "apiKey.info", permission: .apiKeysRead)

    /// Every endpoint above.
    public static let catalogue: [AshbyEndpoint] = [
        jobList, jobInfo, openingList, openingInfo, jobPostingList, jobPostingInfo,
        candidateList, candidateInfo, applicationList, applicationInfo, applicationListHistory,
        interviewList, interviewInfo, interviewScheduleList, interviewPlanList, interviewStageList, interviewStageInfo,
        archiveReasonList, closeReasonList, sourceList, candidateTagList, customFieldList, customFieldInfo,
        departmentList, departmentInfo, locationList, locationInfo, userList, userInfo,
        offerList, offerInfo, feedbackFormDefinitionList, brandList, apiKeyInfo,
    ]

    /// The catalogue entry for an RPC name, if HireLedger knows it.
    public static func named(_ method: String) -> AshbyEndpoint? {
        catalogue.first { $0.method == method }
    }
}
