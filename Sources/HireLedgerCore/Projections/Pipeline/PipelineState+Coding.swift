extension PipelineState {
    /// The encoded form's first bytes: "HLPS" and the layout version.
    static let magic: [UInt8] = Array("HLPS".utf8) + [1]

    /// The canonical binary form (integers little-endian; equal states give identical bytes):
    ///
    ///     "HLPS" u8 1, i64 head
    ///     stages:   u32 n, n × (str id, opt-str title, opt-str type, opt-i64 order)   first-seen order
    ///     keys:     u32 n, n × str                                                     first-seen order
    ///     jobs:     u32 n, n × (str id, opt-str title, opt-str departmentId)          by id
    ///     openingFills, jobFills: u32 n, n × (str id, opt-str departmentId, opt-str jobId,
    ///               opt-instant opened, opt-instant accepted, opt-i64 startDay)        by id
    ///     departments: u32 length, their canonical JSON
    ///     applications: u32 n, u32 id-bytes, id bytes, n × u32 end offset,
    ///               n × (i32 jobKey, i32 departmentKey, i32 lastStage, i32 lastPresent, u32 count)
    ///     entries:  u32 total, total × (i64 valid, i64 known, i32 stage, i32 month), slot after slot
    ///
    /// str: u32 length and UTF-8; opt-x: u8 0, or u8 1 and x; instant: i64 valid, i64 known.
    /// The entries are a flat copy of the slots without their holes, so a decode is a few copies and
    /// one prefix sum, and builds no string of an application id.
    public func canonicalBytes() -> [UInt8] {
        var w = BinaryStateWriter(capacity: 64 + entryCount * 24 + slots.count * 24 + applicationIds.bytes.count)
        w.bytes(PipelineState.magic)
        w.i64(head.millisecondsSinceEpoch)
        w.u32(stageIds.count)
        for i in stageIds.indices {
            w.str(stageIds[i])
            w.optStr(stages[i].title)
            w.optStr(stages[i].type)
            w.optI64(stages[i].order.map(Int64.init))
        }
        w.u32(keys.count)
        for k in keys { w.str(k) }
        w.u32(jobs.count)
        for (id, j) in jobs.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            w.str(id)
            w.optStr(j.title)
            w.optStr(j.departmentId)
        }
        for fills in [openingFills, jobFills] {
            w.u32(fills.count)
            for (id, f) in fills.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                w.str(id)
                w.optStr(f.departmentId)
                w.optStr(f.jobId)
                for i in [f.opened, f.accepted] {
                    if let i {
                        w.u8(1)
                        w.i64(i.valid.millisecondsSinceEpoch)
                        w.i64(i.known.millisecondsSinceEpoch)
                    } else {
                        w.u8(0)
                    }
                }
                w.optI64(f.startDay.map(Int64.init))
            }
        }
        w.blob(departments.json.canonicalBytes())
        w.u32(slots.count)
        w.blob(applicationIds.bytes)
        for e in applicationIds.ends { w.i32(e) }
        for s in slots {
            w.i32(s.jobKey)
            w.i32(s.departmentKey)
            w.i32(s.lastStage)
            w.i32(s.lastPresent)
            w.i32(s.count)
        }
        w.u32(entryCount)
        entries.withUnsafeBufferPointer { entries in
            for s in slots {
                for k in Int(s.start)..<Int(s.start + s.count) {
                    let e = entries[k]
                    w.i64(e.valid)
                    w.i64(e.known)
                    w.i32(e.stage)
                    w.i32(e.month)
                }
            }
        }
        return w.out
    }

    /// Reads `canonicalBytes()`; refuses anything else with a message.
    public init(canonicalBytes bytes: [UInt8]) throws(ProjectionStateError) {
        let decoded: Result<PipelineState, ProjectionStateError> = bytes.withUnsafeBytes { raw in
            do throws(ProjectionStateError) { return .success(try PipelineState(raw: raw)) } catch { return .failure(error) }
        }
        self = try decoded.get()
    }

    /// Reads `canonicalBytes()` in place.
    init(raw: UnsafeRawBufferPointer) throws(ProjectionStateError) {
        self.init()
        do {
            var r = BinaryStateReader(raw)
            guard raw.count >= PipelineState.magic.count, Array(raw[0..<PipelineState.magic.count]) == PipelineState.magic else {
                throw ProjectionStateError("not a pipeline state of layout 1")
            }
            r.offset = PipelineState.magic.count
            head = Timestamp(millisecondsSinceEpoch: try r.i64())
            let stageCount = try r.count(minimumBytes: 7)
            for i in 0..<stageCount {
                let id = try r.str()
                stageIds.append(id)
                stages.append(Stage(title: try r.optStr(), type: try r.optStr(), order: try r.optI64().map { Int($0) }))
                stageIndex[id] = Int32(i)
            }
            let keyCount = try r.count(minimumBytes: 4)
            for i in 0..<keyCount {
                let k = try r.str()
                keys.append(k)
                keyIndex[k] = Int32(i)
            }
            for _ in 0..<(try r.count(minimumBytes: 6)) {
                jobs[try r.str()] = Job(title: try r.optStr(), departmentId: try r.optStr())
            }
            func fills() throws(ProjectionStateError) -> [String: Fill] {
                var out: [String: Fill] = [:]
                for _ in 0..<(try r.count(minimumBytes: 9)) {
                    let id = try r.str()
                    var f = Fill(departmentId: try r.optStr(), jobId: try r.optStr())
                    f.opened = try r.flag() ? Instant(valid: Timestamp(millisecondsSinceEpoch: try r.i64()),
                                                      known: Timestamp(millisecondsSinceEpoch: try r.i64())) : nil
                    f.accepted = try r.flag() ? Instant(valid: Timestamp(millisecondsSinceEpoch: try r.i64()),
                                                        known: Timestamp(millisecondsSinceEpoch: try r.i64())) : nil
                    f.startDay = try r.optI64().map { Int($0) }
                    out[id] = f
                }
                return out
            }
            openingFills = try fills()
            jobFills = try fills()
            departments = try EntityTimelines(json: StateCoding.parse(try r.blob()))
            let n = try r.count(minimumBytes: 24)
            let idBytes = try r.blob()
            var ends: [Int32] = []
            ends.reserveCapacity(n)
            var previous: Int32 = 0
            for _ in 0..<n {
                let e = try r.i32()
                guard e >= previous, Int(e) <= idBytes.count else { throw ProjectionStateError("application id offsets out of order") }
                ends.append(e)
                previous = e
            }
            guard n == 0 || Int(previous) == idBytes.count else { throw ProjectionStateError("application ids do not fill their bytes") }
            applicationIds = InternedIds(bytes: idBytes, ends: ends)
            slots.reserveCapacity(n)
            var start: Int32 = 0
            for _ in 0..<n {
                var s = Slot(jobKey: try r.i32(), departmentKey: try r.i32())
                s.lastStage = try r.i32()
                s.lastPresent = try r.i32()
                s.count = try r.i32()
                guard s.count >= 0, (PipelineState.noStage..<Int32(stageCount)).contains(s.lastStage),
                      (PipelineState.noStage..<Int32(stageCount)).contains(s.lastPresent), Int(s.jobKey) < keyCount, Int(s.departmentKey) < keyCount, s.jobKey >= 0, s.departmentKey >= 0 else {
                    throw ProjectionStateError("application slot out of range")
                }
                s.start = start
                s.capacity = s.count
                start += s.count
                slots.append(s)
            }
            let total = try r.count(minimumBytes: 24)
            guard total == Int(start) else { throw ProjectionStateError("\(total) entries, but the slots hold \(start)") }
            entries = try r.entries(total, stages: Int32(stageCount))
            entryCount = total
            for e in entries {
                monthLow = min(monthLow, e.month)
                monthHigh = max(monthHigh, e.month)
            }
            guard r.offset == raw.count else { throw ProjectionStateError("\(raw.count - r.offset) bytes after the state") }
        }
    }
}

