/// The state of `PipelineProjection`, laid out for answering a view at any point on either time
/// axis with one pass over flat arrays (issue 17): every application's stage entries on both axes,
/// the stages and jobs seen, and the open and accept instants time-to-fill is measured between.
///
/// Layout: stages, group keys (job and department ids) and application ids are interned to integer
/// indices. Each application owns a slot of `entries`, one flat array of 24-byte POD values, sorted
/// by valid time (log order breaks ties, as the view reads them), so a query filters each slot in
/// place: no per-application sort, string hashing or allocation. A slot that outgrows its capacity
/// moves to the end of `entries` (the hole is dropped at the next encode), so folding stays
/// amortised O(1) per event. The encoded form is binary and compact (`PipelineState+Coding`), and
/// the application id index, needed only to fold more events, is rebuilt lazily after a decode.
public struct PipelineState: Sendable {
    /// One entry of an application into a stage (or the marker of its deletion).
    public struct Entry: Sendable, Equatable {
        /// When it entered (valid time: `enteredStageAt` when read from history), ms since epoch.
        public var valid: Int64
        /// When HireLedger learnt it, ms since epoch.
        public var known: Int64
        /// Index into `stageIds`, or `PipelineState.gone`.
        public var stage: Int32
        /// The calendar month of `valid`, `year * 12 + month - 1` (`PipelineState.yearMonth`).
        public var month: Int32
    }

    /// The stage index of the entry that marks an application deleted (from its `valid` instant on,
    /// until a later entry restores it).
    public static let gone: Int32 = -1
    /// No stage (an application slot before its first entry).
    static let noStage: Int32 = -2

    /// An application's latest job and department (as group key indices) and its slot of `entries`.
    struct Slot: Sendable, Equatable {
        var jobKey: Int32
        var departmentKey: Int32
        /// The stage of the entry appended last (log order), and of the last one that was not a deletion.
        var lastStage: Int32 = PipelineState.noStage
        var lastPresent: Int32 = PipelineState.noStage
        var start: Int32 = 0
        var count: Int32 = 0
        var capacity: Int32 = 0
    }

    /// A stage's latest title, type and order as carried by events.
    public struct Stage: Sendable, Equatable {
        public var title: String?
        public var type: String?
        public var order: Int?
    }

    /// A job's latest title and department as carried by events.
    public struct Job: Sendable, Equatable {
        public var title: String?
        public var departmentId: String?
    }

    /// When a role (an opening, or a job standing in) opened and was first accepted.
    public struct Fill: Sendable, Equatable {
        public var departmentId: String?
        public var jobId: String?
        public var opened: Instant?
        public var accepted: Instant?
        /// The accepted offer's start date, days since 1970-01-01.
        public var startDay: Int?
    }

    /// An instant on both axes.
    public struct Instant: Sendable, Equatable {
        public var valid: Timestamp
        public var known: Timestamp
    }

    /// Stage ids in first-seen order, their latest facts, and the index of each id.
    public internal(set) var stageIds: [String] = []
    public internal(set) var stages: [Stage] = []
    var stageIndex: [String: Int32] = [:]
    /// Group keys (an application's job id or department id, "" when it has none), first-seen order.
    public internal(set) var keys: [String] = []
    var keyIndex: [String: Int32] = [:]
    /// Application ids in first-seen order; `slots` and `applicationIds` share indices.
    var applicationIds = InternedIds()
    var slots: [Slot] = []
    var entries: [Entry] = []
    /// Entries in slots (`entries.count` less the holes left by slots that moved).
    var entryCount = 0
    /// The least and greatest `Entry.month` (lowest > highest when there is no entry).
    var monthLow = Int32.max
    var monthHigh = Int32.min

    public var jobs: [String: Job] = [:]
    public var openingFills: [String: Fill] = [:]
    public var jobFills: [String: Fill] = [:]
    public var departments = EntityTimelines<DepartmentFacts>()
    public var head: Timestamp = .distantPast

    public init() {}

    /// Number of applications with at least one entry.
    public var applicationCount: Int { slots.count }

    /// The entries of the application with id `id`, in valid-time order (ties in log order).
    public func entries(ofApplication id: String) -> [Entry]? {
        guard let i = applicationIds.lookup(id) else { return nil }
        let s = slots[i]
        return Array(entries[Int(s.start)..<Int(s.start + s.count)])
    }

    /// Application ids in the order the view visits them (first seen first).
    public var applicationOrder: [String] { (0..<applicationIds.count).map { applicationIds[$0] } }

    static func yearMonth(_ valid: Int64) -> Int32 {
        let m = YearMonth(Timestamp(millisecondsSinceEpoch: valid).day)
        return Int32(m.year * 12 + m.month - 1)
    }

    static func yearMonth(index: Int32) -> YearMonth {
        YearMonth(year: Int(index) / 12, month: Int(index) % 12 + 1) ?? YearMonth(year: 0, month: 1)!
    }

