extension EventClassifier {
    /// `job.opened` when `status` becomes `Open` (or, on first sighting, whenever the job has an
    /// `openedAt`), `job.closed` when it becomes `Closed`.
    func jobEvents(_ change: RecordChange, _ out: inout Emitter) {
        guard let after = change.after else { return }
        let before = change.before
        let status = after.string("status"), previous = before?.string("status")
        let data: JSONObject = [
            "jobId": after.orNull("id"),
            "title": after.orNull("title"),
            "status": after.orNull("status"),
            "previousStatus": previous.map(JSONValue.string) ?? .null,
            "departmentId": after.orNull("departmentId"),
            "locationId": after.orNull("locationId"),
            "employmentType": after.orNull("employmentType"),
            "confidential": after.orNull("confidential"),
            "requisitionId": after.orNull("customRequisitionId"),
            "openedAt": after.orNull("openedAt"),
            "closedAt": after.orNull("closedAt"),
        ]
        if (status == "Open" && previous != "Open") || (before.isAbsent && status != "Open" && after.timestamp("openedAt") != nil) {
            out.emit(.jobOpened, read: after.timestamp("openedAt"), record: after, data: data)
        }
        if status == "Closed", previous != "Closed" {
            out.emit(.jobClosed, read: after.timestamp("closedAt"), record: after, data: data)
        }
    }

    /// `candidate.merged` when a candidate is deleted because it was merged, `candidate.deleted` for
    /// any other deletion. Only ids: the candidate's personal data stays in the record events.
    func candidateEvents(_ change: RecordChange, _ out: inout Emitter) {
        guard case .deleted(let lastKnown, let reason) = change else { return }
        var data: JSONObject = [
            "candidateId": .string(out.subject.id),
            "applicationIds": lastKnown?["applicationIds"] ?? .null,
        ]
        if case .merged(let into) = reason {
            data["mergedIntoCandidateId"] = into.map(JSONValue.string) ?? .null
            out.emit(.candidateMerged, read: nil, record: nil, data: data)
        } else {
            data["reason"] = .string(reason.wireName)
            out.emit(.candidateDeleted, read: nil, record: nil, data: data)
        }
    }
}
