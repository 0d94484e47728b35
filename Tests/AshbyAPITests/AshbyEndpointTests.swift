import AshbyAPI
import HireLedgerCore
import Testing

struct AshbyEndpointTests {
    @Test(arguments: AshbyEntityType.allCases)
    func everyEntityTypeHasAListEndpointNeedingARequiredPermission(_ type: AshbyEntityType) {
        let endpoint = type.listEndpoint
        #expect(endpoint.method.hasSuffix(".list") || endpoint.method.hasSuffix(".listHistory"))
        #expect(endpoint.permission.isRequired)
        #expect(AshbyEndpoint.named(endpoint.method) == endpoint)
        if let info = type.infoEndpoint {
            #expect(info.requiredParameter != nil)
            #expect(info.permission == endpoint.permission)
        }
        if endpoint.supportsSyncToken { #expect(endpoint.pagination == .cursor) }
        if let parent = type.parent { #expect(endpoint.requiredParameter != nil && parent.listEndpoint.requiredParameter == nil) }
    }

    @Test func listParametersAskForTheCompletePicture() {
        #expect(AshbyEndpoint.jobList.defaultParameters["status"] == ["Draft", "Open", "Closed", "Archived"])
        #expect(AshbyEndpoint.applicationList.defaultParameters["expand"] == ["openings"])
        #expect(AshbyEndpoint.userList.defaultParameters["includeDeactivated"] == true)
        #expect(AshbyEndpoint.locationList.defaultParameters["includeLocationHierarchy"] == true)
        #expect(AshbyEndpoint.interviewList.defaultParameters["includeNonSharedInterviews"] == true)
        for endpoint in [AshbyEndpoint.departmentList, .locationList, .interviewList, .interviewPlanList, .archiveReasonList,
                         .closeReasonList, .sourceList, .candidateTagList] {
            #expect(endpoint.defaultParameters["includeArchived"] == true, "\(endpoint)")
        }
    }

    @Test func paginationAndSyncTokenSupportFollowTheSpec() {
        let incremental: Set<String> = ["job.list", "opening.list", "candidate.list", "application.list", "interview.list",
                                        "interviewSchedule.list", "interviewPlan.list", "candidateTag.list",
                                        "customField.list", "department.list", "location.list", "user.list", "offer.list"]
        for type in AshbyEntityType.allCases {
            #expect(type.listEndpoint.supportsSyncToken == incremental.contains(type.listEndpoint.method), "\(type)")
        }
        #expect(AshbyEndpoint.applicationListHistory.pagination == .cursor)
        #expect(AshbyEndpoint.jobPostingList.pagination == .none)
        #expect(AshbyEndpoint.interviewStageList.requiredParameter == "interviewPlanId")
    }

    /// The bodies the catalogue sends are exactly the ones the recorded real calls used, so the
    /// recordings answer them.
    @Test func defaultBodiesMatchTheRecordedRealRequests() async throws {
        let transport = RecordedAshbyTransport()
        for name in ["departments.json", "users.json", "interviews.json", "sources.json"] {
            try transport.load(recordingAt: Reference.recording(name))
        }
        let client = makeClient(transport)
        let departments = try await client.listAll(.departmentList)
        #expect(departments.records.count == 1 && departments.syncToken == "99vGA7xrP")
        let users = try await client.listAll(.userList)
        #expect(users.records.count == 20 && users.syncToken == "6WpGx7L3L")
        let interviews = try await client.listAll(.interviewList)
        #expect(interviews.records.count == 56 && interviews.syncToken == "qQW6pmNv7")
        let sources = try await client.listAll(.sourceList)
        #expect(sources.records.count == 18 && sources.syncToken == nil && sources.pages == 1)
        #expect(transport.requests(to: "/source.list").map(\.body) == [["includeArchived": true]])
    }

    @Test func permissionsHaveScopeAndAdminScreenNames() {
        #expect(AshbyPermission.offersRead.adminName == "Offers: Read")
        #expect(AshbyPermission.hiringProcessMetadataRead.adminName == "Hiring Process Metadata: Read")
        #expect(AshbyPermission.apiKeysWrite.adminName == "API Keys: Write")
        #expect(AshbyPermission.jobsRead.scope == "jobs:read")
        #expect(AshbyPermission.hiringProcessMetadataRead.scope == "hiringProcessMetadata:read")
        #expect(AshbyPermission(name: "jobs:read") == .jobsRead)
        #expect(AshbyPermission(name: "jobsRead") == .jobsRead)
        #expect(AshbyPermission(name: "candidates:write") == .candidatesWrite)
        #expect(AshbyPermission(name: "candidateWrite") == .candidatesWrite)
        #expect(AshbyPermission(name: "teleport:read") == nil)
        #expect(AshbyPermission.required.map(\.adminName) == [
            "Jobs: Read", "Candidates: Read", "Interviews: Read", "Hiring Process Metadata: Read", "Organization: Read", "Offers: Read",
        ])
        #expect(AshbyPermission.offersRead.grantInstruction
            == "Grant 'Offers: Read' to this API key in Ashby: Admin → Integrations → API Keys")
        #expect(AshbyPermission.offersRead.consequenceIfMissing.contains("start dates"))
    }
}
