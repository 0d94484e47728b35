import HireLedgerCore

/// Generates a world from a seed and evolves it through simulated time.
///
/// History before the simulated start is produced by the same event machinery as later days, so the
/// start state is consistent by construction (every application's history chains, every hire has an
/// accepted offer, every filled opening a hire). All randomness comes from one `SeededRandom`, and
/// events run in (time, insertion) order, so the same seed and the same advances give the same world.
final class WorldEngine {
    static let day: Int64 = 86_400_000
    static let hour: Int64 = 3_600_000

    let world = World()
    private var rng: SeededRandom
    private var queue = EventQueue()
    private let targets: WorldSize.Targets
    private(set) var now: Int64
    private var openJobs: [Int32] = []
    private var openJobPos: [Int32: Int] = [:]
    private var liveCandidates: [Int32] = []
    private var livePos: [Int32] = []
    private var openingCounter = 0
    private let appsPerDay: Double
    private let jobsPerDay: Double

    init(configuration: SimulatorConfiguration) {
        rng = SeededRandom(seed: configuration.seed, stream: 1)
        targets = configuration.size.targets
        let start = configuration.start.millisecondsSinceEpoch
        let origin = (start / Self.day - Int64(targets.historyDays)) * Self.day
        now = origin
        appsPerDay = Double(targets.applications) / Double(targets.historyDays)
        jobsPerDay = 0.7 * Double(targets.jobs) / Double(targets.historyDays)
        world.openingsEnabled = configuration.openingsEnabled
        buildStaticData(at: origin - 120 * Self.day)
        let initialJobs = max(2, Int(0.3 * Double(targets.jobs)))
        for _ in 0..<initialJobs {
            let created = origin - Int64(rng.int(5...60)) * Self.day + Int64(rng.below(Int(Self.day)))
            createJob(at: created, openAt: origin - Int64(rng.int(0...4)) * Self.day + Int64(rng.below(Int(Self.day))))
        }
        // Initial jobs open before the origin: run those openings now, in time order.
        run(until: origin)
        queue.push(.dayStart(day: Int32(origin / Self.day)), at: origin)
        run(until: start)
        now = start
        world.journalling = true
    }

    /// Runs every event before `end`, then sets the clock to `end`.
    func advance(to end: Int64) {
        run(until: end)
        now = max(now, end)
    }

    private func run(until end: Int64) {
        while let t = queue.nextTime, t < end {
            let (at, event) = queue.pop()!
            now = at
            handle(event, at: at)
        }
    }

    // MARK: static data

    private func newID() -> SimID { SimID.random(&rng) }

