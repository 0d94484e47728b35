import AshbySimulator
import Foundation
import HireLedgerCore
import JSONSchema
import Testing

/// Every endpoint's success reply validates against the 200 response schema of its path in the Ashby
/// OpenAPI document (shared/reference/ashby-openapi.json), with `null` tolerated for the members the
/// reference README lists as null in real responses.
struct OpenAPISchemaTests {
    static let document: OpenAPIDocument? = {
        let url = RecordedShapeTests.referenceDir.deletingLastPathComponent().appendingPathComponent("ashby-openapi.json")
        guard let data = try? Data(contentsOf: url), let json = try? JSONValue.parse([UInt8](data)) else { return nil }
        return try? OpenAPIDocument(json: json)
    }()

    /// The README's list plus members our world leaves null where Ashby's recordings show the same pattern.
    static let nullable: Set<String> = Shape.nullableInRealAPI.union([
        "decidedAt", "openingId", "approvalStatus", "closeReasonId", "targetHireDate", "targetStartDate",
        "workplaceType", "parentLocationId", "actorId", "meetingLink", "location", "trainingRole", "compensationTierSummary",
        "title", "additionalInformation", "interviewerPool",
    ])

    static func requests(_ c: Caller) throws -> [(String, JSONValue)] {
        func first(_ list: String, _ params: JSONValue = [:]) throws -> String {
            try #require(try c.call(list, params)["results"]?[0]?.string("id"), "\(list) is empty")
        }
        let plan = try first("interviewPlan.list")
        return [
            ("application.list", ["expand": ["openings"]]), ("candidate.list", [:]),
            ("job.list", ["status": ["Open", "Closed", "Archived", "Draft"]]), ("opening.list", [:]), ("offer.list", [:]),
            ("interviewSchedule.list", [:]), ("interviewPlan.list", [:]), ("interview.list", [:]), ("department.list", [:]),
            ("location.list", [:]), ("user.list", [:]), ("candidateTag.list", [:]), ("customField.list", [:]),
            ("archiveReason.list", [:]), ("closeReason.list", [:]), ("source.list", [:]), ("jobPosting.list", [:]),
            ("interviewStage.list", ["interviewPlanId": .string(plan)]),
            ("application.info", ["applicationId": .string(try first("application.list"))]),
            ("application.listHistory", ["applicationId": .string(try first("application.list"))]),
            ("candidate.info", ["id": .string(try first("candidate.list"))]),
            ("job.info", ["id": .string(try first("job.list"))]),
            ("jobPosting.info", ["jobPostingId": .string(try first("jobPosting.list"))]),
            ("opening.info", ["openingId": .string(try first("opening.list"))]),
            ("offer.info", ["offerId": .string(try first("offer.list"))]),
            ("interview.info", ["id": .string(try first("interview.list"))]),
            ("interviewStage.info", ["interviewStageId": .string(try first("interviewStage.list", ["interviewPlanId": .string(plan)]))]),
            ("department.info", ["departmentId": .string(try first("department.list"))]),
            ("location.info", ["locationId": .string(try first("location.list"))]),
            ("user.info", ["userId": .string(try first("user.list"))]),
        ]
    }

    /// Also with every real-account behaviour on (custom field values, offers waiting on approval, ...).
    @Test(arguments: [false, true]) func responsesMatchOpenAPISchemas(everyBehaviour: Bool) throws {
        let doc = try #require(Self.document, "shared/reference/ashby-openapi.json not found or not loadable")
        var configuration = SimulatorConfiguration(seed: 51, size: .small)
        if everyBehaviour { configuration.behaviours = .all }
        let sim = SimulatedAshby(configuration: configuration)
        sim.advance(days: 3)
        let c = Caller(sim)
        for (endpoint, params) in try Self.requests(c) {
            let reply = try c.call(endpoint, params)
            #expect(reply["success"]?.boolValue == true, "\(endpoint): \(reply)")
            let validator = try doc.responseValidator(path: "/" + endpoint, options: .init(nullTolerance: .properties(Self.nullable)))
            // The spec's custom field `value` is a oneOf of four string types (String, LongText, ValueSelect,
            // and Date with a format), so no string value can match exactly one: read that oneOf as anyOf.
            let errors = validator.validate(reply).filter {
                !($0.description.contains("/customFields/") && $0.description.contains("oneOf branches (3, 4, 9)"))
            }
            #expect(errors.isEmpty, "\(endpoint): \(errors.prefix(8).map(\.description).joined(separator: "\n"))")
        }
        // Error envelopes match the error branch.
        let notFound = try c.call("application.info", ["applicationId": "00000000-0000-4000-8000-000000000000"])
        let errorValidator = try doc.responseValidator(path: "/application.info", branch: .error)
        #expect(errorValidator.validate(notFound).isEmpty)
    }
}
