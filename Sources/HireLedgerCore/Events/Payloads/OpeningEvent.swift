/// The payloads of the opening domain events (`opening.*`). Every one carries the `Opening` members.
public enum OpeningEvent {
    /// Ids, state, dates, department, locations and a summary of each job the opening is for: the
    /// members every opening event carries. Dates are as Ashby sent them.
    public struct Opening: Sendable, Hashable, EventDataPart {
        public var openingId: String
        /// `latestVersion.identifier`.
        public var identifier: String?
        /// `openingState` (`Open`, `Filled`, `Closed`, `Draft`, `Approved`).
        public var state: String?
        /// `openingState` before the change; nil on a first sighting.
        public var previousState: String?
        public var openedAt: String?
        public var closedAt: String?
        public var closeReasonId: String?
        /// `latestVersion.teamId`.
        public var departmentId: String?
        public var locationIds: [String]
        public var jobs: [JobSummary]
        public var employmentType: String?
        public var isBackfill: Bool?
        public var targetHireDate: String?
        public var targetStartDate: String?

        public init(openingId: String, identifier: String?, state: String?, previousState: String?, openedAt: String?,
                    closedAt: String?, closeReasonId: String?, departmentId: String?, locationIds: [String], jobs: [JobSummary],
                    employmentType: String?, isBackfill: Bool?, targetHireDate: String?, targetStartDate: String?) {
            self.openingId = openingId
            self.identifier = identifier
            self.state = state
            self.previousState = previousState
            self.openedAt = openedAt
            self.closedAt = closedAt
            self.closeReasonId = closeReasonId
            self.departmentId = departmentId
            self.locationIds = locationIds
            self.jobs = jobs
            self.employmentType = employmentType
            self.isBackfill = isBackfill
            self.targetHireDate = targetHireDate
            self.targetStartDate = targetStartDate
        }

        func write(to w: inout EventDataWriter) {
            w.set("openingId", openingId)
            w.set("identifier", identifier)
            w.set("state", state)
            w.set("previousState", previousState)
            w.set("openedAt", openedAt)
            w.set("closedAt", closedAt)
            w.set("closeReasonId", closeReasonId)
            w.set("departmentId", departmentId)
            w.set("locationIds", locationIds)
            w.set("jobs", jobs)
            w.set("employmentType", employmentType)
            w.set("isBackfill", isBackfill)
            w.set("targetHireDate", targetHireDate)
            w.set("targetStartDate", targetStartDate)
        }

        init(reading r: EventDataReader) throws(EventDataError) {
            openingId = try r.requiredString("openingId")
            identifier = r.string("identifier")
            state = r.string("state")
            previousState = r.string("previousState")
            openedAt = r.string("openedAt")
            closedAt = r.string("closedAt")
            closeReasonId = r.string("closeReasonId")
            departmentId = r.string("departmentId")
            locationIds = try r.requiredStrings("locationIds")
            jobs = try r.requiredObjects("jobs", JobSummary.init(reading:))
            employmentType = r.string("employmentType")
            isBackfill = r.bool("isBackfill")
            targetHireDate = r.string("targetHireDate")
            targetStartDate = r.string("targetStartDate")
        }
    }

    /// A change of the opening's state: the `Opening` members and nothing else, one shape for
    /// `Opened`, `Filled` and `Closed`.
    public struct StateChange<Tag: DomainEventTag>: DomainEventPayload, Hashable {
        public static var eventType: DomainEventType { Tag.eventType }
        public var opening: Opening
        public init(opening: Opening) { self.opening = opening }
        public var data: JSONValue { opening.json }
        public init(data: JSONValue) throws(EventDataError) { opening = try Opening(reading: EventDataReader(data, as: Self.eventType)) }
    }

    /// `opening.opened`: the state became `Open` (or the opening was first seen with an `openedAt`).
    public typealias Opened = StateChange<OpenedTag>
    public enum OpenedTag: DomainEventTag { public static var eventType: DomainEventType { .openingOpened } }

    /// `opening.filled`: the state became `Filled`.
    public typealias Filled = StateChange<FilledTag>
    public enum FilledTag: DomainEventTag { public static var eventType: DomainEventType { .openingFilled } }

    /// `opening.closed`: the state became `Closed`.
    public typealias Closed = StateChange<ClosedTag>
    public enum ClosedTag: DomainEventTag { public static var eventType: DomainEventType { .openingClosed } }

    /// `opening.target_start_date_changed`: the latest version's `targetStartDate` changed.
    public struct TargetStartDateChanged: DomainEventPayload, Hashable {
        public static let eventType = DomainEventType.openingTargetStartDateChanged
        public var opening: Opening
        /// The previous version's `targetStartDate` as Ashby sent it.
        public var previousTargetStartDate: String?
        /// Fields whose intermediate values between two polls Ashby does not expose, so this event is
        /// their net change since the previous poll. Absent from events written before it existed (and
        /// then not written back, so those events keep their bytes).
        public var collapsedFields: [String]?

        public init(opening: Opening, previousTargetStartDate: String?, collapsedFields: [String]? = nil) {
            self.opening = opening
            self.previousTargetStartDate = previousTargetStartDate
            self.collapsedFields = collapsedFields
        }

        public var data: JSONValue {
            EventDataWriter.object { w in
                opening.write(to: &w)
                w.set("previousTargetStartDate", previousTargetStartDate)
                if let collapsedFields { w.set("collapsedFields", collapsedFields) }
            }
        }

        public init(data: JSONValue) throws(EventDataError) {
            let r = try EventDataReader(data, as: Self.eventType)
            opening = try Opening(reading: r)
            previousTargetStartDate = r.string("previousTargetStartDate")
            collapsedFields = r.strings("collapsedFields")
        }
    }
}
