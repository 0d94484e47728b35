import Foundation
import HireLedgerCore
import JSONSchema
import Testing

/// The Swift payload types and the JSON Schemas in `schemas/events/data/` cannot drift: every payload
/// type, with every member set and with every nullable member null, encodes to data its schema
/// accepts (the schemas require every member and forbid others), and every example in a domain
/// schema decodes into the payload type and encodes back unchanged.
struct DomainEventPayloadSchemaTests {
    static let registry = Result { try EventSchemaTests.loadSchemas() }

    static func validator(_ type: DomainEventType) throws -> JSONSchemaValidator {
        try JSONSchemaValidator(schema: .object(["$ref": .string(EventType.domain(type).dataSchemaURI)]), registry: registry.get())
    }

    @Test(arguments: DomainEventType.allCases)
    func everyPayloadTypeEncodesToDataItsSchemaAccepts(_ type: DomainEventType) throws {
        let validator = try Self.validator(type)
        let samples = Self.samples(type)
        #expect(samples.count == 2)
        for sample in samples {
            #expect(Swift.type(of: sample).eventType == type)
            let errors = validator.validate(sample.data)
            #expect(errors.isEmpty, "\(type.rawValue): \(errors.prefix(3)) in \(sample.data.canonicalString)")
            let decoded = try type.payloadType.init(data: sample.data)
            #expect(decoded.data == sample.data)
        }
        // The validator is not a pass-through: an extra member or a missing one is refused.
        guard case .object(var data) = samples[0].data, let first = data.keys.first else { return }
        data["notInTheSchema"] = true
        #expect(!validator.validate(.object(data)).isEmpty)
        data["notInTheSchema"] = nil
        data[first] = nil
        #expect(!validator.validate(.object(data)).isEmpty)
    }

    @Test(arguments: DomainEventType.allCases)
    func everySchemaExampleDecodesIntoThePayloadTypeAndBack(_ type: DomainEventType) throws {
        let schema = try EventSchemaFileLoader.dataSchema(type)
        let examples = try #require(schema["examples"]?.arrayValue, "\(type.rawValue) has no examples")
        #expect(!examples.isEmpty)
        let validator = try Self.validator(type)
        for example in examples {
            #expect(validator.validate(example).isEmpty, "\(type.rawValue) example does not match its own schema")
            let payload = try type.payloadType.init(data: example)
            #expect(payload.data.canonicalBytes() == example.canonicalBytes(), "\(type.rawValue): \(payload.data.canonicalString)")
        }
    }

    // MARK: - Samples

    static let job = JobSummary(id: "job-1", title: "Backend Engineer", departmentId: "dep-1", locationId: "loc-1")
    static let stage = StageSummary(id: "st-2", title: "Onsite", type: "Active", orderInInterviewPlan: 2)
    static let application = ApplicationEvent.Application(applicationId: "app-1", candidateId: "cand-1", status: "Active", job: job)
    static let bareApplication = ApplicationEvent.Application(applicationId: "app-1", candidateId: nil, status: nil, job: nil)
    static let offer = OfferEvent.Offer(offerId: "off-1", applicationId: "app-1", candidateId: "cand-1", job: job,
                                        acceptanceStatus: "Accepted", offerStatus: "CandidateAccepted", versionId: "v1",
                                        openingId: "op-1", startDate: "2026-09-01",
                                        salary: OfferEvent.Salary(currencyCode: "EUR", value: JSONNumber(98_000)))
    static let bareOffer = OfferEvent.Offer(offerId: "off-1", applicationId: nil, candidateId: nil, job: nil, acceptanceStatus: nil,
                                            offerStatus: nil, versionId: nil, openingId: nil, startDate: nil, salary: nil)
    static let opening = OpeningEvent.Opening(openingId: "op-1", identifier: "ENG-1", state: "Open", previousState: "Approved",
                                              openedAt: "2026-05-04T09:30:00.000Z", closedAt: "2026-06-04T09:30:00.000Z",
                                              closeReasonId: "cr-1", departmentId: "dep-1", locationIds: ["loc-1", "loc-2"],
                                              jobs: [job], employmentType: "FullTime", isBackfill: true,
                                              targetHireDate: "2026-08-01", targetStartDate: "2026-09-01")
    static let bareOpening = OpeningEvent.Opening(openingId: "op-1", identifier: nil, state: nil, previousState: nil, openedAt: nil,
                                                  closedAt: nil, closeReasonId: nil, departmentId: nil, locationIds: [], jobs: [],
                                                  employmentType: nil, isBackfill: nil, targetHireDate: nil, targetStartDate: nil)
    static let jobData = JobEvent.Job(jobId: "job-1", title: "Backend Engineer", status: "Open", previousStatus: "Draft",
                                      departmentId: "dep-1", locationId: "loc-1", employmentType: "FullTime", confidential: false,
                                      requisitionId: "REQ-1", openedAt: "2026-04-20T08:00:00.000Z", closedAt: nil)
    static let bareJob = JobEvent.Job(jobId: "job-1", title: nil, status: nil, previousStatus: nil, departmentId: nil, locationId: nil,
                                      employmentType: nil, confidential: nil, requisitionId: nil, openedAt: nil, closedAt: nil)

