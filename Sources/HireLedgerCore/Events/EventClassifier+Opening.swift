extension EventClassifier {
    /// `opening.opened` when `openingState` becomes `Open` (or, on first sighting, whenever the
    /// opening has an `openedAt`), `opening.filled` / `opening.closed` when it becomes `Filled` /
    /// `Closed`, `opening.target_start_date_changed` when `latestVersion.targetStartDate` changes.
    func openingEvents(_ change: RecordChange, _ out: inout Emitter, _ context: some ClassificationContext) {
        guard let after = change.after else { return }
        let before = change.before
        let state = after.string("openingState"), previous = before?.string("openingState")
        let version = after["latestVersion"]
        let base = openingBase(after, id: out.subject.id, previousState: previous, context)

        let firstSighting = before.isAbsent
        if (state == "Open" && previous != "Open") || (firstSighting && state != "Open" && after.timestamp("openedAt") != nil) {
            out.emit(OpeningEvent.Opened(opening: base), read: after.timestamp("openedAt"), record: after)
        }
        if state == "Filled", previous != "Filled" {
            out.emit(OpeningEvent.Filled(opening: base), read: after.timestamp("closedAt"), record: after)
        }
        if state == "Closed", previous != "Closed" {
            out.emit(OpeningEvent.Closed(opening: base), read: after.timestamp("closedAt"), record: after)
        }
        if let before {
            let old = before["latestVersion"].orNull("targetStartDate"), new = version.orNull("targetStartDate")
            if old != new {
                // Ashby exposes only the latest version: several changes between two polls are one event here.
                let versionChanged = version?.string("id") != before["latestVersion"]?.string("id")
                out.emit(OpeningEvent.TargetStartDateChanged(opening: base, previousTargetStartDate: old.stringValue,
                                                              collapsedFields: ["latestVersion.targetStartDate"]),
                         read: versionChanged ? version?.timestamp("createdAt") : nil, record: after)
            }
        }
    }

    /// Ids, state, dates, department, locations and a summary of each job the opening is for.
    private func openingBase(_ opening: JSONValue, id: String, previousState: String?,
                             _ context: some ClassificationContext) -> OpeningEvent.Opening {
        let version = opening["latestVersion"]
        let jobIds = version?["jobIds"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return OpeningEvent.Opening(
            openingId: opening.string("id") ?? id,
            identifier: version?.string("identifier"),
            state: opening.string("openingState"),
            previousState: previousState,
            openedAt: opening.string("openedAt"),
            closedAt: opening.string("closedAt"),
            closeReasonId: opening.string("closeReasonId"),
            departmentId: version?.string("teamId"),
            locationIds: version?["locationIds"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            jobs: jobIds.map { jobSummary(embedded: nil, id: $0, context) },
            employmentType: version?.string("employmentType"),
            isBackfill: version?["isBackfill"]?.boolValue,
            targetHireDate: version?.string("targetHireDate"),
            targetStartDate: version?.string("targetStartDate"))
    }
}