    private func buildStaticData(at t0: Int64) {
        world.brandId = newID()
        for type in [StageType.Lead, .PreInterviewScreen, .Active, .Offer, .Hired, .Archived] {
            world.stageGroupIds[type] = newID()
        }
        // Users.
        let roles = ["Organization Admin", "Elevated Access", "Limited Access", "External Recruiter"]
        for i in 0..<targets.users {
            addUser(at: t0 + Int64(i) * 60_000, role: i < 3 ? roles[0] : roles[rng.weighted([0.05, 0.35, 0.55, 0.05])])
        }
        for i in 0..<world.users.count where i >= 3 && rng.chance(0.05) { world.users[i].isEnabled = false }
        // Departments: divisions, then teams under random existing departments (a tree up to 4 deep).
        let divisionCount = min(FakeData.divisions.count, max(2, targets.departments / 8))
        var depth: [Int] = []
        for i in 0..<targets.departments {
            let parent: Int32
            let name: String
            if i < divisionCount {
                parent = -1; name = FakeData.divisions[i]
            } else {
                var p = rng.below(world.departments.count)
                while depth[p] >= 3 { p = rng.below(world.departments.count) }
                parent = Int32(p)
                name = rng.pick(FakeData.teamWords) + rng.pick(FakeData.teamSuffixes)
            }
            depth.append(parent < 0 ? 0 : depth[Int(parent)] + 1)
            let t = t0 + Int64(i) * 1_000
            let row = Int32(world.departments.count)
            world.departments.append(DepartmentRec(id: newID(), name: name, parent: parent, isArchived: false,
                                                   createdAt: t, updatedAt: t))
            world.register(.department, world.departments[Int(row)].id, row)
            world.departments[Int(row)].changeSeq = world.bump(.department, row)
        }
        // Locations: hierarchies (regions, hidden by default) then cities.
        let regions = ["North America", "Europe", "Asia Pacific"]
        for r in regions {
            addLocation(LocationRec(id: newID(), name: r, country: "", region: nil, city: nil, street: nil, postalCode: nil,
                                    workplaceType: nil, parent: -1, isHierarchy: true, isArchived: false, createdAt: t0))
        }
        for i in 0..<targets.locations {
            let (city, region, country) = FakeData.cities[i % FakeData.cities.count]
            let remote = i == 0 && targets.locations > 3
            let parent: Int32 = ["United States", "Canada", "Mexico", "Brazil", "Argentina"].contains(country) ? 0
                : ["India", "Singapore", "Japan", "South Korea", "Australia", "New Zealand"].contains(country) ? 2 : 1
            addLocation(LocationRec(
                id: newID(), name: remote ? "Remote" : (i >= FakeData.cities.count ? "\(city) \(i / FakeData.cities.count + 1)" : city),
                country: country, region: region, city: city,
                street: rng.chance(0.6) ? "\(rng.int(1...400)) \(rng.pick(["Market", "Main", "King", "Harbour", "Station"])) Street" : nil,
                postalCode: rng.chance(0.6) ? String(rng.int(10000...99999)) : nil,
                workplaceType: remote ? "Remote" : rng.pick(["OnSite", "Hybrid", "Hybrid", "OnSite"]),
                parent: parent, isHierarchy: false, isArchived: false, createdAt: t0 + Int64(i) * 1000))
        }
        // Hiring process metadata.
        let reasons: [(String, String)] = [
            ("Lacks Skills/Qualifications", "RejectedByOrg"), ("Not Enough Experience", "RejectedByOrg"),
            ("Better Qualified Candidate", "RejectedByOrg"), ("Location Mismatch", "RejectedByOrg"),
            ("Position Closed", "Other"), ("Unresponsive", "Other"), ("Duplicate", "Other"),
            ("Withdrew", "RejectedByCandidate"), ("Offer Declined", "RejectedByCandidate"),
            ("Compensation Mismatch", "RejectedByCandidate"), ("Accepted Another Offer", "RejectedByCandidate"),
            ("Legacy Reason", "Other"),
        ]
        for (text, type) in reasons {
            let row = Int32(world.archiveReasons.count)
            world.archiveReasons.append(ArchiveReasonRec(id: newID(), text: text, reasonType: type, isArchived: text == "Legacy Reason"))
            world.archiveReasons[Int(row)].changeSeq = world.bump(.archiveReason, row)
        }
        for text in ["Hired", "Budget Cut", "Role Redefined", "Filled Internally", "Hiring Freeze", "Old Reason"] {
            let row = Int32(world.closeReasons.count)
            world.closeReasons.append(CloseReasonRec(id: newID(), reasonText: text, isArchived: text == "Old Reason"))
            world.closeReasons[Int(row)].changeSeq = world.bump(.closeReason, row)
        }
        var typeIds: [String: SimID] = [:]
        for t in ["Inbound", "Referral", "Sourced", "Agency", "Event", "Other"] { typeIds[t] = newID() }
        let sources: [(String, String)] = [
            ("Applied", "Inbound"), ("LinkedIn", "Inbound"), ("Company Website", "Inbound"), ("Indeed", "Inbound"),
            ("Referral", "Referral"), ("Employee Referral", "Referral"), ("Sourced", "Sourced"),
            ("LinkedIn Recruiter", "Sourced"), ("GitHub", "Sourced"), ("Agency", "Agency"), ("Career Fair", "Event"),
            ("Meetup", "Event"), ("Other", "Other"), ("Old Job Board", "Inbound"),
        ]
        for (title, type) in sources {
            let row = Int32(world.sources.count)
            world.sources.append(SourceRec(id: newID(), title: title, typeId: typeIds[type]!, typeTitle: type,
                                           isArchived: title == "Old Job Board", isSourced: type == "Sourced"))
            world.sources[Int(row)].changeSeq = world.bump(.source, row)
        }
        for title in ["Strong Referral", "Silver Medalist", "Relocation Needed", "Visa Sponsorship", "Diversity Sourcing", "Old Tag"] {
            addTag(title: title, at: t0, archived: title == "Old Tag")
        }
        let fields: [(String, String, String, [String])] = [
            ("Cost Center", "Job", "ValueSelect", ["R&D", "G&A", "S&M"]), ("Priority", "Opening", "ValueSelect", ["P0", "P1", "P2"]),
            ("Visa Required", "Candidate", "Boolean", []), ("Notice Period (weeks)", "Candidate", "Number", []),
            ("Signing Bonus", "Offer", "Currency", []), ("Referral Notes", "Application", "LongText", []),
            ("Legacy Field", "Job", "String", []),
        ]
        for (title, object, type, values) in fields {
            let row = Int32(world.customFields.count)
            world.customFields.append(CustomFieldRec(id: newID(), title: title, objectType: object, fieldType: type,
                                                     isArchived: title == "Legacy Field", isRequired: false,
                                                     isPrivate: title == "Signing Bonus", selectableValues: values))
            world.customFields[Int(row)].changeSeq = world.bump(.customField, row)
        }
        // Interview plans and their stages.
        for p in 0..<targets.interviewPlans {
            let planRow = Int32(world.plans.count)
            let t = t0 + Int64(p) * 10_000
            var stageRows: [Int32] = []
            var layout: [(String, StageType)] = [("New Lead", .Lead), ("Application Review", .PreInterviewScreen),
                                                 ("Recruiter Screen", .Active), ("Technical Interview", .Active)]
            if p % 3 != 2 { layout.append(("Onsite", .Active)) }
            layout += [("Offer", .Offer), ("Hired", .Hired), ("Archived", .Archived)]
            for (order, (title, type)) in layout.enumerated() {
                let row = Int32(world.stages.count)
                world.stages.append(StageRec(id: newID(), title: title, type: type, order: order,
                                             groupId: world.stageGroupIds[type]!, plan: planRow))
                world.register(.interviewStage, world.stages[Int(row)].id, row)
                world.stages[Int(row)].changeSeq = world.bump(.interviewStage, row)
                stageRows.append(row)
            }
            let title = p == 0 ? "Default Interview Plan" : "\(FakeData.divisions[p % FakeData.divisions.count]) Interview Plan \(p / FakeData.divisions.count + 1)"
            world.plans.append(PlanRec(id: newID(), title: title, isArchived: false, createdAt: t, updatedAt: t, stages: stageRows))
            world.register(.interviewPlan, world.plans[Int(planRow)].id, planRow)
            world.plans[Int(planRow)].changeSeq = world.bump(.interviewPlan, planRow)
        }
        for title in ["Recruiter Screen", "Technical Interview", "System Design", "Onsite Loop", "Hiring Manager Chat",
                      "Values Interview", "Debrief", "Portfolio Review", "Legacy Phone Screen"] {
            addInterview(title: title, job: -1, archived: title.hasPrefix("Legacy"))
        }
    }