/// Appends little-endian integers and length-prefixed strings.
struct BinaryStateWriter {
    var out: [UInt8] = []

    init(capacity: Int) { out.reserveCapacity(capacity) }

    mutating func bytes(_ b: [UInt8]) { out.append(contentsOf: b) }
    mutating func u8(_ v: UInt8) { out.append(v) }
    mutating func u32(_ v: Int) { i32(Int32(truncatingIfNeeded: v)) }

    mutating func i32(_ v: Int32) {
        let u = UInt32(bitPattern: v)
        out.append(UInt8(truncatingIfNeeded: u))
        out.append(UInt8(truncatingIfNeeded: u >> 8))
        out.append(UInt8(truncatingIfNeeded: u >> 16))
        out.append(UInt8(truncatingIfNeeded: u >> 24))
    }

    mutating func i64(_ v: Int64) {
        let u = UInt64(bitPattern: v)
        for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: u >> UInt64(shift))) }
    }

    mutating func blob(_ b: [UInt8]) {
        u32(b.count)
        out.append(contentsOf: b)
    }

    mutating func str(_ s: String) { blob(Array(s.utf8)) }

    mutating func optStr(_ s: String?) {
        guard let s else { u8(0); return }
        u8(1)
        str(s)
    }

    mutating func optI64(_ v: Int64?) {
        guard let v else { u8(0); return }
        u8(1)
        i64(v)
    }
}

