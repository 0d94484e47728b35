/// `{id, title, type, orderInInterviewPlan}` of an interview stage, as application events embed it:
/// from an embedded stage object, a history entry's title and the stage's own record, in that order
/// of preference.
public struct StageSummary: Sendable, Hashable, EventDataPart {
    public var id: String
    public var title: String?
    /// `Lead`, `PreInterviewScreen`, `Active`, `Offer`, `Hired` or `Archived`, as Ashby names it.
    public var type: String?
    public var orderInInterviewPlan: Int?

    public init(id: String, title: String?, type: String?, orderInInterviewPlan: Int?) {
        self.id = id
        self.title = title
        self.type = type
        self.orderInInterviewPlan = orderInInterviewPlan
    }

    func write(to w: inout EventDataWriter) {
        w.set("id", id)
        w.set("title", title)
        w.set("type", type)
        w.set("orderInInterviewPlan", orderInInterviewPlan)
    }

    init(reading r: EventDataReader) throws(EventDataError) {
        id = try r.requiredString("id")
        title = r.string("title")
        type = r.string("type")
        orderInInterviewPlan = r.int("orderInInterviewPlan")
    }
}
