import HireLedgerCore

/// Jobs and openings: creation, opening, closing, archiving and target-date slips.
extension WorldEngine {
    // MARK: jobs and openings

    func createJob(at t: Int64, openAt: Int64) {
        let dept = Int32(rng.below(world.departments.count))
        var top = dept
        while world.departments[Int(top)].parent >= 0 { top = world.departments[Int(top)].parent }
        let division = world.departments[Int(top)].name
        let role = rng.pick(FakeData.jobRoles[division] ?? ["Specialist"])
        let cityRows = (0..<world.locations.count).filter { !world.locations[$0].isHierarchy }
        let loc = Int32(rng.pick(cityRows))
        let locName = world.locations[Int(loc)].name
        let title = "\(rng.pick(FakeData.jobLevels))\(role)" + (rng.chance(0.4) ? " - \(locName)" : "")
        let enabled = world.users.indices.filter { world.users[$0].isEnabled }
        let hm = Int32(rng.pick(enabled)), recruiter = Int32(rng.pick(enabled))
        let row = Int32(world.jobs.count)
        let employment = ["FullTime", "PartTime", "Contract", "Intern", "Temporary"][rng.weighted([0.85, 0.04, 0.06, 0.04, 0.01])]
        world.jobs.append(JobRec(id: newID(), title: title, confidential: rng.chance(0.03), status: .Draft,
                                 employmentType: employment, location: loc, department: dept,
                                 plan: Int32(rng.below(world.plans.count)), posting: -1, hiringTeam: [hm, recruiter],
                                 author: recruiter, openings: [], interview: -1,
                                 createdAt: t, updatedAt: t, openedAt: nil, closedAt: nil))
        world.register(.job, world.jobs[Int(row)].id, row)
        world.jobs[Int(row)].changeSeq = world.bump(.job, row)
        world.note(.created, .job, world.jobs[Int(row)].id, at: t)
        if rng.chance(0.1) {
            addInterview(title: "\(role) Deep Dive", job: row, archived: false)
            world.jobs[Int(row)].interview = Int32(world.interviews.count - 1)
        }
        let prow = Int32(world.postings.count)
        world.postings.append(PostingRec(id: newID(), job: row, isListed: rng.chance(0.9), published: false,
                                         publishedDay: Int32(t / Self.day), workplaceType: world.locations[Int(loc)].workplaceType ?? "OnSite",
                                         createdAt: t, updatedAt: t))
        world.register(.jobPosting, world.postings[Int(prow)].id, prow)
        world.postings[Int(prow)].changeSeq = world.bump(.jobPosting, prow)
        world.note(.created, .jobPosting, world.postings[Int(prow)].id, at: t)
        world.jobs[Int(row)].posting = prow
        let n = rng.weighted([0.55, 0.4, 0.05]) + 1
        for _ in 0..<n {
            createOpening(job: row, at: t, state: rng.chance(0.7) ? .Approved : .Draft, backfill: rng.chance(0.15))
        }
        queue.push(.jobOpen(row), at: max(openAt, t + 1))
    }

    func createOpening(job: Int32, at t: Int64, state: OpeningState, backfill: Bool) {
        let j = world.jobs[Int(job)]
        openingCounter += 1
        let prefix = String(FakeData.slug(world.departments[Int(j.department)].name).prefix(3)).uppercased()
        let row = Int32(world.openings.count)
        let startDay = Int32(t / Self.day) + Int32(rng.int(45...150))
        world.openings.append(OpeningRec(
            id: newID(), versionId: newID(), identifier: "\(prefix.isEmpty ? "GEN" : prefix)-\(openingCounter)",
            author: j.author, versionCreatedAt: t, team: j.department, jobs: [job],
            targetHireDay: rng.chance(0.8) ? startDay - Int32(rng.int(14...30)) : nil,
            targetStartDay: rng.chance(0.9) ? startDay : nil, isBackfill: backfill, employmentType: j.employmentType,
            locations: [j.location], openedAt: state == .Open ? t : nil, closedAt: nil, isArchived: false,
            archivedAt: nil, closeReason: -1, state: state, heldByOffer: -1, createdAt: t, updatedAt: t))
        world.register(.opening, world.openings[Int(row)].id, row)
        world.openings[Int(row)].changeSeq = world.bump(.opening, row)
        world.note(.created, .opening, world.openings[Int(row)].id, at: t)
        world.jobs[Int(job)].openings.append(row)
    }

    func setOpeningState(_ o: Int32, _ state: OpeningState, at t: Int64) {
        let old = world.openings[Int(o)].state
        guard old != state else { return }
        world.openings[Int(o)].state = state
        switch state {
        case .Open: world.openings[Int(o)].openedAt = t
        case .Closed, .Filled: world.openings[Int(o)].closedAt = t
        default: break
        }
        world.touchOpening(o, at: t)
        world.note(.updated, .opening, world.openings[Int(o)].id, at: t, field: "openingState",
                   old: .string(old.rawValue), new: .string(state.rawValue))
    }

