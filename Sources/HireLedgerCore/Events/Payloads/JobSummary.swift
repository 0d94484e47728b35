/// `{id, title, departmentId, locationId}` of a job, as domain events embed it (`job`, an opening's
/// `jobs`): from the application's or opening's embedded summary, completed by the job's own record.
public struct JobSummary: Sendable, Hashable, EventDataPart {
    public var id: String
    public var title: String?
    public var departmentId: String?
    public var locationId: String?

    public init(id: String, title: String?, departmentId: String?, locationId: String?) {
        self.id = id
        self.title = title
        self.departmentId = departmentId
        self.locationId = locationId
    }

    func write(to w: inout EventDataWriter) {
        w.set("id", id)
        w.set("title", title)
        w.set("departmentId", departmentId)
        w.set("locationId", locationId)
    }

    init(reading r: EventDataReader) throws(EventDataError) {
        id = try r.requiredString("id")
        title = r.string("title")
        departmentId = r.string("departmentId")
        locationId = r.string("locationId")
    }
}
