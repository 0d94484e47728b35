/// An application as the headcount view needs it: its job and whether it is hired. Stage moves
/// that do not hire leave these facts unchanged, so they add no timeline version.
public struct ApplicationFacts: CompactFacts {
    public static let kind = EntityKind.application
    public static let members: Set<String> = ["status", "currentInterviewStage", "job"]
    /// Only the stage's `type` and the job's `id` are read.
    public static let memberSelections: [String: JSONSelection] = ["currentInterviewStage": .only(["type"]), "job": .only(["id"])]

    public var jobId: String?
    public var hiredByStatus: Bool
    public var hiredByStage: Bool

    /// Status `Hired` or current stage of type `Hired`.
    ///
    /// `hiredByStage` is read from a `currentInterviewStage` copy, which only records stored before
    /// `RecordNormalizer.version` 2 carry; normalised records hold the stage as a reference (`{"id"}`),
    /// and the hire is read from `status` (Ashby sets `Hired` with a stage of type `Hired`). The
    /// classifier's `application.hired` looks the stage's type up in its own record.
    public var hired: Bool { hiredByStatus || hiredByStage }

    public init(record: JSONValue) {
        jobId = record["job"]?.string("id")
        hiredByStatus = record.string("status") == "Hired"
        hiredByStage = record["currentInterviewStage"]?.string("type") == "Hired"
    }

    public mutating func update(member: String, to value: JSONValue?) {
        switch member {
        case "status": hiredByStatus = value?.stringValue == "Hired"
        case "currentInterviewStage": hiredByStage = value?.string("type") == "Hired"
        case "job": jobId = value?.string("id")
        default: break
        }
    }

    public var json: JSONValue {
        ["jobId": StateCoding.str(jobId), "hiredByStatus": JSONValue(hiredByStatus), "hiredByStage": JSONValue(hiredByStage)]
    }

    /// Exactly `json.canonicalBytes()` (members in UTF-8 byte order: hiredByStage < hiredByStatus < jobId).
    func writeCanonical(_ w: inout JSONWriter) {
        w.append("{\"hiredByStage\":")
        w.append(hiredByStage ? "true" : "false")
        w.append(",\"hiredByStatus\":")
        w.append(hiredByStatus ? "true" : "false")
        w.append(",\"jobId\":")
        w.writeOptional(jobId)
        w.append(UInt8(ascii: "}"))
    }

    public init(json: JSONValue) throws(ProjectionStateError) {
        jobId = try StateCoding.optString(json["jobId"], "application.jobId")
        hiredByStatus = try StateCoding.bool(json["hiredByStatus"], "application.hiredByStatus")
        hiredByStage = try StateCoding.bool(json["hiredByStage"], "application.hiredByStage")
    }
}
