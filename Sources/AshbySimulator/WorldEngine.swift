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
    var rng: SeededRandom
    var queue = EventQueue()
    let targets: WorldSize.Targets
    private(set) var now: Int64
    var openJobs: [Int32] = []
    var openJobPos: [Int32: Int] = [:]
    var liveCandidates: [Int32] = []
    var livePos: [Int32] = []
    var openingCounter = 0
    let appsPerDay: Double
    let jobsPerDay: Double
    let behaviours: SimulatorBehaviours

    init(configuration: SimulatorConfiguration) {
        rng = SeededRandom(seed: configuration.seed, stream: 1)
        targets = configuration.size.targets
        let start = configuration.start.millisecondsSinceEpoch
        let origin = (start / Self.day - Int64(targets.historyDays)) * Self.day
        now = origin
        appsPerDay = Double(targets.applications) / Double(targets.historyDays)
        jobsPerDay = 0.7 * Double(targets.jobs) / Double(targets.historyDays)
        behaviours = configuration.behaviours
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

    func run(until end: Int64) {
        while let t = queue.nextTime, t < end {
            let (at, event) = queue.pop()!
            now = at
            handle(event, at: at)
        }
    }

    // MARK: time helpers

    /// A working-hours time on the day `delay` after `t`, never before `t`.
    func workTime(after t: Int64, delay: Int64) -> Int64 {
        let d = (t + delay) / Self.day
        var at = d * Self.day + 8 * Self.hour + Int64(rng.below(Int(11 * Self.hour)))
        if at <= t { at = t + 1 + Int64(rng.below(Int(2 * Self.hour))) }
        return at
    }

    func days(_ range: ClosedRange<Int>) -> Int64 { Int64(rng.int(range)) * Self.day }

    func count(mean: Double) -> Int {
        let x = mean * (0.85 + 0.3 * rng.unit())
        return Int(x) + (rng.chance(x - Double(Int(x))) ? 1 : 0)
    }

    // MARK: events

    func handle(_ event: WorldEvent, at t: Int64) {
        switch event {
        case .dayStart(let d): startDay(Int64(d), at: t)
        case .newApplication: createApplication(at: t)
        case .newJob: createJob(at: t, openAt: workTime(after: t, delay: days(1...12)))
        case .applicationStep(let a): stepApplication(a, at: t)
        case .scheduleComplete(let s): completeSchedule(s, at: t)
        case .offerDecision(let o): decideOffer(o, at: t)
        case .offerApproval(let o): approveOffer(o, at: t)
        case .customFieldChange: changeCustomField(at: t)
        case .customFieldRename: renameCustomField(at: t)
        case .userDeactivation: deactivateUser(at: t)
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

    func startDay(_ d: Int64, at t: Int64) {
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
        // (Behaviours that are off draw nothing: existing worlds stay byte-identical.)
        if behaviours.customFieldValues {
            spread(.customFieldChange, count(mean: 0.5 + apps * 0.1), work: true)
            spread(.customFieldRename, count(mean: 0.25), work: true)
        }
        if behaviours.deactivatedUsers { spread(.userDeactivation, count(mean: 0.15 + Double(targets.users) * 0.001), work: true) }
        queue.push(.dayStart(day: Int32(d + 1)), at: base + Self.day)
    }
}
