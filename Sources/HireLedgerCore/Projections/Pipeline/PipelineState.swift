/// The state of `PipelineProjection`: every application's stage entries on both time axes, the
/// stages and jobs seen, and the open and accept instants time-to-fill is measured between.
public struct PipelineState: Sendable, Equatable {
    /// One entry of an application into a stage.
    public struct StageEntry: Sendable, Equatable {
        public var stageId: String
        /// When it entered (valid time: `enteredStageAt` when read from history).
        public var valid: Timestamp
        /// When HireLedger learnt it.
        public var known: Timestamp
    }

    /// An application's job and its stage entries in log order.
    /// The stage id of the entry that marks an application deleted (from its `valid` instant on, until
    /// a later entry restores it). No stage has an empty id.
    public static let goneStageId = ""

    public struct Application: Sendable, Equatable {
        public var jobId: String?
        public var departmentId: String?
        public var entries: [StageEntry] = []
    }

    /// A stage's latest title, type and order as carried by events.
    public struct Stage: Sendable, Equatable {
        public var title: String?
        public var type: String?
        public var order: Int?
    }

    /// A job's latest title and department as carried by events.
    public struct Job: Sendable, Equatable {
        public var title: String?
        public var departmentId: String?
    }

    /// When a role (an opening, or a job standing in) opened and was first accepted.
    public struct Fill: Sendable, Equatable {
        public var departmentId: String?
        public var jobId: String?
        public var opened: Instant?
        public var accepted: Instant?
        /// The accepted offer's start date, days since 1970-01-01.
        public var startDay: Int?
    }

    /// An instant on both axes.
    public struct Instant: Sendable, Equatable {
        public var valid: Timestamp
        public var known: Timestamp
    }

    public var applications: [String: Application] = [:]
    public var stages: [String: Stage] = [:]
    public var jobs: [String: Job] = [:]
    public var openingFills: [String: Fill] = [:]
    public var jobFills: [String: Fill] = [:]
    public var departments = EntityTimelines<DepartmentFacts>()
    public var head: Timestamp = .distantPast

    public init() {}
}
