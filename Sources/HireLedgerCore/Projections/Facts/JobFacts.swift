/// A job as the plan views need it: the stand-in plan for accounts without openings, and the
/// department, location and employment type of applications and offers not tied to an opening.
public struct JobFacts: CompactFacts {
    public static let kind = EntityKind.job
    public static let members: Set<String> = ["status", "title", "departmentId", "locationId", "employmentType", "openedAt", "closedAt"]

    /// `Draft`, `Open`, `Closed` or `Archived`.
    public var status: String?
    public var title: String?
    public var departmentId: String?
    public var locationId: String?
    public var employmentType: String?
    public var openedAt: Timestamp?
    public var closedAt: Timestamp?

    public init(record: JSONValue) {
        status = record.string("status")
        title = record.string("title")
        departmentId = record.string("departmentId")
        locationId = record.string("locationId")
        employmentType = record.string("employmentType")
        openedAt = record.timestamp("openedAt")
        closedAt = record.timestamp("closedAt")
    }

    public mutating func update(member: String, to value: JSONValue?) {
        let s = value?.stringValue
        switch member {
        case "status": status = s
        case "title": title = s
        case "departmentId": departmentId = s
        case "locationId": locationId = s
        case "employmentType": employmentType = s
        case "openedAt": openedAt = s.flatMap(Timestamp.init(iso8601:))
        case "closedAt": closedAt = s.flatMap(Timestamp.init(iso8601:))
        default: break
        }
    }

    public func validFrom(previous: JobFacts?, eventTime: Timestamp) -> Timestamp {
        LifecycleTiming.validFrom(state: status, previousState: previous?.status, openedAt: openedAt, closedAt: closedAt,
                                  eventTime: eventTime)
    }

    public static func firstSighting(_ facts: JobFacts, record: JSONValue, eventTime: Timestamp) -> [(Timestamp, JobFacts)] {
        LifecycleTiming.firstSighting(facts, state: facts.status, openedAt: facts.openedAt, closedAt: facts.closedAt,
                                      created: LifecycleTiming.created(record, eventTime), eventTime: eventTime) { var f = $0; f.status = "Open"; return f }
    }

    public var json: JSONValue {
        ["status": StateCoding.str(status), "title": StateCoding.str(title), "departmentId": StateCoding.str(departmentId),
         "locationId": StateCoding.str(locationId), "employmentType": StateCoding.str(employmentType),
         "openedAt": StateCoding.ts(openedAt), "closedAt": StateCoding.ts(closedAt)]
    }

    public init(json: JSONValue) throws(ProjectionStateError) {
        status = try StateCoding.optString(json["status"], "job.status")
        title = try StateCoding.optString(json["title"], "job.title")
        departmentId = try StateCoding.optString(json["departmentId"], "job.departmentId")
        locationId = try StateCoding.optString(json["locationId"], "job.locationId")
        employmentType = try StateCoding.optString(json["employmentType"], "job.employmentType")
        openedAt = try StateCoding.optTimestamp(json["openedAt"], "job.openedAt")
        closedAt = try StateCoding.optTimestamp(json["closedAt"], "job.closedAt")
    }
}
