extension EventClassifier {
    /// `job.opened` when `status` becomes `Open` (or, on first sighting, whenever the job has an
    /// `openedAt`), `job.closed` when it becomes `Closed`.
    func jobEvents(_ change: RecordChange, _ out: inout Emitter) {
        guard let after = change.after else { return }
        let before = change.before
        let status = after.string("status"), previous = before?.string("status")
        let job = JobEvent.Job(
            jobId: after.string("id") ?? out.subject.id,
            title: after.string("title"),
            status: status,
            previousStatus: previous,
            departmentId: after.string("departmentId"),
            locationId: after.string("locationId"),
            employmentType: after.string("employmentType"),
            confidential: after["confidential"]?.boolValue,
            requisitionId: after.string("customRequisitionId"),
            openedAt: after.string("openedAt"),
            closedAt: after.string("closedAt"))
        if (status == "Open" && previous != "Open") || (before.isAbsent && status != "Open" && after.timestamp("openedAt") != nil) {
            out.emit(JobEvent.Opened(job: job), read: after.timestamp("openedAt"), record: after)
        }
        if status == "Closed", previous != "Closed" {
            out.emit(JobEvent.Closed(job: job), read: after.timestamp("closedAt"), record: after)
        }
    }

    /// `candidate.merged` when a candidate is deleted because it was merged, `candidate.deleted` for
    /// any other deletion. Only ids: the candidate's personal data stays in the record events.
    func candidateEvents(_ change: RecordChange, _ out: inout Emitter) {
        guard case .deleted(let lastKnown, let reason) = change else { return }
        let candidate = CandidateEvent.Candidate(candidateId: out.subject.id,
                                                 applicationIds: lastKnown?["applicationIds"]?.arrayValue?.compactMap(\.stringValue))
        switch reason {
        case .merged(let into):
            out.emit(CandidateEvent.Merged(candidate: candidate, mergedIntoCandidateId: into), read: nil, record: nil)
        case .absentFromFullSync:
            out.emit(CandidateEvent.Deleted(candidate: candidate, reason: .absentFromFullSync), read: nil, record: nil)
        case .deletedInSource:
            out.emit(CandidateEvent.Deleted(candidate: candidate, reason: .deletedInSource), read: nil, record: nil)
        }
    }
}