    private func addUser(at t: Int64, role: String) {
        let first = rng.pick(FakeData.firstNames), last = rng.pick(FakeData.lastNames)
        let row = Int32(world.users.count)
        world.users.append(UserRec(id: newID(), firstName: first, lastName: last,
                                   email: "\(FakeData.slug(first)).\(FakeData.slug(last))\(row)@simcorp.example",
                                   globalRole: role, isEnabled: true, createdAt: t, updatedAt: t))
        world.register(.user, world.users[Int(row)].id, row)
        world.users[Int(row)].changeSeq = world.bump(.user, row)
        world.note(.created, .user, world.users[Int(row)].id, at: t)
    }

    private func addLocation(_ rec: LocationRec) {
        let row = Int32(world.locations.count)
        world.locations.append(rec)
        world.register(.location, rec.id, row)
        world.locations[Int(row)].changeSeq = world.bump(.location, row)
    }

    private func addTag(title: String, at t: Int64, archived: Bool) {
        let row = Int32(world.tags.count)
        world.tags.append(TagRec(id: newID(), title: title, isArchived: archived, createdAt: t))
        world.tags[Int(row)].changeSeq = world.bump(.candidateTag, row)
        world.note(.created, .candidateTag, world.tags[Int(row)].id, at: t)
    }

