/// The payloads of the offer domain events (`offer.*`). Every one carries the `Offer` members; none
/// carries candidate personal data.
public enum OfferEvent {
    /// `{currencyCode, value}` of the latest version's salary.
    public struct Salary: Sendable, Hashable, EventDataPart {
        public var currencyCode: String?
        /// The amount as Ashby wrote it (kept as its JSON number text, so it re-encodes unchanged).
        public var value: JSONNumber?

        public init(currencyCode: String?, value: JSONNumber?) {
            self.currencyCode = currencyCode
            self.value = value
        }

        func write(to w: inout EventDataWriter) {
            w.set("currencyCode", currencyCode)
            w.set("value", value)
        }

        init(reading r: EventDataReader) throws(EventDataError) {
            currencyCode = r.string("currencyCode")
            value = r.number("value")
        }
    }

    /// Ids, statuses, the latest version's terms (start date, salary, opening) and the job, read
    /// through the offer's application: the members every offer event carries.
    public struct Offer: Sendable, Hashable, EventDataPart {
        public var offerId: String
        public var applicationId: String?
        public var candidateId: String?
        public var job: JobSummary?
        public var acceptanceStatus: String?
        public var offerStatus: String?
        /// `latestVersion.id`.
        public var versionId: String?
        /// `latestVersion.openingId`.
        public var openingId: String?
        /// `latestVersion.startDate` as Ashby sent it (a date, sometimes a date-time).
        public var startDate: String?
        public var salary: Salary?

        public init(offerId: String, applicationId: String?, candidateId: String?, job: JobSummary?, acceptanceStatus: String?,
                    offerStatus: String?, versionId: String?, openingId: String?, startDate: String?, salary: Salary?) {
            self.offerId = offerId
            self.applicationId = applicationId
            self.candidateId = candidateId
            self.job = job
            self.acceptanceStatus = acceptanceStatus
            self.offerStatus = offerStatus
            self.versionId = versionId
            self.openingId = openingId
            self.startDate = startDate
            self.salary = salary
        }

        func write(to w: inout EventDataWriter) {
            w.set("offerId", offerId)
            w.set("applicationId", applicationId)
            w.set("candidateId", candidateId)
            w.set("job", job)
            w.set("acceptanceStatus", acceptanceStatus)
            w.set("offerStatus", offerStatus)
            w.set("versionId", versionId)
            w.set("openingId", openingId)
            w.set("startDate", startDate)
            w.set("salary", salary)
        }

        init(reading r: EventDataReader) throws(EventDataError) {
            offerId = try r.requiredString("offerId")
            applicationId = r.string("applicationId")
            candidateId = r.string("candidateId")
            job = r.object("job", JobSummary.init(reading:))
            acceptanceStatus = r.string("acceptanceStatus")
            offerStatus = r.string("offerStatus")
            versionId = r.string("versionId")
            openingId = r.string("openingId")
            startDate = r.string("startDate")
            salary = r.object("salary", Salary.init(reading:))
        }
    }

    /// `offer.created`: an offer was first seen.
    public struct Created: DomainEventPayload, Hashable {
        public static let eventType = DomainEventType.offerCreated
        public var offer: Offer

        public init(offer: Offer) { self.offer = offer }

        public var data: JSONValue { offer.json }

        public init(data: JSONValue) throws(EventDataError) {
            offer = try Offer(reading: EventDataReader(data, as: Self.eventType))
        }
    }

    /// An offer's decided outcome, one shape for three event types: `Accepted`, `Declined` and
    /// `Cancelled`.
    public struct Decision<Tag: DomainEventTag>: DomainEventPayload, Hashable {
        public static var eventType: DomainEventType { Tag.eventType }
        public var offer: Offer
        /// `decidedAt` as Ashby sent it.
        public var decidedAt: String?

        public init(offer: Offer, decidedAt: String?) {
            self.offer = offer
            self.decidedAt = decidedAt
        }

        public var data: JSONValue {
            EventDataWriter.object { w in
                offer.write(to: &w)
                w.set("decidedAt", decidedAt)
            }
        }

        public init(data: JSONValue) throws(EventDataError) {
            let r = try EventDataReader(data, as: Self.eventType)
            offer = try Offer(reading: r)
            decidedAt = r.string("decidedAt")
        }
    }

    /// `offer.accepted`: `acceptanceStatus` became `Accepted` or `offerStatus` `CandidateAccepted`.
    public typealias Accepted = Decision<AcceptedTag>
    public enum AcceptedTag: DomainEventTag { public static var eventType: DomainEventType { .offerAccepted } }

    /// `offer.declined`: `acceptanceStatus` became `Declined` or `offerStatus` `CandidateRejected`.
    public typealias Declined = Decision<DeclinedTag>
    public enum DeclinedTag: DomainEventTag { public static var eventType: DomainEventType { .offerDeclined } }

    /// `offer.cancelled`: `acceptanceStatus` became `Cancelled` or `offerStatus` `OfferCancelled`.
    public typealias Cancelled = Decision<CancelledTag>
    public enum CancelledTag: DomainEventTag { public static var eventType: DomainEventType { .offerCancelled } }

    /// `offer.start_date_changed`: the latest version's `startDate` changed.
    public struct StartDateChanged: DomainEventPayload, Hashable {
        public static let eventType = DomainEventType.offerStartDateChanged
        public var offer: Offer
        /// The previous version's `startDate` as Ashby sent it.
        public var previousStartDate: String?

        public init(offer: Offer, previousStartDate: String?) {
            self.offer = offer
            self.previousStartDate = previousStartDate
        }

        public var data: JSONValue {
            EventDataWriter.object { w in
                offer.write(to: &w)
                w.set("previousStartDate", previousStartDate)
            }
        }

        public init(data: JSONValue) throws(EventDataError) {
            let r = try EventDataReader(data, as: Self.eventType)
            offer = try Offer(reading: r)
            previousStartDate = r.string("previousStartDate")
        }
    }
}
