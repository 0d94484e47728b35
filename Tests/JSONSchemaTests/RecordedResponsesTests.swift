import HireLedgerCore
import JSONSchema
import Testing

/// The 32 recorded real Ashby responses (shared/reference/ashby-recorded) against their path's 200
/// success schema in the OpenAPI document. These figures agree with an independent check using
/// Python `jsonschema` 4.26 (Draft 2020-12, refs resolved against the whole document).
struct RecordedResponsesTests {
    static func validate(_ tolerance: NullTolerance) throws -> [String: [ValidationError]] {
        var out: [String: [ValidationError]] = [:]
        for rec in try ReferenceData.recordings() {
            let v = try ReferenceData.openAPI.responseValidator(path: rec.endpoint, options: .init(nullTolerance: tolerance))
            out[rec.name] = v.validate(rec.response)
        }
        return out
    }

    @Test func thirtyTwoCallsAreRecorded() throws {
        #expect(try ReferenceData.recordings().count == 32)
    }

    /// The reference README's "8 of 32 pass": the empty second applications page, createNote, and the
    /// source and user reads.
    @Test func strictlyExactlyTheEightDocumentedRecordingsPass() throws {
        let results = try Self.validate(.none)
        let passing = Set(results.filter { $0.value.isEmpty }.keys)
        #expect(passing == [
            "applications.json#1", "create-note.json", "get-source.json", "get-user.json",
            "list-sources.json", "list-users.json", "sources.json", "users.json",
        ])
    }

    /// Every strict failure is a `null` where the spec has a non-null type, or a missing required
    /// member of the slim write-endpoint shapes and the jobPosting compensation naming.
    @Test func strictFailuresAreNullsOrTheDocumentedShapeDifferences() throws {
        let errors = try Self.validate(.none).values.flatMap { $0 }
        let other = errors.filter { e in
            !(e.keyword == "type" && e.message.hasSuffix("got null")) && e.keyword != "required"
        }
        #expect(other.isEmpty, "\(other)")
        let requiredAt = Set(errors.filter { $0.keyword == "required" }.map { $0.instancePath })
        #expect(requiredAt == ["/results/currentInterviewStage", "/results/source", "/results/compensation"])
    }

    /// With nulls tolerated, all list and info reads pass; what remains is exactly the slim
    /// `currentInterviewStage` of application.create/update/changeSource, the slim `source`
    /// (`{id, title}`, no `isArchived`) of application.changeSource, and jobPosting.info's
    /// `compensation.shouldDisplayCompensation` where the spec requires
    /// `shouldDisplayCompensationOnJobBoard`. (The README names the first and last; the slim
    /// `source` is an additional finding.)
    @Test func nullTolerantOnlyTheSlimWriteShapesAndCompensationNamingFail() throws {
        let results = try Self.validate(.everywhere)
        let failing = results.filter { !$0.value.isEmpty }.mapValues { errors in
            Set(errors.map { "\($0.instancePath) \($0.keyword) \($0.message)" })
        }
        let stage = "/results/currentInterviewStage required missing required property"
        #expect(failing == [
            "change-application-source.json": [
                "\(stage) \"type\"", "\(stage) \"orderInInterviewPlan\"", "\(stage) \"interviewPlanId\"",
                "/results/source required missing required property \"isArchived\"",
            ],
            "create-application.json": [
                "\(stage) \"title\"", "\(stage) \"type\"", "\(stage) \"orderInInterviewPlan\"", "\(stage) \"interviewPlanId\"",
            ],
            "update-application.json": [
                "\(stage) \"type\"", "\(stage) \"orderInInterviewPlan\"", "\(stage) \"interviewPlanId\"",
            ],
            "get-job-posting.json": [
                "/results/compensation required missing required property \"shouldDisplayCompensationOnJobBoard\"",
            ],
        ])
    }

    /// The README's list of nullable fields, completed with the ones the recordings show, is exactly
    /// what `.properties` needs for the reads to pass.
    @Test func theNamedNullableFieldsAreEnoughForEveryRead() throws {
        let nullable: Set<String> = [
            "creditedToUser", "source", "timezone", "archiveReason", "submitterClientIp", "submitterUserAgent",
            "customRequisitionId", "openedAt", "closedAt", "instructionsHtml", "instructionsPlain", "externalName", "parentId",
            "extraData", "applicationDeadline", "descriptionOpening", "descriptionClosing",
            // not in the README's examples, found in the recordings:
            "interviewStageGroupId", "appliedViaJobPostingId", "actorId", "additionalInformation",
            "currencyCode", "title",
        ]
        let tolerant = try Self.validate(.everywhere)
        let named = try Self.validate(.properties(nullable))
        #expect(Set(named.filter { !$0.value.isEmpty }.keys) == Set(tolerant.filter { !$0.value.isEmpty }.keys))
    }

    @Test func theWholeOneOfSchemaReportsTheSuccessBranchErrors() throws {
        let rec = try #require(try ReferenceData.recordings().first { $0.name == "get-job.json" })
        let v = try ReferenceData.openAPI.responseValidator(path: rec.endpoint, branch: .whole)
        let errors = v.validate(rec.response)
        #expect(errors.map(\.keyword) == ["oneOf", "type"])
        #expect(errors[0].message.hasSuffix("from branch 0, the closest"))
        #expect(errors[1].instancePath == "/results/customRequisitionId")
    }

    /// A 100-record page (list-applications' 20 results five times) validates against a validator that
    /// compiled each schema once. Prints the time taken; timing is not asserted here.
    @Test func aHundredRecordPageReusesTheCompiledSchemas() throws {
        let rec = try #require(try ReferenceData.recordings().first { $0.name == "list-applications.json" })
        let twenty = try #require(rec.response["results"]?.arrayValue)
        var page = rec.response
        page["results"] = .array(Array(repeating: twenty, count: 5).flatMap { $0 })
        let v = try ReferenceData.openAPI.responseValidator(path: "/application.list", options: .init(nullTolerance: .everywhere))
        let compiled = v.compiledSchemaCount
        let clock = ContinuousClock()
        var errors: [ValidationError] = []
        let elapsed = clock.measure { errors = v.validate(page) }
        #expect(errors.isEmpty)
        #expect(v.compiledSchemaCount == compiled)
        #expect(try ReferenceData.openAPI.responseValidator(path: "/application.list").validate(page).count
            == 5 * (try ReferenceData.openAPI.responseValidator(path: "/application.list").validate(rec.response).count))
        print("validated a 100-record application.list page in \(elapsed) (\(compiled) compiled schema nodes)")
    }
}
