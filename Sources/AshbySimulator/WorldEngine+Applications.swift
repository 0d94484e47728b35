import HireLedgerCore

/// Candidates and applications: creation, stage moves, archiving and interview schedules.
extension WorldEngine {
    // MARK: candidates and applications

    func createCandidate(at t: Int64, source: Int32) -> Int32 {
        let first = rng.pick(FakeData.firstNames), last = rng.pick(FakeData.lastNames)
        let row = Int32(world.candidates.count)
        let handle = "\(FakeData.slug(first)).\(FakeData.slug(last))"
        let email = "\(handle)\(rng.chance(0.5) ? String(rng.int(1...99)) : "")@\(rng.pick(FakeData.emailDomains))"
        let phone: String? = rng.chance(0.85)
            ? (rng.chance(0.5) ? "+1 202-555-01\(rng.int(10...99))" : "+44 7700 900\(rng.int(100...999))") : nil
        let hasLoc = rng.chance(0.5)
        let cities = world.locations.indices.filter { !world.locations[$0].isHierarchy }
        world.candidates.append(CandidateRec(
            id: newID(), name: "\(first) \(last)", email: email,
            altEmail: rng.chance(0.2) ? "\(handle)@work.example" : nil, phone: phone,
            position: rng.chance(0.7) ? rng.pick(FakeData.positions) : nil,
            company: rng.chance(0.7) ? rng.pick(FakeData.companies) : nil, school: rng.pick(FakeData.schools),
            applications: [], resumeId: rng.chance(0.7) ? newID() : nil,
            tags: rng.chance(0.1) ? [Int32(rng.below(world.tags.count - 1))] : [], source: source,
            creditedTo: world.sources[Int(source)].typeTitle == "Referral" ? Int32(rng.below(world.users.count)) : -1,
            timezone: rng.chance(0.4) ? rng.pick(FakeData.timezones) : nil,
            location: hasLoc ? Int32(rng.pick(cities)) : -1,
            linkedIn: rng.chance(0.6) ? "https://linkedin.com/in/\(handle)-\(rng.int(1000...9999))" : nil,
            createdAt: t, updatedAt: t))
        world.register(.candidate, world.candidates[Int(row)].id, row)
        world.candidates[Int(row)].changeSeq = world.bump(.candidate, row)
        world.note(.created, .candidate, world.candidates[Int(row)].id, at: t)
        livePos.append(Int32(liveCandidates.count))
        liveCandidates.append(row)
        return row
    }

    func removeLive(_ c: Int32) {
        let pos = Int(livePos[Int(c)])
        guard pos >= 0 else { return }
        let last = liveCandidates.removeLast()
        if pos < liveCandidates.count { liveCandidates[pos] = last; livePos[Int(last)] = Int32(pos) }
        livePos[Int(c)] = -1
    }

    func createApplication(at t: Int64) {
        guard !openJobs.isEmpty else { return }
        let job = openJobs[rng.below(openJobs.count)]
        let activeSources = world.sources.indices.filter { !world.sources[$0].isArchived }
        let source = Int32(activeSources[rng.weighted(activeSources.map { [0.3, 0.15, 0.1, 0.05, 0.08, 0.04, 0.06, 0.08, 0.03, 0.04, 0.02, 0.02, 0.03][$0 % 13] })])
        let candidate: Int32
        if liveCandidates.isEmpty || rng.chance(targets.candidateShare) {
            candidate = createCandidate(at: t, source: source)
        } else {
            candidate = liveCandidates[rng.below(liveCandidates.count)]
        }
        let plan = world.plans[Int(world.jobs[Int(job)].plan)]
        let sourced = world.sources[Int(source)].isSourced
        let stage = sourced ? plan.stages[0] : plan.stages[1]
        let row = Int32(world.applications.count)
        let user = world.sources[Int(source)].typeTitle == "Referral" || sourced ? Int32(rng.below(world.users.count)) : -1
        world.applications.append(ApplicationRec(
            id: newID(), candidate: candidate, job: job, stage: stage, status: sourced ? .Lead : .Active, source: source,
            creditedTo: user, archiveReason: -1, archivedAt: nil,
            history: [HistoryRec(id: newID(), stage: stage, enteredAt: t, leftAt: nil, actor: -1)],
            posting: sourced ? -1 : world.jobs[Int(job)].posting, offers: [], createdAt: t, updatedAt: t))
        world.register(.application, world.applications[Int(row)].id, row)
        world.applications[Int(row)].changeSeq = world.bump(.application, row)
        world.note(.created, .application, world.applications[Int(row)].id, at: t)
        let oldIds = world.candidates[Int(candidate)].applications
        world.candidates[Int(candidate)].applications.append(row)
        if world.candidates[Int(candidate)].createdAt != t || oldIds.count > 0 {
            world.touchCandidate(candidate, at: t)
            world.note(.updated, .candidate, world.candidates[Int(candidate)].id, at: t, field: "applicationIds",
                       old: idArray(oldIds, \.applications), new: idArray(world.candidates[Int(candidate)].applications, \.applications))
        }
        queue.push(.applicationStep(row), at: workTime(after: t, delay: Int64(rng.exponential(mean: 3) * Double(Self.day))))
    }