    private func addInterview(title: String, job: Int32, archived: Bool) {
        let row = Int32(world.interviews.count)
        world.interviews.append(InterviewRec(id: newID(), title: title, isArchived: archived, isDebrief: title == "Debrief",
                                             job: job, feedbackFormId: newID()))
        world.register(.interview, world.interviews[Int(row)].id, row)
        world.interviews[Int(row)].changeSeq = world.bump(.interview, row)
        world.note(.created, .interview, world.interviews[Int(row)].id, at: now)
    }

    // MARK: time helpers

    /// A working-hours time on the day `delay` after `t`, never before `t`.
    private func workTime(after t: Int64, delay: Int64) -> Int64 {
        let d = (t + delay) / Self.day
        var at = d * Self.day + 8 * Self.hour + Int64(rng.below(Int(11 * Self.hour)))
        if at <= t { at = t + 1 + Int64(rng.below(Int(2 * Self.hour))) }
        return at
    }

    private func days(_ range: ClosedRange<Int>) -> Int64 { Int64(rng.int(range)) * Self.day }

    private func count(mean: Double) -> Int {
        let x = mean * (0.85 + 0.3 * rng.unit())
        return Int(x) + (rng.chance(x - Double(Int(x))) ? 1 : 0)
    }

    // MARK: events

    private func handle(_ event: WorldEvent, at t: Int64) {
        switch event {
        case .dayStart(let d): startDay(Int64(d), at: t)
        case .newApplication: createApplication(at: t)
        case .newJob: createJob(at: t, openAt: workTime(after: t, delay: days(1...12)))
        case .applicationStep(let a): stepApplication(a, at: t)
        case .scheduleComplete(let s): completeSchedule(s, at: t)
        case .offerDecision(let o): decideOffer(o, at: t)
        case .hire(let o): hire(o, at: t)
        case .jobOpen(let j): openJob(j, at: t)
        case .jobClose(let j): closeJob(j, at: t, reasonText: "Hiring Freeze")
        case .jobArchive(let j): archiveJob(j, at: t)
        case .mergeCandidates: mergeCandidates(at: t)
        case .deleteCandidate: deleteCandidate(at: t)
        case .reorganiseDepartment: reorganiseDepartment(at: t)
        case .userChange: changeUsers(at: t)
        case .candidateProfileChange: changeCandidateProfile(at: t)
        case .openingSlip: slipOpening(at: t)
        case .newOpening:
            // Extra headcount approved on an open job.
            if !openJobs.isEmpty { createOpening(job: openJobs[rng.below(openJobs.count)], at: t, state: .Open, backfill: rng.chance(0.3)) }
        case .newTag: addTag(title: "\(rng.pick(FakeData.teamWords)) Pipeline \(world.tags.count)", at: t, archived: false)
        }
    }

