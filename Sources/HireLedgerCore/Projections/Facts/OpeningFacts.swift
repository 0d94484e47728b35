/// An opening (headcount requisition) as the plan views need it.
public struct OpeningFacts: CompactFacts {
    public static let kind = EntityKind.opening
    public static let members: Set<String> = ["openingState", "openedAt", "closedAt", "latestVersion", "isArchived"]
    /// What `readVersion` reads of the latest version, and its `createdAt` (a first sighting's date).
    public static let memberSelections: [String: JSONSelection] = [
        "latestVersion": .only(["identifier", "teamId", "locationIds", "employmentType", "isBackfill", "targetStartDate",
                                "jobIds", "createdAt"]),
    ]

    /// `Draft`, `Approved`, `Open`, `Closed` or `Filled`.
    public var state: String?
    public var openedAt: Timestamp?
    public var closedAt: Timestamp?
    /// `latestVersion.identifier`, e.g. `ENG-1`.
    public var identifier: String?
    /// `latestVersion.teamId`.
    public var departmentId: String?
    /// The first of `latestVersion.locationIds` (a role counts once, at its first location).
    public var locationId: String?
    public var employmentType: String?
    public var isBackfill: Bool
    /// `latestVersion.targetStartDate`, days since 1970-01-01.
    public var targetStartDay: Int?
    public var jobIds: [String]
    /// Ashby's `isArchived`: an archived opening is out of the plan whatever its `openingState` says
    /// (an opening can be archived while still `Open`).
    public var isArchived: Bool

    public init(record: JSONValue) {
        isArchived = record["isArchived"]?.boolValue ?? false
        state = record.string("openingState")
        openedAt = record.timestamp("openedAt")
        closedAt = record.timestamp("closedAt")
        identifier = nil; departmentId = nil; locationId = nil; employmentType = nil
        isBackfill = false; targetStartDay = nil; jobIds = []
        readVersion(record["latestVersion"])
    }

    public mutating func update(member: String, to value: JSONValue?) {
        switch member {
        case "openingState": state = value?.stringValue
        case "openedAt": openedAt = value?.stringValue.flatMap(Timestamp.init(iso8601:))
        case "closedAt": closedAt = value?.stringValue.flatMap(Timestamp.init(iso8601:))
        case "latestVersion": readVersion(value)
        case "isArchived": isArchived = value?.boolValue ?? false
        default: break
        }
    }

    private mutating func readVersion(_ v: JSONValue?) {
        identifier = v?.string("identifier")
        departmentId = v?.string("teamId")
        locationId = v?["locationIds"]?[0]?.stringValue
        let type = v?.string("employmentType")
        employmentType = type == "" ? nil : type
        isBackfill = v?["isBackfill"]?.boolValue ?? false
        targetStartDay = v?.day("targetStartDate")
        jobIds = v?["jobIds"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    public func validFrom(previous: OpeningFacts?, eventTime: Timestamp) -> Timestamp {
        LifecycleTiming.validFrom(state: state, previousState: previous?.state, openedAt: openedAt, closedAt: closedAt,
                                  eventTime: eventTime)
    }

    public static func firstSighting(_ facts: OpeningFacts, record: JSONValue, eventTime: Timestamp) -> [(Timestamp, OpeningFacts)] {
        LifecycleTiming.firstSighting(facts, state: facts.state, openedAt: facts.openedAt, closedAt: facts.closedAt,
                                      created: LifecycleTiming.created(record["latestVersion"] ?? .null, eventTime),
                                      eventTime: eventTime) { var f = $0; f.state = "Open"; return f }
    }

    public var json: JSONValue {
        ["state": StateCoding.str(state), "openedAt": StateCoding.ts(openedAt), "closedAt": StateCoding.ts(closedAt),
         "identifier": StateCoding.str(identifier), "departmentId": StateCoding.str(departmentId),
         "locationId": StateCoding.str(locationId), "employmentType": StateCoding.str(employmentType),
         "isBackfill": JSONValue(isBackfill), "targetStartDay": StateCoding.int(targetStartDay),
         "jobIds": .array(jobIds.map(JSONValue.string)), "isArchived": JSONValue(isArchived)]
    }

    public init(json: JSONValue) throws(ProjectionStateError) {
        state = try StateCoding.optString(json["state"], "opening.state")
        openedAt = try StateCoding.optTimestamp(json["openedAt"], "opening.openedAt")
        closedAt = try StateCoding.optTimestamp(json["closedAt"], "opening.closedAt")
        identifier = try StateCoding.optString(json["identifier"], "opening.identifier")
        departmentId = try StateCoding.optString(json["departmentId"], "opening.departmentId")
        locationId = try StateCoding.optString(json["locationId"], "opening.locationId")
        employmentType = try StateCoding.optString(json["employmentType"], "opening.employmentType")
        isBackfill = try StateCoding.bool(json["isBackfill"], "opening.isBackfill")
        targetStartDay = try StateCoding.optInt(json["targetStartDay"], "opening.targetStartDay")
        var ids: [String] = []
        for v in try StateCoding.array(json["jobIds"], "opening.jobIds") { ids.append(try StateCoding.string(v, "opening.jobIds[]")) }
        jobIds = ids
        isArchived = json["isArchived"]?.boolValue ?? false
    }
}