/// Reads what `BinaryStateWriter` wrote, throwing on truncated or malformed input.
struct BinaryStateReader {
    let raw: UnsafeRawBufferPointer
    var offset = 0

    init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }

    private mutating func take(_ n: Int) throws(ProjectionStateError) -> Int {
        guard n >= 0, raw.count - offset >= n else { throw ProjectionStateError("truncated at byte \(offset)") }
        defer { offset += n }
        return offset
    }

    mutating func u8() throws(ProjectionStateError) -> UInt8 { raw[try take(1)] }

    mutating func flag() throws(ProjectionStateError) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let b: throw ProjectionStateError("byte \(offset - 1) is \(b), not 0 or 1")
        }
    }

    mutating func i32() throws(ProjectionStateError) -> Int32 {
        let at = try take(4)
        return Int32(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
    }

    mutating func i64() throws(ProjectionStateError) -> Int64 {
        let at = try take(8)
        return Int64(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
    }

    /// A count of items each at least `minimumBytes` long (refused when the rest cannot hold them).
    mutating func count(minimumBytes: Int) throws(ProjectionStateError) -> Int {
        let n = Int(try i32())
        guard n >= 0, n <= (raw.count - offset) / max(1, minimumBytes) else { throw ProjectionStateError("count \(n) at byte \(offset - 4) exceeds the data") }
        return n
    }

    mutating func blob() throws(ProjectionStateError) -> [UInt8] {
        let n = Int(try i32())
        let at = try take(n)
        return Array(raw[at..<(at + n)])
    }

    mutating func str() throws(ProjectionStateError) -> String {
        let n = Int(try i32())
        let at = try take(n)
        return String(decoding: raw[at..<(at + n)], as: UTF8.self)
    }

    mutating func optStr() throws(ProjectionStateError) -> String? { try flag() ? try str() : nil }
    mutating func optI64() throws(ProjectionStateError) -> Int64? { try flag() ? try i64() : nil }

    /// `n` entries, each checked to name a stage that exists (or the deletion marker).
    mutating func entries(_ n: Int, stages: Int32) throws(ProjectionStateError) -> [PipelineState.Entry] {
        let at = try take(n * 24)
        let raw = self.raw
        var bad = false
        let out = [PipelineState.Entry](unsafeUninitializedCapacity: n) { buffer, initialized in
            for i in 0..<n {
                let p = at + i * 24
                let e = PipelineState.Entry(
                    valid: Int64(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p, as: UInt64.self))),
                    known: Int64(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p + 8, as: UInt64.self))),
                    stage: Int32(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: p + 16, as: UInt32.self))),
                    month: Int32(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: p + 20, as: UInt32.self))))
                if e.stage < PipelineState.gone || e.stage >= stages { bad = true }
                buffer.initializeElement(at: i, to: e)
            }
            initialized = n
        }
        if bad { throw ProjectionStateError("a stage entry names no stage") }
        return out
    }
}