    func idArray(_ rows: [Int32], _ kp: KeyPath<CandidateRec, [Int32]>) -> JSONValue {
        .array(rows.map { .string(world.applications[Int($0)].id.string) })
    }

    /// Moves an application to `stage` at `t`, chaining history: the new entry's enteredStageAt is `t`, the
    /// previous entry's leftStageAt 3 ms earlier (the gap seen in Ashby's recordings).
    func moveStage(_ a: Int32, to stage: Int32, at t: Int64, actor: Int32) -> Int64 {
        let entered = t
        let oldStage = world.applications[Int(a)].stage
        let oldStatus = world.applications[Int(a)].status
        let last = world.applications[Int(a)].history.count - 1
        world.applications[Int(a)].history[last].leftAt = t - 3
        world.applications[Int(a)].history.append(HistoryRec(id: newID(), stage: stage, enteredAt: entered, leftAt: nil, actor: actor))
        world.applications[Int(a)].stage = stage
        let status: ApplicationStatus
        switch world.stages[Int(stage)].type {
        case .Lead: status = .Lead
        case .Hired: status = .Hired
        case .Archived: status = .Archived
        default: status = .Active
        }
        world.applications[Int(a)].status = status
        world.touchApplication(a, at: entered)
        let id = world.applications[Int(a)].id
        world.note(.updated, .application, id, at: entered, field: "currentInterviewStage.id",
                   old: .string(world.stages[Int(oldStage)].id.string), new: .string(world.stages[Int(stage)].id.string))
        if status != oldStatus {
            world.note(.updated, .application, id, at: entered, field: "status", old: .string(oldStatus.rawValue), new: .string(status.rawValue))
        }
        return entered
    }

    func archive(_ a: Int32, reasonText: String?, at t: Int64) {
        let app = world.applications[Int(a)]
        let plan = world.plans[Int(world.stages[Int(app.stage)].plan)]
        let archivedStage = plan.stages.last!
        let reason: Int32
        if let reasonText, let r = world.archiveReasons.firstIndex(where: { $0.text == reasonText }) {
            reason = Int32(r)
        } else {
            let usable = world.archiveReasons.indices.filter { !world.archiveReasons[$0].isArchived }
            reason = Int32(usable[rng.weighted(usable.map { [0.35, 0.15, 0.15, 0.04, 0.02, 0.08, 0.02, 0.08, 0.0, 0.06, 0.05][$0 % 11] })])
        }
        world.applications[Int(a)].archiveReason = reason
        let entered = moveStage(a, to: archivedStage, at: t, actor: world.jobs[Int(app.job)].hiringTeam[1])
        world.applications[Int(a)].archivedAt = entered
        let id = world.applications[Int(a)].id
        world.note(.updated, .application, id, at: entered, field: "archiveReason.id", old: .null, new: .string(world.archiveReasons[Int(reason)].id.string))
        world.note(.updated, .application, id, at: entered, field: "archivedAt", old: nil, new: .string(Timestamp(millisecondsSinceEpoch: entered).iso8601))
    }

