extension EventClassifier {
    /// `application.stage_changed` when `currentInterviewStage.id` changes (one per move recovered
    /// from history, intermediate ones backfilled), `application.hired` when the status becomes
    /// `Hired` or the stage type `Hired`, `application.archived` / `application.unarchived` when the
    /// status enters / leaves `Archived`.
    func applicationEvents(_ change: RecordChange, _ out: inout Emitter, _ context: some ClassificationContext) {
        guard let after = change.after else { return }
        let before = change.before
        let applicationId = out.subject.id
        let base = applicationBase(after, id: applicationId, context)

        // Stage moves.
        let stageBefore = before?["currentInterviewStage"]?.string("id")
        let currentStage = after["currentInterviewStage"]
        let stageAfter = currentStage?.string("id")
        var currentEntry: StageHistoryEntry?
        // The same current stage after a change: the history (when the sync read it) may still show
        // moves out and back (A→B→A). Either way the stay recorded last is the latest one in that stage
        // entered by the time the previous version was last updated (A may recur later in the history).
        let sameStage = stageAfter != nil && stageAfter == stageBefore && before != nil
        let fetchedHistory = sameStage ? (after["applicationHistory"]?.arrayValue ?? context.applicationHistory(applicationId: applicationId)) : nil
        if let stageAfter, stageAfter != stageBefore || fetchedHistory != nil {
            let historyJSON = after["applicationHistory"]?.arrayValue ?? context.applicationHistory(applicationId: applicationId)
            let history = StageHistoryReconciler.entries(from: historyJSON ?? [])
            let knownUntil = before?.timestamp("updatedAt")
            let previous = stageBefore.map { id in
                RecordedStage(stageId: id, enteredStageAt: StageHistoryReconciler
                    .entries(from: before?["applicationHistory"]?.arrayValue ?? [])
                    .last { $0.stageId == id }?.enteredStageAt
                    ?? knownUntil.flatMap { t in history.last { $0.stageId == id && $0.enteredStageAt <= t }?.enteredStageAt })
            }
            var moves = StageHistoryReconciler.moves(since: previous, history: history)
            // Without a stay to start from, a same-stage change shows no move.
            if sameStage, previous?.enteredStageAt == nil { moves = [] }
            // Out and back between two polls: none of the moves is the observed one.
            if sameStage { moves = moves.map { var m = $0; m.backfilled = true; return m } }
            if let last = moves.last, last.to.stageId == stageAfter {
                for move in moves {
                    let isLast = move == last
                    let fromStage = move.fromStageId.map { id in
                        id == stageBefore
                            ? stageSummary(before?["currentInterviewStage"], id: id, title: move.from?.title, context)
                            : stageSummary(nil, id: id, title: move.from?.title, context)
                    }
                    let toStage = stageSummary(isLast ? currentStage : nil, id: move.to.stageId, title: move.to.title, context)
                    let event = ApplicationEvent.StageChanged(application: base, fromStage: fromStage, toStage: toStage,
                                                              enteredStageAt: move.to.enteredStageAt, historyEntryId: move.to.id)
                    out.emit(event, read: move.to.enteredStageAt, record: after, backfilled: move.backfilled)
                }
                currentEntry = last.to
            } else if !sameStage {
                // No usable history (not fetched, or stale): one move, timed by updatedAt.
                let fromStage = stageBefore.map { stageSummary(before?["currentInterviewStage"], id: $0, title: nil, context) }
                let event = ApplicationEvent.StageChanged(application: base, fromStage: fromStage,
                                                          toStage: stageSummary(currentStage, id: stageAfter, title: nil, context),
                                                          enteredStageAt: nil, historyEntryId: nil)
                out.emit(event, read: nil, record: after)
            }
        }

        // Hire.
        // Read only when an event carries it (the stage's record is looked up).
        func stage() -> StageSummary? { stageAfter.map { stageSummary(currentStage, id: $0, title: nil, context) } }
        if isHired(after, context), !(before.map { isHired($0, context) } ?? false) {
            out.emit(ApplicationEvent.Hired(application: base, stage: stage()), read: currentEntry?.enteredStageAt, record: after)
        }

        // Archive and unarchive.
        let archivedBefore = before?.string("status") == "Archived"
        let archivedAfter = after.string("status") == "Archived"
        if archivedAfter, !archivedBefore {
            // The reason's text and type from its own record (normalised records hold only its id).
            let reason = after["archiveReason"].flatMap { r -> ApplicationEvent.ArchiveReason? in
                guard !r.isNull else { return nil }
                let id = r.string("id")
                let record = (r.string("text") == nil || r.string("reasonType") == nil)
                    ? id.flatMap { context.currentRecord(EntityKey(.archiveReason, $0)) } : nil
                return ApplicationEvent.ArchiveReason(id: id, text: r.string("text") ?? record?.string("text"),
                                                      reasonType: r.string("reasonType") ?? record?.string("reasonType"))
            }
            let event = ApplicationEvent.Archived(application: base, stage: stage(), archivedAt: after.string("archivedAt"),
                                                  archiveReason: reason)
            out.emit(event, read: after.timestamp("archivedAt"), record: after)
        } else if archivedBefore, !archivedAfter {
            out.emit(ApplicationEvent.Unarchived(application: base, stage: stage()), read: currentEntry?.enteredStageAt, record: after)
        }
    }

