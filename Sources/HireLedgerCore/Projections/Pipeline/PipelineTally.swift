/// The per-group figures of a pipeline view at one point, counted in one pass over the state's
/// entry slots into arrays indexed by group key and stage (`PipelineProjection.view` builds rows
/// from them).
///
/// What it counts for each application whose visible entries (known by `knownAt`, valid by the
/// evaluation time; valid-time order, log order for ties) are not ended by a deletion, once a
/// deletion and restore in between are dropped (the gap is no stay): the stage it is in now, each
/// entry into a stage, each completed stay (the time to the next entry), the furthest funnel type
/// it reached, and the entries per month and stage type. Stays are summed in the order they are met
/// (the mean is that sum over the count) and kept as integer milliseconds for the median (a
/// selection, not a sort: the median of the days equals the days of the median milliseconds).
struct PipelineTally {
    private let stageCount: Int
    private let funnelCount = PipelineProjection.funnelTypes.count
    private var applicationsPerKey: [Int32]
    private var current: [Int32]
    private var entered: [Int32]
    private var staySum: [Double]
    /// Stays grouped by bucket (key × stage): those of bucket b are `stays[stayStart[b]..<stayStart[b + 1]]`.
    private var stayStart: [Int] = []
    private var stays: [Int64] = []
    private var reached: [Int32]
    /// Stage types that have a type, and each stage's index into them (-1: none).
    private var types: [String] = []
    private var typeOfStage: [Int32]
    /// Stage indices in the order rows list stages (plan order, then id), and type indices in the
    /// order months list types (funnel order, then name).
    private var stageOrder: [Int] = []
    private var typeOrder: [Int] = []
    private let monthLow: Int32
    private let monthSpan: Int
    /// Entries per (key, month, type): dense when small enough, else sparse.
    private var monthDense: [Int32] = []
    private var monthSparse: [Int: Int32] = [:]
    private let dense: Bool
    /// The keys with at least one application, in increasing order.
    private(set) var usedKeys: [Int] = []