    private func startDay(_ d: Int64, at t: Int64) {
        let dow = (d + 3) % 7  // 0 = Monday (1970-01-01 was a Thursday)
        let weekend = dow >= 5
        let factor = weekend ? 0.5 : 1.2
        let base = d * Self.day
        func spread(_ event: WorldEvent, _ n: Int, work: Bool) {
            for _ in 0..<n {
                let at = work ? base + 8 * Self.hour + Int64(rng.below(Int(11 * Self.hour)))
                    : base + 6 * Self.hour + Int64(rng.below(Int(17 * Self.hour)))
                queue.push(event, at: at)
            }
        }
        let apps = appsPerDay * factor
        spread(.newApplication, count(mean: apps), work: false)
        spread(.newJob, count(mean: jobsPerDay * factor), work: true)
        // Keep a floor of open jobs: a small account whose few jobs all closed would stop receiving
        // applications altogether, which real accounts with an active hiring team do not.
        let floor = max(2, targets.jobs * 15 / 100)
        if openJobs.count < floor && !weekend { spread(.newJob, min(floor - openJobs.count, max(1, targets.jobs / 200)), work: true) }
        spread(.candidateProfileChange, count(mean: apps * 0.3), work: false)
        spread(.mergeCandidates, count(mean: apps * 0.01), work: true)
        spread(.deleteCandidate, count(mean: apps * 0.004), work: true)
        spread(.reorganiseDepartment, count(mean: 0.03 + Double(targets.departments) * 0.0004), work: true)
        spread(.userChange, count(mean: Double(targets.users) * 0.002), work: true)
        spread(.openingSlip, count(mean: Double(targets.jobs) * 0.01), work: true)
        spread(.newOpening, count(mean: Double(targets.jobs) * 0.0015), work: true)
        spread(.newTag, count(mean: 0.02), work: true)
        queue.push(.dayStart(day: Int32(d + 1)), at: base + Self.day)
    }

    // MARK: jobs and openings

