extension EventClassifier {
    /// `application.stage_changed` when `currentInterviewStage.id` changes (one per move recovered
    /// from history, intermediate ones backfilled), `application.hired` when the status becomes
    /// `Hired` or the stage type `Hired`, `application.archived` / `application.unarchived` when the
    /// status enters / leaves `Archived`.
    func applicationEvents(_ change: RecordChange, _ out: inout Emitter, _ context: some ClassificationContext) {
        guard let after = change.after else { return }
        let before = change.before
        let applicationId = out.subject.id
        let base = applicationBase(after, context)

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
                    let fromStage: JSONValue = move.fromStageId.map { id in
                        id == stageBefore
                            ? stageSummary(before?["currentInterviewStage"], id: id, title: move.from?.title, context)
                            : stageSummary(nil, id: id, title: move.from?.title, context)
                    } ?? .null
                    let toStage = stageSummary(isLast ? currentStage : nil, id: move.to.stageId, title: move.to.title, context)
                    var data = base
                    data["fromStage"] = fromStage
                    data["toStage"] = toStage
                    data["enteredStageAt"] = move.to.enteredStageAt.json
                    data["historyEntryId"] = .string(move.to.id)
                    out.emit(.applicationStageChanged, read: move.to.enteredStageAt, record: after, backfilled: move.backfilled, data: data)
                }
                currentEntry = last.to
            } else if !sameStage {
                // No usable history (not fetched, or stale): one move, timed by updatedAt.
                var data = base
                data["fromStage"] = stageBefore.map { stageSummary(before?["currentInterviewStage"], id: $0, title: nil, context) } ?? .null
                data["toStage"] = stageSummary(currentStage, id: stageAfter, title: nil, context)
                data["enteredStageAt"] = .null
                data["historyEntryId"] = .null
                out.emit(.applicationStageChanged, read: nil, record: after, data: data)
            }
        }

        // Hire.
        if isHired(after, context), !(before.map { isHired($0, context) } ?? false) {
            var data = base
            data["stage"] = stageAfter.map { stageSummary(currentStage, id: $0, title: nil, context) } ?? .null
            out.emit(.applicationHired, read: currentEntry?.enteredStageAt, record: after, data: data)
        }

        // Archive and unarchive.
        let archivedBefore = before?.string("status") == "Archived"
        let archivedAfter = after.string("status") == "Archived"
        if archivedAfter, !archivedBefore {
            var data = base
            let reason = after["archiveReason"]
            data["archiveReason"] = reason.map { r -> JSONValue in
                r.isNull ? .null : ["id": r.orNull("id"), "text": r.orNull("text"), "reasonType": r.orNull("reasonType")]
            } ?? .null
            data["archivedAt"] = after.orNull("archivedAt")
            data["stage"] = stageAfter.map { stageSummary(currentStage, id: $0, title: nil, context) } ?? .null
            out.emit(.applicationArchived, read: after.timestamp("archivedAt"), record: after, data: data)
        } else if archivedBefore, !archivedAfter {
            var data = base
            data["stage"] = stageAfter.map { stageSummary(currentStage, id: $0, title: nil, context) } ?? .null
            out.emit(.applicationUnarchived, read: currentEntry?.enteredStageAt, record: after, data: data)
        }
    }

    /// Status `Hired`, or current stage of type `Hired` (from the record or the stage's own record).
    private func isHired(_ application: JSONValue, _ context: some ClassificationContext) -> Bool {
        if application.string("status") == "Hired" { return true }
        guard let stage = application["currentInterviewStage"] else { return false }
        if let type = stage.string("type") { return type == "Hired" }
        return stage.string("id").flatMap { context.currentRecord(EntityKey(.interviewStage, $0))?.string("type") } == "Hired"
    }

    /// The members every application event carries: ids, status, job summary. No candidate names.
    private func applicationBase(_ application: JSONValue, _ context: some ClassificationContext) -> JSONObject {
        [
            "applicationId": application.orNull("id"),
            "candidateId": application["candidate"].orNull("id"),
            "status": application.orNull("status"),
            "job": jobSummary(embedded: application["job"], id: application["job"]?.string("id"), context),
        ]
    }
}

extension EventClassifier {
    /// `{id, title, departmentId, locationId}` of a job, from an embedded summary completed by the
    /// job's own record; `null` without an id.
    func jobSummary(embedded: JSONValue?, id: String?, _ context: some ClassificationContext) -> JSONValue {
        guard let id else { return .null }
        let record = context.currentRecord(EntityKey(.job, id))
        func field(_ key: String) -> JSONValue {
            if let v = embedded?[key], !v.isNull { return v }
            return record.orNull(key)
        }
        return ["id": .string(id), "title": field("title"), "departmentId": field("departmentId"), "locationId": field("locationId")]
    }

    /// `{id, title, type, orderInInterviewPlan}` of a stage, from an embedded stage object, a history
    /// title and the stage's own record, in that order of preference.
    func stageSummary(_ embedded: JSONValue?, id: String, title: String?, _ context: some ClassificationContext) -> JSONValue {
        let record = context.currentRecord(EntityKey(.interviewStage, id))
        func field(_ key: String, _ fallback: String? = nil) -> JSONValue {
            if let v = embedded?[key], !v.isNull { return v }
            if let fallback { return .string(fallback) }
            return record.orNull(key)
        }
        return ["id": .string(id), "title": field("title", title), "type": field("type"),
                "orderInInterviewPlan": field("orderInInterviewPlan")]
    }
}
