extension EventClassifier {
    /// `opening.opened` when `openingState` becomes `Open` (or, on first sighting, whenever the
    /// opening has an `openedAt`), `opening.filled` / `opening.closed` when it becomes `Filled` /
    /// `Closed`, `opening.target_start_date_changed` when `latestVersion.targetStartDate` changes.
    func openingEvents(_ change: RecordChange, _ out: inout Emitter, _ context: some ClassificationContext) {
        guard let after = change.after else { return }
        let before = change.before
        let state = after.string("openingState"), previous = before?.string("openingState")
        let version = after["latestVersion"]
        var base = openingBase(after, context)
        base["previousState"] = previous.map(JSONValue.string) ?? .null

        let firstSighting = before.isAbsent
        if (state == "Open" && previous != "Open") || (firstSighting && state != "Open" && after.timestamp("openedAt") != nil) {
            out.emit(.openingOpened, read: after.timestamp("openedAt"), record: after, data: base)
        }
        if state == "Filled", previous != "Filled" {
            out.emit(.openingFilled, read: after.timestamp("closedAt"), record: after, data: base)
        }
        if state == "Closed", previous != "Closed" {
            out.emit(.openingClosed, read: after.timestamp("closedAt"), record: after, data: base)
        }
        if let before {
            let old = before["latestVersion"].orNull("targetStartDate"), new = version.orNull("targetStartDate")
            if old != new {
                var data = base
                data["previousTargetStartDate"] = old
                // Ashby exposes only the latest version: several changes between two polls are one event here.
                data["collapsedFields"] = ["latestVersion.targetStartDate"]
                let versionChanged = version?.string("id") != before["latestVersion"]?.string("id")
                out.emit(.openingTargetStartDateChanged, read: versionChanged ? version?.timestamp("createdAt") : nil,
                         record: after, data: data)
            }
        }
    }

    /// Ids, state, dates, department, locations and a summary of each job the opening is for.
    private func openingBase(_ opening: JSONValue, _ context: some ClassificationContext) -> JSONObject {
        let version = opening["latestVersion"]
        let jobIds = version?["jobIds"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return [
            "openingId": opening.orNull("id"),
            "identifier": version.orNull("identifier"),
            "state": opening.orNull("openingState"),
            "openedAt": opening.orNull("openedAt"),
            "closedAt": opening.orNull("closedAt"),
            "closeReasonId": opening.orNull("closeReasonId"),
            "departmentId": version.orNull("teamId"),
            "locationIds": version?["locationIds"] ?? [],
            "jobs": .array(jobIds.map { jobSummary(embedded: nil, id: $0, context) }),
            "employmentType": version.orNull("employmentType"),
            "isBackfill": version.orNull("isBackfill"),
            "targetHireDate": version.orNull("targetHireDate"),
            "targetStartDate": version.orNull("targetStartDate"),
        ]
    }
}