    /// Two instances of `type`'s payload: every member set, and every nullable member nil. The switch
    /// is exhaustive, so a new domain event type needs its samples here.
    static func samples(_ type: DomainEventType) -> [any DomainEventPayload] {
        let at = Timestamp(iso8601: "2026-05-30T16:00:01.000Z")
        switch type {
        case .applicationStageChanged:
            return [ApplicationEvent.StageChanged(application: application, fromStage: stage, toStage: stage, enteredStageAt: at,
                                                  historyEntryId: "h-1"),
                    ApplicationEvent.StageChanged(application: bareApplication, fromStage: nil,
                                                  toStage: StageSummary(id: "st-1", title: nil, type: nil, orderInInterviewPlan: nil),
                                                  enteredStageAt: nil, historyEntryId: nil)]
        case .applicationHired:
            return [ApplicationEvent.Hired(application: application, stage: stage), ApplicationEvent.Hired(application: bareApplication, stage: nil)]
        case .applicationArchived:
            return [ApplicationEvent.Archived(application: application, stage: stage, archivedAt: "2026-06-01T10:00:00.000Z",
                                              archiveReason: ApplicationEvent.ArchiveReason(id: "r-1", text: "Filled", reasonType: "RejectedByOrg")),
                    ApplicationEvent.Archived(application: bareApplication, stage: nil, archivedAt: nil,
                                              archiveReason: ApplicationEvent.ArchiveReason(id: nil, text: nil, reasonType: nil))]
        case .applicationUnarchived:
            return [ApplicationEvent.Unarchived(application: application, stage: stage),
                    ApplicationEvent.Unarchived(application: bareApplication, stage: nil)]
        case .offerCreated:
            return [OfferEvent.Created(offer: offer), OfferEvent.Created(offer: bareOffer)]
        case .offerAccepted:
            return [OfferEvent.Accepted(offer: offer, decidedAt: "2026-06-10T12:00:00.000Z"), OfferEvent.Accepted(offer: bareOffer, decidedAt: nil)]
        case .offerDeclined:
            return [OfferEvent.Declined(offer: offer, decidedAt: "2026-06-10T12:00:00.000Z"), OfferEvent.Declined(offer: bareOffer, decidedAt: nil)]
        case .offerCancelled:
            return [OfferEvent.Cancelled(offer: offer, decidedAt: "2026-06-10T12:00:00.000Z"), OfferEvent.Cancelled(offer: bareOffer, decidedAt: nil)]
        case .offerStartDateChanged:
            return [OfferEvent.StartDateChanged(offer: offer, previousStartDate: "2026-08-01"),
                    OfferEvent.StartDateChanged(offer: bareOffer, previousStartDate: nil)]
        case .openingOpened:
            return [OpeningEvent.Opened(opening: opening), OpeningEvent.Opened(opening: bareOpening)]
        case .openingFilled:
            return [OpeningEvent.Filled(opening: opening), OpeningEvent.Filled(opening: bareOpening)]
        case .openingClosed:
            return [OpeningEvent.Closed(opening: opening), OpeningEvent.Closed(opening: bareOpening)]
        case .openingTargetStartDateChanged:
            return [OpeningEvent.TargetStartDateChanged(opening: opening, previousTargetStartDate: "2026-08-01",
                                                              collapsedFields: ["latestVersion.targetStartDate"]),
                    OpeningEvent.TargetStartDateChanged(opening: bareOpening, previousTargetStartDate: nil)]
        case .jobOpened:
            return [JobEvent.Opened(job: jobData), JobEvent.Opened(job: bareJob)]
        case .jobClosed:
            return [JobEvent.Closed(job: jobData), JobEvent.Closed(job: bareJob)]
        case .candidateMerged:
            return [CandidateEvent.Merged(candidate: .init(candidateId: "cand-1", applicationIds: ["app-1"]), mergedIntoCandidateId: "cand-2"),
                    CandidateEvent.Merged(candidate: .init(candidateId: "cand-1", applicationIds: nil), mergedIntoCandidateId: nil)]
        case .candidateDeleted:
            return [CandidateEvent.Deleted(candidate: .init(candidateId: "cand-1", applicationIds: ["app-1"]), reason: .deletedInSource),
                    CandidateEvent.Deleted(candidate: .init(candidateId: "cand-1", applicationIds: nil), reason: .absentFromFullSync)]
        case .candidateErased:
            return [CandidateEvent.Erased(candidateId: "cand-1", fields: ["name", "emailAddresses"], eventsRewritten: 4, rowsRewritten: 1,
                                          reason: "request 17"),
                    CandidateEvent.Erased(candidateId: "cand-1", fields: [], eventsRewritten: 0, rowsRewritten: 0, reason: nil)]
        }
    }
}

/// The schema files, found relative to this file.
enum EventSchemaFileLoader {
    static func dataSchema(_ type: DomainEventType) throws -> JSONValue {
        let path = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        let text = try String(contentsOfFile: "/" + path + "/schemas/events/data/\(type.rawValue).schema.json", encoding: .utf8)
        return try JSONValue.parse(text)
    }
}