    /// Status `Hired`, or current stage of type `Hired` (the stage's own record; a record stored before
    /// `RecordNormalizer.version` 2 may still carry the stage's type in its copy).
    private func isHired(_ application: JSONValue, _ context: some ClassificationContext) -> Bool {
        if application.string("status") == "Hired" { return true }
        guard let stage = application["currentInterviewStage"] else { return false }
        if let type = stage.string("type") { return type == "Hired" }
        return stage.string("id").flatMap { context.currentRecord(EntityKey(.interviewStage, $0))?.string("type") } == "Hired"
    }

    /// The members every application event carries: ids, status, job summary. No candidate names.
    private func applicationBase(_ application: JSONValue, id: String, _ context: some ClassificationContext) -> ApplicationEvent.Application {
        let job = application["job"]
        return ApplicationEvent.Application(applicationId: application.string("id") ?? id,
                                            candidateId: application["candidate"]?.string("id"),
                                            status: application.string("status"),
                                            job: job?.string("id").map { jobSummary(embedded: job, id: $0, context) })
    }
}

extension EventClassifier {
    /// The job's summary, from the job's own record (looked up through the context). Normalised records
    /// hold only a reference (`{"id": ...}`, see `RecordNormalizer.standardReferences`); an embedded
    /// summary, as records stored before normaliser version 2 and hand-made fixtures carry, is read first.
    func jobSummary(embedded: JSONValue?, id: String, _ context: some ClassificationContext) -> JobSummary {
        let record = context.currentRecord(EntityKey(.job, id))
        func field(_ key: String) -> String? {
            if let v = embedded?[key], !v.isNull { return v.stringValue }
            return record?.string(key)
        }
        return JobSummary(id: id, title: field("title"), departmentId: field("departmentId"), locationId: field("locationId"))
    }

    /// The stage's summary: the title from an embedded stage object (records stored before normaliser
    /// version 2; normalised records hold only `{"id": ...}`), else the history entry's title (the
    /// stage's title at the time of the move), else the stage's own record; type and order from the
    /// embedded object, else the stage's own record (looked up through the context).
    func stageSummary(_ embedded: JSONValue?, id: String, title: String?, _ context: some ClassificationContext) -> StageSummary {
        let record = context.currentRecord(EntityKey(.interviewStage, id))
        func field(_ key: String) -> JSONValue? {
            if let v = embedded?[key], !v.isNull { return v }
            return record?[key]
        }
        let embeddedTitle = embedded?["title"].flatMap { $0.isNull ? nil : $0 }
        return StageSummary(id: id, title: embeddedTitle.map(\.stringValue) ?? title ?? record?.string("title"),
                            type: field("type")?.stringValue, orderInInterviewPlan: field("orderInInterviewPlan")?.intValue)
    }
}