    /// `denseMonthLimit`: the most (key, month, type) counters kept in an array; beyond, a dictionary.
    init(_ state: PipelineState, point: BitemporalPoint, query: PipelineQuery, denseMonthLimit: Int = 1 << 22) {
        let keyCount = state.keys.count
        stageCount = state.stageIds.count
        let buckets = keyCount * stageCount
        applicationsPerKey = Array(repeating: 0, count: keyCount)
        current = Array(repeating: 0, count: buckets)
        entered = Array(repeating: 0, count: buckets)
        staySum = Array(repeating: 0, count: buckets)
        reached = Array(repeating: 0, count: keyCount * funnelCount)
        typeOfStage = Array(repeating: -1, count: stageCount)
        var rankOfStage = [Int32](repeating: -1, count: stageCount)
        for (i, stage) in state.stages.enumerated() {
            guard let type = stage.type else { continue }
            if let t = types.firstIndex(of: type) { typeOfStage[i] = Int32(t) } else {
                typeOfStage[i] = Int32(types.count)
                types.append(type)
            }
            rankOfStage[i] = PipelineProjection.funnelTypes.firstIndex(of: type).map(Int32.init) ?? -1
        }
        stageOrder = state.stages.indices.sorted { a, b in
            let oa = state.stages[a].order ?? Int.max, ob = state.stages[b].order ?? Int.max
            return oa != ob ? oa < ob : state.stageIds[a] < state.stageIds[b]
        }
        typeOrder = types.indices.sorted { [types] a, b in
            let ra = PipelineProjection.funnelTypes.firstIndex(of: types[a]) ?? Int.max
            let rb = PipelineProjection.funnelTypes.firstIndex(of: types[b]) ?? Int.max
            return ra != rb ? ra < rb : types[a] < types[b]
        }
        monthLow = state.monthLow
        monthSpan = state.monthHigh >= state.monthLow ? Int(state.monthHigh - state.monthLow) + 1 : 0
        let typeCount = max(1, types.count)
        dense = monthSpan > 0 && Double(keyCount) * Double(monthSpan) * Double(typeCount) <= Double(denseMonthLimit)
        var monthDense = [Int32](repeating: 0, count: dense ? keyCount * monthSpan * typeCount : 0)
        var monthSparse: [Int: Int32] = [:]
        let from = query.from.map { Int32($0.year * 12 + $0.month - 1) } ?? .min
        let to = query.to.map { Int32($0.year * 12 + $0.month - 1) } ?? .max

        let validAt = point.validAt.millisecondsSinceEpoch, knownAt = point.knownAt.millisecondsSinceEpoch
        let byJob = query.groupBy == .job
        var stayBucket: [Int32] = []
        var stayMs: [Int64] = []
        stayBucket.reserveCapacity(state.entryCount)
        stayMs.reserveCapacity(state.entryCount)
        let longest = state.slots.reduce(0) { max($0, Int($1.count)) }
        var visible = [Int](repeating: 0, count: longest)
        var used = [Bool](repeating: false, count: keyCount)
        let gone = PipelineState.gone
        let stageCount = stageCount, funnelCount = funnelCount, monthLow = monthLow, monthSpan = monthSpan, dense = dense
        var applicationsPerKey = applicationsPerKey, current = current, entered = entered, staySum = staySum, reached = reached
        let typeOfStage = typeOfStage

        state.entries.withUnsafeBufferPointer { entries in
        state.slots.withUnsafeBufferPointer { slots in
        visible.withUnsafeMutableBufferPointer { visible in
        typeOfStage.withUnsafeBufferPointer { typeOfStage in
        rankOfStage.withUnsafeBufferPointer { rankOfStage in
            for slot in slots {
                var n = 0
                var deletions = false
                for k in Int(slot.start)..<Int(slot.start + slot.count) {
                    let e = entries[k]
                    if e.valid > validAt { break }
                    if e.known <= knownAt {
                        visible[n] = k
                        n += 1
                        if e.stage == gone { deletions = true }
                    }
                }
                guard n > 0, entries[visible[n - 1]].stage != gone else { continue }
                if deletions {
                    var kept = 0
                    for i in 0..<n where entries[visible[i]].stage != gone {
                        visible[kept] = visible[i]
                        kept += 1
                    }
                    n = kept
                }
                let key = Int(byJob ? slot.jobKey : slot.departmentKey)
                used[key] = true
                applicationsPerKey[key] += 1
                let base = key * stageCount
                current[base + Int(entries[visible[n - 1]].stage)] += 1
                var highest: Int32 = -1
                for i in 0..<n {
                    let e = entries[visible[i]]
                    let stage = Int(e.stage)
                    let b = base + stage
                    entered[b] += 1
                    if i + 1 < n {
                        let ms = entries[visible[i + 1]].valid - e.valid
                        staySum[b] += PipelineProjection.days(ms)
                        stayBucket.append(Int32(b))
                        stayMs.append(ms)
                    }
                    highest = max(highest, rankOfStage[stage])
                    let t = typeOfStage[stage]
                    if t >= 0, e.month >= from, e.month <= to {
                        let m = (key * monthSpan + Int(e.month - monthLow)) * typeCount + Int(t)
                        if dense { monthDense[m] += 1 } else { monthSparse[m, default: 0] += 1 }
                    }
                }
                if highest >= 0 {
                    for r in 0...Int(highest) { reached[key * funnelCount + r] += 1 }
                }
            }
        }
        }
        }
        }
        }
        usedKeys = used.indices.filter { used[$0] }
        self.applicationsPerKey = applicationsPerKey
        self.current = current
        self.entered = entered
        self.staySum = staySum
        self.reached = reached
        self.monthDense = monthDense
        self.monthSparse = monthSparse

        // Stays grouped by bucket (a counting sort), for the medians.
        var start = [Int](repeating: 0, count: buckets + 1)
        for b in stayBucket { start[Int(b) + 1] += 1 }
        for b in 0..<buckets { start[b + 1] += start[b] }
        var next = start
        var grouped = [Int64](repeating: 0, count: stayMs.count)
        for i in stayMs.indices {
            let b = Int(stayBucket[i])
            grouped[next[b]] = stayMs[i]
            next[b] += 1
        }
        stayStart = start
        stays = grouped
    }

    func applications(_ key: Int) -> Int { Int(applicationsPerKey[key]) }

