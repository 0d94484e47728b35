/// The payloads of the job domain events (`job.opened`, `job.closed`), which share their members.
public enum JobEvent {
    /// The job's ids, status (and the one before), dimensions and dates as Ashby sent them.
    public struct Job: Sendable, Hashable, EventDataPart {
        public var jobId: String
        public var title: String?
        public var status: String?
        /// `status` before the change; nil on a first sighting.
        public var previousStatus: String?
        public var departmentId: String?
        public var locationId: String?
        public var employmentType: String?
        public var confidential: Bool?
        /// Ashby's `customRequisitionId`.
        public var requisitionId: String?
        public var openedAt: String?
        public var closedAt: String?

        public init(jobId: String, title: String?, status: String?, previousStatus: String?, departmentId: String?,
                    locationId: String?, employmentType: String?, confidential: Bool?, requisitionId: String?,
                    openedAt: String?, closedAt: String?) {
            self.jobId = jobId
            self.title = title
            self.status = status
            self.previousStatus = previousStatus
            self.departmentId = departmentId
            self.locationId = locationId
            self.employmentType = employmentType
            self.confidential = confidential
            self.requisitionId = requisitionId
            self.openedAt = openedAt
            self.closedAt = closedAt
        }

        func write(to w: inout EventDataWriter) {
            w.set("jobId", jobId)
            w.set("title", title)
            w.set("status", status)
            w.set("previousStatus", previousStatus)
            w.set("departmentId", departmentId)
            w.set("locationId", locationId)
            w.set("employmentType", employmentType)
            w.set("confidential", confidential)
            w.set("requisitionId", requisitionId)
            w.set("openedAt", openedAt)
            w.set("closedAt", closedAt)
        }

        init(reading r: EventDataReader) throws(EventDataError) {
            jobId = try r.requiredString("jobId")
            title = r.string("title")
            status = r.string("status")
            previousStatus = r.string("previousStatus")
            departmentId = r.string("departmentId")
            locationId = r.string("locationId")
            employmentType = r.string("employmentType")
            confidential = r.bool("confidential")
            requisitionId = r.string("requisitionId")
            openedAt = r.string("openedAt")
            closedAt = r.string("closedAt")
        }
    }

    /// A job event: the `Job` members and nothing else, one shape for `Opened` and `Closed`.
    public struct Change<Tag: DomainEventTag>: DomainEventPayload, Hashable {
        public static var eventType: DomainEventType { Tag.eventType }
        public var job: Job
        public init(job: Job) { self.job = job }
        public var data: JSONValue { job.json }
        public init(data: JSONValue) throws(EventDataError) { job = try Job(reading: EventDataReader(data, as: Self.eventType)) }
    }

    /// `job.opened`: the status became `Open` (or the job was first seen with an `openedAt`).
    public typealias Opened = Change<OpenedTag>
    public enum OpenedTag: DomainEventTag { public static var eventType: DomainEventType { .jobOpened } }

    /// `job.closed`: the status became `Closed`.
    public typealias Closed = Change<ClosedTag>
    public enum ClosedTag: DomainEventTag { public static var eventType: DomainEventType { .jobClosed } }
}