    func stepApplication(_ a: Int32, at t: Int64) {
        let app = world.applications[Int(a)]
        guard !app.deleted, app.status == .Active || app.status == .Lead else { return }
        let stage = world.stages[Int(app.stage)]
        let plan = world.plans[Int(stage.plan)]
        let job = world.jobs[Int(app.job)]
        if job.status != .Open && rng.chance(0.6) { archive(a, reasonText: "Position Closed", at: t); return }
        let pArchive: Double
        switch stage.type {
        case .Lead: pArchive = 0.4
        case .PreInterviewScreen: pArchive = 0.55
        case .Active: pArchive = 0.4
        default: return
        }
        if rng.chance(pArchive) { archive(a, reasonText: nil, at: t); return }
        let next = plan.stages[stage.order + 1]
        if behaviours.backwardStageMoves, stage.type == .Active, world.stages[Int(next)].type == .Active, rng.chance(0.5) {
            // Moved on by mistake and moved back: A→B→A within a few hours.
            let moved = moveStage(a, to: next, at: t, actor: job.hiringTeam[1])
            let back = moveStage(a, to: app.stage, at: moved + Self.hour + Int64(rng.below(Int(3 * Self.hour))), actor: job.hiringTeam[1])
            queue.push(.applicationStep(a), at: workTime(after: back, delay: Int64(rng.exponential(mean: 2) * Double(Self.day))))
            return
        }
        let entered = moveStage(a, to: next, at: t, actor: job.hiringTeam[1])
        switch world.stages[Int(next)].type {
        case .Active: createSchedule(a, stage: next, at: entered)
        case .Offer: createOffer(a, at: entered)
        default:
            queue.push(.applicationStep(a), at: workTime(after: entered, delay: Int64(rng.exponential(mean: 3) * Double(Self.day))))
        }
    }

    func createSchedule(_ a: Int32, stage: Int32, at t: Int64) {
        let app = world.applications[Int(a)]
        let job = world.jobs[Int(app.job)]
        let title = world.stages[Int(stage)].title
        let names: [String] = title == "Recruiter Screen" ? ["Recruiter Screen"]
            : title == "Technical Interview" ? ["Technical Interview"] : ["System Design", "Values Interview", "Debrief"]
        var start = workTime(after: t, delay: days(1...4))
        var events: [InterviewEventRec] = []
        let row = Int32(world.schedules.count)
        let scheduleId = newID()
        for name in names {
            var interview = Int32(world.interviews.firstIndex { $0.title == name && $0.job < 0 } ?? 0)
            if name == "Technical Interview", job.interview >= 0 { interview = job.interview }
            let minutes: Int64 = name == "Recruiter Screen" ? 30 : name == "Debrief" ? 30 : 60
            let interviewers = name == "Recruiter Screen" ? [job.hiringTeam[1]] : [job.hiringTeam[0], Int32(rng.below(world.users.count))]
            events.append(InterviewEventRec(id: newID(), interview: interview, interviewers: interviewers, createdAt: t, updatedAt: t,
                                            start: start, end: start + minutes * 60_000, hasSubmittedFeedback: false,
                                            meetingLink: rng.chance(0.7) ? "https://meet.example/\(scheduleId.lo % 1_000_000)" : nil))
            start += (minutes + 15) * 60_000
        }
        world.schedules.append(ScheduleRec(id: scheduleId, status: "Scheduled", application: a, stage: stage,
                                           scheduledBy: job.hiringTeam[1], events: events, createdAt: t, updatedAt: t))
        world.register(.interviewSchedule, scheduleId, row)
        world.schedules[Int(row)].changeSeq = world.bump(.interviewSchedule, row)
        world.note(.created, .interviewSchedule, scheduleId, at: t)
        queue.push(.scheduleComplete(row), at: events.last!.end + Int64(rng.int(1...20)) * Self.hour)
    }

    func completeSchedule(_ s: Int32, at t: Int64) {
        guard !world.schedules[Int(s)].deleted else { return }
        world.schedules[Int(s)].status = "Complete"
        for i in world.schedules[Int(s)].events.indices {
            world.schedules[Int(s)].events[i].hasSubmittedFeedback = true
            world.schedules[Int(s)].events[i].updatedAt = t
        }
        world.touchSchedule(s, at: t)
        world.note(.updated, .interviewSchedule, world.schedules[Int(s)].id, at: t, field: "status", old: "Scheduled", new: "Complete")
        let a = world.schedules[Int(s)].application
        queue.push(.applicationStep(a), at: workTime(after: t, delay: Int64(rng.exponential(mean: 1.5) * Double(Self.day))))
    }
}