    /// The stages entered in group `key`, in plan order (then id).
    func stageStats(_ key: Int, _ state: PipelineState) -> [StageStats] {
        var out: [StageStats] = []
        for stage in stageOrder {
            let b = key * stageCount + stage
            guard entered[b] > 0 else { continue }
            let n = stayStart[b + 1] - stayStart[b]
            let s = state.stages[stage]
            out.append(StageStats(stageId: state.stageIds[stage], title: s.title, type: s.type, current: Int(current[b]),
                                  entered: Int(entered[b]), completedStays: n, medianDaysInStage: median(b),
                                  meanDaysInStage: n == 0 ? nil : staySum[b] / Double(n)))
        }
        return out
    }

    /// The median stay of bucket `b` in days, as `PipelineStats.median` of the days would give it.
    private func median(_ b: Int) -> Double? {
        let lo = stayStart[b], hi = stayStart[b + 1]
        guard hi > lo else { return nil }
        var values = Array(stays[lo..<hi])
        let m = values.count / 2
        return values.withUnsafeMutableBufferPointer { v -> Double in
            PipelineTally.select(v, m)
            let upper = PipelineProjection.days(v[m])
            guard v.count % 2 == 0 else { return upper }
            // After the selection everything below m is at most v[m]: the largest of them is s[m - 1].
            var lower = v[0]
            for i in 1..<m { lower = max(lower, v[i]) }
            return (PipelineProjection.days(lower) + upper) / 2
        }
    }

    func funnel(_ key: Int?) -> [FunnelStep] {
        PipelineProjection.funnelTypes.indices.map { i in
            let count = key.map { Int(reached[$0 * funnelCount + i]) } ?? 0
            let previous = i == 0 ? 0 : key.map { Int(reached[$0 * funnelCount + i - 1]) } ?? 0
            return FunnelStep(type: PipelineProjection.funnelTypes[i], reached: count,
                              conversion: i == 0 || previous == 0 ? nil : Double(count) / Double(previous))
        }
    }

    /// Entries per month and stage type in group `key`, by month, then funnel order, then type.
    func months(_ key: Int) -> [MonthEntries] {
        let typeCount = max(1, types.count)
        var out: [MonthEntries] = []
        func add(_ index: Int, _ count: Int32) {
            let t = index % typeCount, m = (index / typeCount) % monthSpan
            out.append(MonthEntries(month: PipelineState.yearMonth(index: monthLow + Int32(m)), type: types[t], entered: Int(count)))
        }
        if dense {
            // Already in the order of the output: by month, then type order.
            let first = key * monthSpan * typeCount
            for m in 0..<monthSpan {
                for t in typeOrder where monthDense[first + m * typeCount + t] > 0 {
                    add(first + m * typeCount + t, monthDense[first + m * typeCount + t])
                }
            }
            return out
        }
        for (i, count) in monthSparse where i / typeCount / monthSpan == key { add(i, count) }
        return out.sorted { a, b in
            if a.month != b.month { return a.month < b.month }
            let ra = PipelineProjection.funnelTypes.firstIndex(of: a.type) ?? Int.max
            let rb = PipelineProjection.funnelTypes.firstIndex(of: b.type) ?? Int.max
            return ra != rb ? ra < rb : a.type < b.type
        }
    }

    /// Reorders `v` so that `v[k]` is the k-th smallest, nothing before it greater and nothing after
    /// it smaller (quickselect, median-of-three pivots, Hoare partition: runs of equal values split).
    static func select(_ v: UnsafeMutableBufferPointer<Int64>, _ k: Int) {
        var lo = 0, hi = v.count - 1
        while hi > lo {
            let mid = lo + (hi - lo) / 2
            if v[mid] < v[lo] { v.swapAt(mid, lo) }
            if v[hi] < v[lo] { v.swapAt(hi, lo) }
            if v[hi] < v[mid] { v.swapAt(hi, mid) }
            let pivot = v[mid]
            var i = lo, j = hi
            while i <= j {
                while v[i] < pivot { i += 1 }
                while v[j] > pivot { j -= 1 }
                if i <= j {
                    v.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return }
        }
    }
}
