import HireLedgerCore

/// A synthetic log for view tests, shaped like a sync's output: per application a
/// `record.application.created` and its `application.stage_changed`, then three moves (a
/// `record.application.updated` and a `stage_changed` each), and for every tenth application an
/// `application.hired` (so the plan-changes view changes too). 8 or 9 events per application; the
/// domain events' data is encoded by the payload types, as the classifier does.
public enum SyntheticViewLog {
    /// The events for applications `first..<first + count`, observed one minute apart from `start`.
    public static func events(applications range: Range<Int>, start: Timestamp) -> [PendingEvent] {
        var out: [PendingEvent] = []
        out.reserveCapacity(range.count * 9)
        let stages = (0..<5).map { i in
            StageSummary(id: "stage-\(i)", title: "Stage \(i)", type: i == 4 ? "Hired" : "Active", orderInInterviewPlan: i + 1)
        }
        var minute = Int64(0)
        for a in range {
            let id = "app-\(a)", key = EntityKey(.application, id)
            let job = JobSummary(id: "job-\(a % 40)", title: "Job \(a % 40)", departmentId: "dep-\(a % 7)", locationId: "loc-1")
            let base = ApplicationEvent.Application(applicationId: id, candidateId: "cand-\(a)", status: "Active", job: job)
            func add(_ type: EventType, _ data: JSONValue) {
                minute += 1
                let t = Timestamp(millisecondsSinceEpoch: start.millisecondsSinceEpoch + minute * 60_000)
                out.append(PendingEvent(type: type, subject: key, observedAt: t, occurredAt: t, occurredAtInferred: false, data: data))
            }
            add(.record(.application, .created), ["record": ["id": .string(id), "status": "Active", "job": ["id": .string(job.id)]]])
            add(ApplicationEvent.StageChanged.type,
                ApplicationEvent.StageChanged(application: base, fromStage: nil, toStage: stages[0], enteredStageAt: nil,
                                              historyEntryId: nil).data)
            let hired = a % 10 == 0
            for s in 1...3 {
                let to = hired && s == 3 ? stages[4] : stages[s]
                add(.record(.application, .updated), ["patch": [["op": "replace", "path": "/currentInterviewStage/id", "value": .string(to.id)]],
                                                      "changes": ["currentInterviewStage": ["after": ["id": .string(to.id)]]]])
                add(ApplicationEvent.StageChanged.type,
                    ApplicationEvent.StageChanged(application: base, fromStage: stages[s - 1], toStage: to, enteredStageAt: nil,
                                                  historyEntryId: nil).data)
            }
            if hired {
                var h = base
                h.status = "Hired"
                add(ApplicationEvent.Hired.type, ApplicationEvent.Hired(application: h, stage: stages[4]).data)
            }
        }
        return out
    }
}