    // MARK: - Folding

    /// Interns a stage id, storing its latest facts.
    mutating func internStage(_ id: String, _ stage: Stage) -> Int32 {
        if let i = stageIndex[id] {
            if stages[Int(i)] != stage { stages[Int(i)] = stage }
            return i
        }
        let i = Int32(stageIds.count)
        stageIds.append(id)
        stages.append(stage)
        stageIndex[id] = i
        return i
    }

    mutating func internKey(_ key: String) -> Int32 {
        if let i = keyIndex[key] { return i }
        let i = Int32(keys.count)
        keys.append(key)
        keyIndex[key] = i
        return i
    }

    /// The slot of application `id`, created when new, with its group keys set to `jobKey` and
    /// `departmentKey` (interned only when they change: comparing is cheaper than hashing).
    mutating func slot(_ id: String, jobKey: String, departmentKey: String) -> Int {
        if let i = applicationIds.position(of: id) {
            if keys[Int(slots[i].jobKey)] != jobKey { slots[i].jobKey = internKey(jobKey) }
            if keys[Int(slots[i].departmentKey)] != departmentKey { slots[i].departmentKey = internKey(departmentKey) }
            return i
        }
        applicationIds.append(id)
        slots.append(Slot(jobKey: internKey(jobKey), departmentKey: internKey(departmentKey), start: Int32(entries.count)))
        return slots.count - 1
    }

    mutating func existingSlot(_ id: String) -> Int? { applicationIds.position(of: id) }

    /// Adds an entry to slot `i`, after the entries of its slot valid at or before it.
    mutating func append(_ stage: Int32, valid: Timestamp, known: Timestamp, to i: Int) {
        var s = slots[i]
        if s.count == s.capacity {
            // Move the slot to the end with room to grow; its old place becomes a hole.
            let capacity = max(4, s.capacity * 2)
            let from = Int(s.start)
            let start = entries.count
            // Plain appends, so the array grows geometrically (`reserveCapacity` would reallocate to
            // the exact size, copying the whole array every few new applications).
            for k in 0..<Int(s.count) { entries.append(entries[from + k]) }
            let filler = Entry(valid: 0, known: 0, stage: PipelineState.gone, month: 0)
            for _ in Int(s.count)..<Int(capacity) { entries.append(filler) }
            s.start = Int32(start)
            s.capacity = capacity
        }
        let e = Entry(valid: valid.millisecondsSinceEpoch, known: known.millisecondsSinceEpoch, stage: stage,
                      month: PipelineState.yearMonth(valid.millisecondsSinceEpoch))
        var at = Int(s.start + s.count)
        while at > Int(s.start), entries[at - 1].valid > e.valid {
            entries[at] = entries[at - 1]
            at -= 1
        }
        entries[at] = e
        s.count += 1
        s.lastStage = stage
        if stage != PipelineState.gone { s.lastPresent = stage }
        slots[i] = s
        entryCount += 1
        monthLow = min(monthLow, e.month)
        monthHigh = max(monthHigh, e.month)
    }
}

/// Strings interned to indices in first-seen order, stored as one UTF-8 buffer; the index from
/// string to position is built on first lookup (a decoded state answers queries without it).
struct InternedIds: Sendable {
    private(set) var bytes: [UInt8] = []
    /// End offset in `bytes` of each string.
    private(set) var ends: [Int32] = []
    private var index: [String: Int32]?

    init() { index = [:] }

    init(bytes: [UInt8], ends: [Int32]) {
        self.bytes = bytes
        self.ends = ends
        index = nil
    }

    var count: Int { ends.count }

    subscript(i: Int) -> String {
        let start = i == 0 ? 0 : Int(ends[i - 1])
        return String(decoding: bytes[start..<Int(ends[i])], as: UTF8.self)
    }

    /// The position of `id`; builds the index first when needed.
    mutating func position(of id: String) -> Int? {
        if index == nil { buildIndex() }
        return index![id].map(Int.init)
    }

    /// The position of `id` without building the index (a linear scan when it is not built).
    func lookup(_ id: String) -> Int? {
        if let index { return index[id].map(Int.init) }
        return (0..<count).first { self[$0] == id }
    }

    mutating func append(_ id: String) {
        if index == nil { buildIndex() }
        index![id] = Int32(ends.count)
        bytes.append(contentsOf: id.utf8)
        ends.append(Int32(bytes.count))
    }

    private mutating func buildIndex() {
        var d: [String: Int32] = [:]
        d.reserveCapacity(ends.count)
        for i in 0..<ends.count { d[self[i]] = Int32(i) }
        index = d
    }
}

extension PipelineState: Equatable {
    /// Equal when they encode to the same bytes (the layout of `entries` and the lazily built
    /// index are not part of the value).
    public static func == (a: PipelineState, b: PipelineState) -> Bool { a.canonicalBytes() == b.canonicalBytes() }
}