    private func createJob(at t: Int64, openAt: Int64) {
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

    private func createOpening(job: Int32, at t: Int64, state: OpeningState, backfill: Bool) {
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

    private func setOpeningState(_ o: Int32, _ state: OpeningState, at t: Int64) {
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

    private func openJob(_ j: Int32, at t: Int64) {
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

    private func closeJob(_ j: Int32, at t: Int64, reasonText: String) {
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

    private func archiveJob(_ j: Int32, at t: Int64) {
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

    private func slipOpening(at t: Int64) {
        guard !world.openings.isEmpty else { return }
        for _ in 0..<20 {
            let o = Int32(rng.below(world.openings.count))
            guard world.openings[Int(o)].state == .Open, let old = world.openings[Int(o)].targetStartDay else { continue }
            let new = old + Int32(rng.int(14...45))
            world.openings[Int(o)].targetStartDay = new
            world.openings[Int(o)].versionId = newID()
            world.openings[Int(o)].versionCreatedAt = t
            world.touchOpening(o, at: t)
            world.note(.updated, .opening, world.openings[Int(o)].id, at: t, field: "latestVersion.targetStartDate",
                       old: .string(CivilDate(daysSinceEpoch: Int(old)).iso8601), new: .string(CivilDate(daysSinceEpoch: Int(new)).iso8601))
            return
        }
    }

    // MARK: candidates and applications

    private func createCandidate(at t: Int64, source: Int32) -> Int32 {
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

    private func removeLive(_ c: Int32) {
        let pos = Int(livePos[Int(c)])
        guard pos >= 0 else { return }
        let last = liveCandidates.removeLast()
        if pos < liveCandidates.count { liveCandidates[pos] = last; livePos[Int(last)] = Int32(pos) }
        livePos[Int(c)] = -1
    }

    private func createApplication(at t: Int64) {
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

    private func idArray(_ rows: [Int32], _ kp: KeyPath<CandidateRec, [Int32]>) -> JSONValue {
        .array(rows.map { .string(world.applications[Int($0)].id.string) })
    }

    /// Moves an application to `stage` at `t`, chaining history: the new entry's enteredStageAt is `t`, the
    /// previous entry's leftStageAt 3 ms earlier (the gap seen in Ashby's recordings).
    private func moveStage(_ a: Int32, to stage: Int32, at t: Int64, actor: Int32) -> Int64 {
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

    private func archive(_ a: Int32, reasonText: String?, at t: Int64) {
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

    private func stepApplication(_ a: Int32, at t: Int64) {
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
        let entered = moveStage(a, to: next, at: t, actor: job.hiringTeam[1])
        switch world.stages[Int(next)].type {
        case .Active: createSchedule(a, stage: next, at: entered)
        case .Offer: createOffer(a, at: entered)
        default:
            queue.push(.applicationStep(a), at: workTime(after: entered, delay: Int64(rng.exponential(mean: 3) * Double(Self.day))))
        }
    }

    private func createSchedule(_ a: Int32, stage: Int32, at t: Int64) {
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

    private func completeSchedule(_ s: Int32, at t: Int64) {
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

    // MARK: offers and hires

    private func createOffer(_ a: Int32, at t: Int64) {
        let app = world.applications[Int(a)]
        let job = world.jobs[Int(app.job)]
        var opening: Int32 = -1
        for o in job.openings where world.openings[Int(o)].state == .Open && world.openings[Int(o)].heldByOffer < 0 {
            opening = o; break
        }
        let row = Int32(world.offers.count)
        if opening >= 0 { world.openings[Int(opening)].heldByOffer = row }
        let country = world.locations[Int(job.location)].country
        let currency = FakeData.currencies[country] ?? "USD"
        let level = job.title.hasPrefix("Senior") ? 1.3 : job.title.hasPrefix("Staff") || job.title.hasPrefix("Principal") ? 1.6
            : job.title.hasPrefix("Junior") ? 0.7 : 1.0
        var salary = Int(Double(rng.int(70...140)) * 1000 * level)
        if currency == "JPY" { salary *= 150 } else if currency == "INR" { salary *= 40 } else if ["SEK", "NOK", "DKK"].contains(currency) { salary *= 10 }
        let version = OfferVersionRec(id: newID(), startDay: Int32(t / Self.day) + Int32(rng.int(21...60)), currency: currency,
                                      salary: salary / 1000 * 1000, createdAt: t, opening: opening, author: job.hiringTeam[1])
        world.offers.append(OfferRec(id: newID(), application: a, acceptanceStatus: "WaitingOnResponse",
                                     offerStatus: "WaitingOnCandidateResponse", decidedAt: nil, versions: [version],
                                     createdAt: t, updatedAt: t))
        world.register(.offer, world.offers[Int(row)].id, row)
        world.offers[Int(row)].changeSeq = world.bump(.offer, row)
        world.note(.created, .offer, world.offers[Int(row)].id, at: t)
        world.applications[Int(a)].offers.append(row)
        queue.push(.offerDecision(row), at: workTime(after: t, delay: days(1...7)))
    }

    private func releaseOpening(of o: Int32) {
        let opening = world.offers[Int(o)].versions.last!.opening
        if opening >= 0, world.openings[Int(opening)].heldByOffer == o { world.openings[Int(opening)].heldByOffer = -1 }
    }

    private func decideOffer(_ o: Int32, at t: Int64) {
        let offer = world.offers[Int(o)]
        guard !offer.deleted, offer.acceptanceStatus == "WaitingOnResponse" else { return }
        let a = offer.application
        guard !world.applications[Int(a)].deleted else { return }
        let id = offer.id
        if offer.versions.count == 1 && rng.chance(0.12) {
            var v = offer.versions[0]
            let oldId = v.id
            v.id = newID(); v.createdAt = t; v.salary = Int(Double(v.salary) * 1.05) / 1000 * 1000
            world.offers[Int(o)].versions.append(v)
            world.touchOffer(o, at: t)
            world.note(.updated, .offer, id, at: t, field: "latestVersion.id", old: .string(oldId.string), new: .string(v.id.string))
            queue.push(.offerDecision(o), at: workTime(after: t, delay: days(1...4)))
            return
        }
        let accepted = rng.chance(0.78)
        world.offers[Int(o)].acceptanceStatus = accepted ? "Accepted" : "Declined"
        world.offers[Int(o)].offerStatus = accepted ? "CandidateAccepted" : "CandidateRejected"
        world.offers[Int(o)].decidedAt = t
        world.touchOffer(o, at: t)
        world.note(.updated, .offer, id, at: t, field: "acceptanceStatus", old: "WaitingOnResponse", new: .string(accepted ? "Accepted" : "Declined"))
        world.note(.updated, .offer, id, at: t, field: "offerStatus", old: "WaitingOnCandidateResponse",
                   new: .string(accepted ? "CandidateAccepted" : "CandidateRejected"))
        if accepted {
            queue.push(.hire(offer: o), at: workTime(after: t, delay: days(1...3)))
        } else {
            releaseOpening(of: o)
            archive(a, reasonText: "Offer Declined", at: t)
        }
    }

    private func hire(_ o: Int32, at t: Int64) {
        let offer = world.offers[Int(o)]
        let a = offer.application
        let app = world.applications[Int(a)]
        guard !offer.deleted, !app.deleted, app.status == .Active else { return }
        let plan = world.plans[Int(world.stages[Int(app.stage)].plan)]
        let hiredStage = plan.stages[plan.stages.count - 2]
        let job = app.job
        _ = moveStage(a, to: hiredStage, at: t, actor: world.jobs[Int(job)].hiringTeam[1])
        let opening = offer.versions.last!.opening
        if opening >= 0, world.openings[Int(opening)].state == .Open {
            world.openings[Int(opening)].heldByOffer = -1
            setOpeningState(opening, .Filled, at: t)
        }
        guard world.jobs[Int(job)].status == .Open else { return }
        if rng.chance(0.1) { createOpening(job: job, at: t, state: .Open, backfill: true) }
        let stillOpen = world.jobs[Int(job)].openings.contains { world.openings[Int($0)].state == .Open }
        if !stillOpen && rng.chance(0.5) { closeJob(job, at: t, reasonText: "Hired") }
    }

    // MARK: reorganisations, merges, deletions

    private func mergeCandidates(at t: Int64) {
        guard liveCandidates.count > 2 else { return }
        let keep = liveCandidates[rng.below(liveCandidates.count)]
        var gone = liveCandidates[rng.below(liveCandidates.count)]
        if gone == keep { gone = liveCandidates[(Int(livePos[Int(keep)]) + 1) % liveCandidates.count] }
        let keepId = world.candidates[Int(keep)].id
        let moved = world.candidates[Int(gone)].applications
        for a in moved where !world.applications[Int(a)].deleted {
            world.applications[Int(a)].candidate = keep
            world.touchApplication(a, at: t)
            world.note(.updated, .application, world.applications[Int(a)].id, at: t, field: "candidate.id",
                       old: .string(world.candidates[Int(gone)].id.string), new: .string(keepId.string))
        }
        let old = world.candidates[Int(keep)].applications
        world.candidates[Int(keep)].applications += moved
        world.touchCandidate(keep, at: t)
        world.note(.updated, .candidate, keepId, at: t, field: "applicationIds", old: idArray(old, \.applications),
                   new: idArray(world.candidates[Int(keep)].applications, \.applications))
        world.candidates[Int(gone)].deleted = true
        world.candidates[Int(gone)].applications = []
        removeLive(gone)
        world.seq += 1
        world.note(.merged, .candidate, world.candidates[Int(gone)].id, at: t, field: nil, old: nil, new: .string(keepId.string))
    }

    private func deleteCandidate(at t: Int64) {
        guard liveCandidates.count > 2 else { return }
        // Hired people's records are kept (they became employees); delete someone else.
        var c: Int32 = -1
        for _ in 0..<10 {
            let pick = liveCandidates[rng.below(liveCandidates.count)]
            if !world.candidates[Int(pick)].applications.contains(where: { world.applications[Int($0)].status == .Hired }) { c = pick; break }
        }
        guard c >= 0 else { return }
        for a in world.candidates[Int(c)].applications where !world.applications[Int(a)].deleted {
            world.applications[Int(a)].deleted = true
            world.seq += 1
            world.note(.deleted, .application, world.applications[Int(a)].id, at: t)
            for o in world.applications[Int(a)].offers where !world.offers[Int(o)].deleted {
                releaseOpening(of: o)
                world.offers[Int(o)].deleted = true
                world.seq += 1
                world.note(.deleted, .offer, world.offers[Int(o)].id, at: t)
            }
        }
        for s in world.schedules.indices.reversed() {
            // Schedules are appended in time order; only recent ones can belong to a live application.
            if world.schedules[s].createdAt < t - 400 * Self.day { break }
            let a = world.schedules[s].application
            if world.applications[Int(a)].deleted && world.applications[Int(a)].candidate == c && !world.schedules[s].deleted {
                world.schedules[s].deleted = true
                world.seq += 1
                world.note(.deleted, .interviewSchedule, world.schedules[s].id, at: t)
            }
        }
        world.candidates[Int(c)].deleted = true
        removeLive(c)
        world.seq += 1
        world.note(.deleted, .candidate, world.candidates[Int(c)].id, at: t)
    }

    private func reorganiseDepartment(at t: Int64) {
        let teams = world.departments.indices.filter { world.departments[$0].parent >= 0 }
        guard !teams.isEmpty else { return }
        let d = Int32(rng.pick(teams))
        let id = world.departments[Int(d)].id
        if rng.chance(0.5) {
            let old = world.departments[Int(d)].name
            let new = rng.pick(FakeData.teamWords) + " " + rng.pick(["Platform", "Experience", "Foundations", "Operations"])
            world.departments[Int(d)].name = new
            world.touchDepartment(d, at: t)
            world.note(.updated, .department, id, at: t, field: "name", old: .string(old), new: .string(new))
        } else {
            func isDescendant(_ x: Int32) -> Bool {
                var p = x
                while p >= 0 { if p == d { return true }; p = world.departments[Int(p)].parent }
                return false
            }
            let candidates = world.departments.indices.map(Int32.init).filter { !isDescendant($0) && $0 != world.departments[Int(d)].parent }
            guard !candidates.isEmpty else { return }
            let newParent = rng.pick(candidates)
            let old = world.departments[Int(d)].parent
            world.departments[Int(d)].parent = newParent
            world.touchDepartment(d, at: t)
            world.note(.updated, .department, id, at: t, field: "parentId", old: .string(world.departments[Int(old)].id.string),
                       new: .string(world.departments[Int(newParent)].id.string))
        }
    }

    private func changeUsers(at t: Int64) {
        if rng.chance(0.5) {
            addUser(at: t, role: rng.pick(["Limited Access", "Elevated Access"]))
        } else {
            let u = Int32(rng.below(world.users.count))
            guard u >= 3, world.users[Int(u)].isEnabled else { return }
            world.users[Int(u)].isEnabled = false
            world.touchUser(u, at: t)
            world.note(.updated, .user, world.users[Int(u)].id, at: t, field: "isEnabled", old: true, new: false)
        }
    }

    private func changeCandidateProfile(at t: Int64) {
        guard !liveCandidates.isEmpty else { return }
        let c = liveCandidates[rng.below(liveCandidates.count)]
        let id = world.candidates[Int(c)].id
        switch rng.below(3) {
        case 0:
            let old = world.candidates[Int(c)].company
            let new = rng.pick(FakeData.companies)
            guard old != new else { return }
            world.candidates[Int(c)].company = new
            world.touchCandidate(c, at: t)
            world.note(.updated, .candidate, id, at: t, field: "company", old: JSONValue(old), new: .string(new))
        case 1:
            let old = world.candidates[Int(c)].position
            let new = rng.pick(FakeData.positions)
            guard old != new else { return }
            world.candidates[Int(c)].position = new
            world.touchCandidate(c, at: t)
            world.note(.updated, .candidate, id, at: t, field: "position", old: JSONValue(old), new: .string(new))
        default:
            let tag = Int32(rng.below(world.tags.count))
            guard !world.tags[Int(tag)].isArchived, !world.candidates[Int(c)].tags.contains(tag) else { return }
            world.candidates[Int(c)].tags.append(tag)
            world.touchCandidate(c, at: t)
            world.note(.updated, .candidate, id, at: t, field: "tags", old: nil, new: .string(world.tags[Int(tag)].id.string))
        }
    }
}
