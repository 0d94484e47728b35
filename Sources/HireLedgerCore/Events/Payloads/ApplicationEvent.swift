/// The payloads of the application domain events (`application.*`). Every one carries the
/// `Application` members; none carries candidate personal data.
public enum ApplicationEvent {
    /// `applicationId`, `candidateId`, `status` and `job`: the members every application event carries.
    public struct Application: Sendable, Hashable, EventDataPart {
        public var applicationId: String
        public var candidateId: String?
        /// The application's `status` (`Active`, `Hired`, `Archived`, `Lead`).
        public var status: String?
        public var job: JobSummary?

        public init(applicationId: String, candidateId: String?, status: String?, job: JobSummary?) {
            self.applicationId = applicationId
            self.candidateId = candidateId
            self.status = status
            self.job = job
        }

        func write(to w: inout EventDataWriter) {
            w.set("applicationId", applicationId)
            w.set("candidateId", candidateId)
            w.set("status", status)
            w.set("job", job)
        }

        init(reading r: EventDataReader) throws(EventDataError) {
            applicationId = try r.requiredString("applicationId")
            candidateId = r.string("candidateId")
            status = r.string("status")
            job = r.object("job", JobSummary.init(reading:))
        }
    }

    /// `application.stage_changed`: the application entered another interview stage.
    public struct StageChanged: DomainEventPayload, Hashable {
        public static let eventType = DomainEventType.applicationStageChanged
        public var application: Application
        public var fromStage: StageSummary?
        public var toStage: StageSummary
        /// From the application history when it was read (then the event's `occurredAt` is real).
        public var enteredStageAt: Timestamp?
        public var historyEntryId: String?

        public init(application: Application, fromStage: StageSummary?, toStage: StageSummary, enteredStageAt: Timestamp?,
                    historyEntryId: String?) {
            self.application = application
            self.fromStage = fromStage
            self.toStage = toStage
            self.enteredStageAt = enteredStageAt
            self.historyEntryId = historyEntryId
        }

        public var data: JSONValue {
            EventDataWriter.object { w in
                application.write(to: &w)
                w.set("fromStage", fromStage)
                w.set("toStage", toStage.json)
                w.set("enteredStageAt", enteredStageAt)
                w.set("historyEntryId", historyEntryId)
            }
        }

        public init(data: JSONValue) throws(EventDataError) {
            let r = try EventDataReader(data, as: Self.eventType)
            application = try Application(reading: r)
            fromStage = r.object("fromStage", StageSummary.init(reading:))
            toStage = try r.requiredObject("toStage", StageSummary.init(reading:))
            enteredStageAt = r.timestamp("enteredStageAt")
            historyEntryId = r.string("historyEntryId")
        }
    }

    /// An application event that carries the application and its stage and nothing else, one shape for
    /// two event types: `Hired` and `Unarchived`.
    public struct AtStage<Tag: DomainEventTag>: DomainEventPayload, Hashable {
        public static var eventType: DomainEventType { Tag.eventType }
        public var application: Application
        public var stage: StageSummary?

        public init(application: Application, stage: StageSummary?) {
            self.application = application
            self.stage = stage
        }

        public var data: JSONValue {
            EventDataWriter.object { w in
                application.write(to: &w)
                w.set("stage", stage)
            }
        }

        public init(data: JSONValue) throws(EventDataError) {
            let r = try EventDataReader(data, as: Self.eventType)
            application = try Application(reading: r)
            stage = r.object("stage", StageSummary.init(reading:))
        }
    }

    /// `application.hired`: the application's status or its stage's type became `Hired`.
    public typealias Hired = AtStage<HiredTag>
    public enum HiredTag: DomainEventTag { public static var eventType: DomainEventType { .applicationHired } }

    /// `application.unarchived`: the application's status left `Archived`.
    public typealias Unarchived = AtStage<UnarchivedTag>
    public enum UnarchivedTag: DomainEventTag { public static var eventType: DomainEventType { .applicationUnarchived } }

    /// `{id, text, reasonType}` of an archive reason.
    public struct ArchiveReason: Sendable, Hashable, EventDataPart {
        public var id: String?
        public var text: String?
        public var reasonType: String?

        public init(id: String?, text: String?, reasonType: String?) {
            self.id = id
            self.text = text
            self.reasonType = reasonType
        }

        func write(to w: inout EventDataWriter) {
            w.set("id", id)
            w.set("text", text)
            w.set("reasonType", reasonType)
        }

        init(reading r: EventDataReader) throws(EventDataError) {
            id = r.string("id")
            text = r.string("text")
            reasonType = r.string("reasonType")
        }
    }

    /// `application.archived`: the application's status became `Archived`.
    public struct Archived: DomainEventPayload, Hashable {
        public static let eventType = DomainEventType.applicationArchived
        public var application: Application
        public var stage: StageSummary?
        /// `archivedAt` as Ashby sent it.
        public var archivedAt: String?
        public var archiveReason: ArchiveReason?

        public init(application: Application, stage: StageSummary?, archivedAt: String?, archiveReason: ArchiveReason?) {
            self.application = application
            self.stage = stage
            self.archivedAt = archivedAt
            self.archiveReason = archiveReason
        }

        public var data: JSONValue {
            EventDataWriter.object { w in
                application.write(to: &w)
                w.set("stage", stage)
                w.set("archivedAt", archivedAt)
                w.set("archiveReason", archiveReason)
            }
        }

        public init(data: JSONValue) throws(EventDataError) {
            let r = try EventDataReader(data, as: Self.eventType)
            application = try Application(reading: r)
            stage = r.object("stage", StageSummary.init(reading:))
            archivedAt = r.string("archivedAt")
            archiveReason = r.object("archiveReason", ArchiveReason.init(reading:))
        }
    }
}
