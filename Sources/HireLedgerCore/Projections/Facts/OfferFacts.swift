/// An offer as the plan views need it: its outcome, start date and what it fills.
public struct OfferFacts: CompactFacts {
    public static let kind = EntityKind.offer
    public static let members: Set<String> = ["acceptanceStatus", "offerStatus", "decidedAt", "latestVersion", "applicationId"]
    /// What the facts read of the latest version, and its `createdAt` (a first sighting's date).
    public static let memberSelections: [String: JSONSelection] = ["latestVersion": .only(["startDate", "openingId", "createdAt"])]

    /// The decided outcome, read as the classifier reads it.
    public enum Outcome: String, Sendable, Hashable {
        case pending, accepted, declined, cancelled
    }

    public var acceptanceStatus: String?
    public var offerStatus: String?
    public var decidedAt: Timestamp?
    /// `latestVersion.startDate`, days since 1970-01-01.
    public var startDay: Int?
    /// `latestVersion.openingId`.
    public var openingId: String?
    public var applicationId: String?

    /// Read as `EventClassifier.offerOutcome` reads it: either of Ashby's two statuses is enough.
    public var outcome: Outcome {
        switch (acceptanceStatus, offerStatus) {
        case ("Accepted", _), (_, "CandidateAccepted"): .accepted
        case ("Declined", _), (_, "CandidateRejected"): .declined
        case ("Cancelled", _), (_, "OfferCancelled"): .cancelled
        default: .pending
        }
    }

    public init(record: JSONValue) {
        acceptanceStatus = record.string("acceptanceStatus")
        offerStatus = record.string("offerStatus")
        decidedAt = record.timestamp("decidedAt")
        applicationId = record.string("applicationId")
        startDay = record["latestVersion"]?.day("startDate")
        openingId = record["latestVersion"]?.string("openingId")
    }

    public mutating func update(member: String, to value: JSONValue?) {
        switch member {
        case "acceptanceStatus": acceptanceStatus = value?.stringValue
        case "offerStatus": offerStatus = value?.stringValue
        case "decidedAt": decidedAt = value?.stringValue.flatMap(Timestamp.init(iso8601:))
        case "applicationId": applicationId = value?.stringValue
        case "latestVersion":
            startDay = value?.day("startDate")
            openingId = value?.string("openingId")
        default: break
        }
    }

    /// A decision is valid from `decidedAt` (as `offer.accepted` is timed).
    public func validFrom(previous: OfferFacts?, eventTime: Timestamp) -> Timestamp {
        if outcome != (previous?.outcome ?? .pending), let decidedAt { return decidedAt }
        return eventTime
    }

    /// Valid from the version's `createdAt`; first seen decided with a `decidedAt`, pending until then.
    public static func firstSighting(_ facts: OfferFacts, record: JSONValue, eventTime: Timestamp) -> [(Timestamp, OfferFacts)] {
        let created = LifecycleTiming.created(record["latestVersion"] ?? .null, eventTime)
        guard facts.outcome != .pending, let decided = facts.decidedAt else { return [(created, facts)] }
        var pending = facts
        pending.acceptanceStatus = "Pending"
        pending.offerStatus = "WaitingOnCandidateResponse"
        if created < decided {
            return [(created, pending), (decided, facts)]
        }
        return [(decided, facts)]
    }

    public var json: JSONValue {
        ["acceptanceStatus": StateCoding.str(acceptanceStatus), "offerStatus": StateCoding.str(offerStatus),
         "decidedAt": StateCoding.ts(decidedAt), "startDay": StateCoding.int(startDay),
         "openingId": StateCoding.str(openingId), "applicationId": StateCoding.str(applicationId)]
    }

    public init(json: JSONValue) throws(ProjectionStateError) {
        acceptanceStatus = try StateCoding.optString(json["acceptanceStatus"], "offer.acceptanceStatus")
        offerStatus = try StateCoding.optString(json["offerStatus"], "offer.offerStatus")
        decidedAt = try StateCoding.optTimestamp(json["decidedAt"], "offer.decidedAt")
        startDay = try StateCoding.optInt(json["startDay"], "offer.startDay")
        openingId = try StateCoding.optString(json["openingId"], "offer.openingId")
        applicationId = try StateCoding.optString(json["applicationId"], "offer.applicationId")
    }
}