    func openJob(_ j: Int32, at t: Int64) {
        guard world.jobs[Int(j)].status == .Draft else { return }
        world.jobs[Int(j)].status = .Open
        world.jobs[Int(j)].openedAt = t
        world.touchJob(j, at: t)
        world.note(.updated, .job, world.jobs[Int(j)].id, at: t, field: "status", old: "Draft", new: "Open")
        for o in world.jobs[Int(j)].openings where world.openings[Int(o)].state == .Draft || world.openings[Int(o)].state == .Approved {
            setOpeningState(o, .Open, at: t)
        }
        let p = world.jobs[Int(j)].posting
        world.postings[Int(p)].published = true
        world.postings[Int(p)].publishedDay = Int32(t / Self.day)
        world.touchPosting(p, at: t)
        world.note(.updated, .jobPosting, world.postings[Int(p)].id, at: t, field: "isPublished", old: false, new: true)
        openJobPos[j] = openJobs.count
        openJobs.append(j)
        queue.push(.jobClose(j), at: workTime(after: t, delay: days(60...300)))
    }

    func closeJob(_ j: Int32, at t: Int64, reasonText: String) {
        guard world.jobs[Int(j)].status == .Open else { return }
        world.jobs[Int(j)].status = .Closed
        world.jobs[Int(j)].closedAt = t
        world.touchJob(j, at: t)
        world.note(.updated, .job, world.jobs[Int(j)].id, at: t, field: "status", old: "Open", new: "Closed")
        let reason = Int32(world.closeReasons.firstIndex { $0.reasonText == reasonText } ?? 0)
        for o in world.jobs[Int(j)].openings {
            let s = world.openings[Int(o)].state
            if s == .Open || s == .Approved || s == .Draft {
                world.openings[Int(o)].closeReason = reason
                setOpeningState(o, .Closed, at: t)
            }
        }
        let p = world.jobs[Int(j)].posting
        world.postings[Int(p)].published = false
        world.touchPosting(p, at: t)
        world.note(.updated, .jobPosting, world.postings[Int(p)].id, at: t, field: "isPublished", old: true, new: false)
        if let pos = openJobPos.removeValue(forKey: j) {
            let last = openJobs.removeLast()
            if pos < openJobs.count { openJobs[pos] = last; openJobPos[last] = pos }
        }
        if rng.chance(0.3) { queue.push(.jobArchive(j), at: workTime(after: t, delay: days(30...120))) }
    }

    func archiveJob(_ j: Int32, at t: Int64) {
        guard world.jobs[Int(j)].status == .Closed else { return }
        world.jobs[Int(j)].status = .Archived
        world.touchJob(j, at: t)
        world.note(.updated, .job, world.jobs[Int(j)].id, at: t, field: "status", old: "Closed", new: "Archived")
        for o in world.jobs[Int(j)].openings where !world.openings[Int(o)].isArchived {
            world.openings[Int(o)].isArchived = true
            world.openings[Int(o)].archivedAt = t
            world.touchOpening(o, at: t)
            world.note(.updated, .opening, world.openings[Int(o)].id, at: t, field: "isArchived", old: false, new: true)
        }
    }

    func slipOpening(at t: Int64) {
        guard !world.openings.isEmpty else { return }
        for _ in 0..<20 {
            let o = Int32(rng.below(world.openings.count))
            guard world.openings[Int(o)].state == .Open, !world.openings[Int(o)].isArchived,
                  let old = world.openings[Int(o)].targetStartDay else { continue }
            if behaviours.archiveOpenOpenings, rng.chance(0.2) {
                // Archived while still open: out of the plan, though `openingState` says `Open`.
                world.openings[Int(o)].isArchived = true
                world.openings[Int(o)].archivedAt = t
                world.touchOpening(o, at: t)
                world.note(.updated, .opening, world.openings[Int(o)].id, at: t, field: "isArchived", old: false, new: true)
                return
            }
            let new = old + Int32(rng.int(14...45))
            world.openings[Int(o)].targetStartDay = new
            world.openings[Int(o)].versionId = newID()
            world.openings[Int(o)].versionCreatedAt = t
            world.touchOpening(o, at: t)
            world.note(.updated, .opening, world.openings[Int(o)].id, at: t, field: "latestVersion.targetStartDate",
                       old: .string(CivilDate(daysSinceEpoch: Int(old)).iso8601), new: .string(CivilDate(daysSinceEpoch: Int(new)).iso8601))
            if behaviours.repeatedTargetDateChanges, rng.chance(0.5) {
                // Changed again an hour later: two versions between any two polls.
                let t2 = t + Self.hour
                let newer = new + Int32(rng.int(1...10))
                world.openings[Int(o)].targetStartDay = newer
                world.openings[Int(o)].versionId = newID()
                world.openings[Int(o)].versionCreatedAt = t2
                world.touchOpening(o, at: t2)
                world.note(.updated, .opening, world.openings[Int(o)].id, at: t2, field: "latestVersion.targetStartDate",
                           old: .string(CivilDate(daysSinceEpoch: Int(new)).iso8601),
                           new: .string(CivilDate(daysSinceEpoch: Int(newer)).iso8601))
            }
            return
        }
    }
}
