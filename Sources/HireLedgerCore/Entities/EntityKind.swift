/// The kinds of Ashby record HireLedger keeps, with their stable wire names and storage codes.
///
/// Wire names (`rawValue`) appear in event types, subjects (`application/<id>`) and exports; storage
/// codes are the first byte of an `EntityKey`'s LMDB key. Both are written out by hand, never derived
/// from Swift names, and neither may ever change for an existing kind: a new kind takes a new name
/// and the next unused code.
public enum EntityKind: String, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case job = "job"
    case jobPosting = "job_posting"
    case opening = "opening"
    case candidate = "candidate"
    case application = "application"
    case interview = "interview"
    case interviewSchedule = "interview_schedule"
    case interviewPlan = "interview_plan"
    case interviewStage = "interview_stage"
    case archiveReason = "archive_reason"
    case closeReason = "close_reason"
    case source = "source"
    case candidateTag = "candidate_tag"
    case customField = "custom_field"
    case department = "department"
    case location = "location"
    case user = "user"
    case offer = "offer"

    /// The wire name, e.g. `job_posting`.
    public var wireName: String { rawValue }

    public init?(wireName: String) { self.init(rawValue: wireName) }

    /// The one-byte code used in storage keys (never 0, so a zeroed key is never valid).
    public var storageCode: UInt8 {
        switch self {
        case .job: 1
        case .jobPosting: 2
        case .opening: 3
        case .candidate: 4
        case .application: 5
        case .interview: 6
        case .interviewSchedule: 7
        case .interviewPlan: 8
        case .interviewStage: 9
        case .archiveReason: 10
        case .closeReason: 11
        case .source: 12
        case .candidateTag: 13
        case .customField: 14
        case .department: 15
        case .location: 16
        case .user: 17
        case .offer: 18
        }
    }

    public init?(storageCode: UInt8) {
        guard let kind = EntityKind.allCases.first(where: { $0.storageCode == storageCode }) else { return nil }
        self = kind
    }

    /// Orders by storage code, the order of the storage keys.
    public static func < (a: EntityKind, b: EntityKind) -> Bool { a.storageCode < b.storageCode }

    public var description: String { rawValue }
}
