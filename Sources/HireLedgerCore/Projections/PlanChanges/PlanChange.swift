/// One change to the plan, from a domain event: ids, dimensions and dates only (no candidate data).
public struct PlanChange: Sendable, Equatable {
    /// What changed. Wire names are spelled out and never change.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case openingOpened = "opening_opened"
        case openingClosed = "opening_closed"
        case openingFilled = "opening_filled"
        case targetStartDateChanged = "target_start_date_changed"
        case offerAccepted = "offer_accepted"
        case offerDeclined = "offer_declined"
        case startDateChanged = "start_date_changed"
        case hireLanded = "hire_landed"

        /// The domain event each kind is read from.
        public init?(_ type: DomainEventType) {
            switch type {
            case .openingOpened: self = .openingOpened
            case .openingClosed: self = .openingClosed
            case .openingFilled: self = .openingFilled
            case .openingTargetStartDateChanged: self = .targetStartDateChanged
            case .offerAccepted: self = .offerAccepted
            case .offerDeclined: self = .offerDeclined
            case .offerStartDateChanged: self = .startDateChanged
            case .applicationHired: self = .hireLanded
            default: return nil
            }
        }
    }

    public var kind: Kind
    public var seq: LogPosition
    public var occurredAt: Timestamp
    public var observedAt: Timestamp
    public var backfilled: Bool
    public var openingId: String?
    /// The opening's human requisition id, e.g. `ENG-1`.
    public var identifier: String?
    public var offerId: String?
    public var applicationId: String?
    public var jobId: String?
    public var departmentId: String?
    public var locationId: String?
    public var employmentType: String?
    public var isBackfill: Bool?
    /// The (target) start date before a change, as days since 1970-01-01.
    public var previousDay: Int?
    /// The (target) start date after the change, or the one the opening or offer carries.
    public var day: Int?

    /// Days the start date moved (positive: later); nil unless both dates are known.
    public var deltaDays: Int? {
        guard kind == .targetStartDateChanged || kind == .startDateChanged, let previousDay, let day else { return nil }
        return day - previousDay
    }

    /// A start date moved later.
    public var slipped: Bool { (deltaDays ?? 0) > 0 }

    var json: JSONValue {
        func date(_ d: Int?) -> JSONValue { d.map { .string(CivilDate(daysSinceEpoch: $0).iso8601) } ?? .null }
        return [
            "kind": .string(kind.rawValue), "seq": JSONValue(seq.value),
            "occurredAt": .string(occurredAt.iso8601), "observedAt": .string(observedAt.iso8601),
            "backfilled": JSONValue(backfilled), "openingId": JSONValue(openingId), "identifier": JSONValue(identifier),
            "offerId": JSONValue(offerId), "applicationId": JSONValue(applicationId), "jobId": JSONValue(jobId),
            "departmentId": JSONValue(departmentId), "locationId": JSONValue(locationId),
            "employmentType": JSONValue(employmentType), "isBackfill": isBackfill.map { JSONValue.bool($0) } ?? .null,
            "previousDate": date(previousDay), "date": date(day),
            "deltaDays": deltaDays.map { JSONValue($0) } ?? .null, "slipped": JSONValue(slipped),
        ]
    }

    /// The state form: the view form with times as milliseconds (decoding needs no date parsing).
    var stateJSON: JSONValue {
        ["kind": .string(kind.rawValue), "seq": JSONValue(seq.value), "occurredAt": StateCoding.ts(occurredAt),
         "observedAt": StateCoding.ts(observedAt), "backfilled": JSONValue(backfilled), "openingId": JSONValue(openingId),
         "identifier": JSONValue(identifier), "offerId": JSONValue(offerId), "applicationId": JSONValue(applicationId),
         "jobId": JSONValue(jobId), "departmentId": JSONValue(departmentId), "locationId": JSONValue(locationId),
         "employmentType": JSONValue(employmentType), "isBackfill": isBackfill.map { JSONValue.bool($0) } ?? .null,
         "previousDay": StateCoding.int(previousDay), "day": StateCoding.int(day)]
    }

    init(stateJSON j: JSONValue) throws(ProjectionStateError) {
        guard let k = j.string("kind").flatMap(Kind.init(rawValue:)) else { throw ProjectionStateError("plan change kind unknown") }
        kind = k
        seq = LogPosition(UInt64(try StateCoding.int64(j["seq"], "plan change seq")))
        occurredAt = try StateCoding.timestamp(j["occurredAt"], "plan change occurredAt")
        observedAt = try StateCoding.timestamp(j["observedAt"], "plan change observedAt")
        backfilled = try StateCoding.bool(j["backfilled"], "plan change backfilled")
        openingId = try StateCoding.optString(j["openingId"], "plan change openingId")
        identifier = try StateCoding.optString(j["identifier"], "plan change identifier")
        offerId = try StateCoding.optString(j["offerId"], "plan change offerId")
        applicationId = try StateCoding.optString(j["applicationId"], "plan change applicationId")
        jobId = try StateCoding.optString(j["jobId"], "plan change jobId")
        departmentId = try StateCoding.optString(j["departmentId"], "plan change departmentId")
        locationId = try StateCoding.optString(j["locationId"], "plan change locationId")
        employmentType = try StateCoding.optString(j["employmentType"], "plan change employmentType")
        isBackfill = j["isBackfill"].flatMap(\.boolValue)
        previousDay = try StateCoding.optInt(j["previousDay"], "plan change previousDay")
        day = try StateCoding.optInt(j["day"], "plan change day")
    }

    init(kind: Kind, event: RecordedEvent) {
        self.kind = kind
        seq = event.seq
        occurredAt = event.occurredAt
        observedAt = event.observedAt
        backfilled = event.backfilled
    }
}
