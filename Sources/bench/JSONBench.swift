import Foundation
import HireLedgerCore

/// `bench json [--mb N] [--runs N] [--no-foundation]`: HireLedgerCore's JSON parse, canonical write and XXH64 against
/// Foundation on the same deterministic, Ashby-shaped input.
///
/// The input is a sequence of list-reply pages (`{"success":true,"results":[100 records],...}`) with
/// application, candidate and job records in Ashby's key order (so objects arrive unsorted), ISO
/// timestamps, UUIDs, nulls, nested objects and arrays, non-ASCII names and some escapes. Every figure
/// is input megabytes (10^6 bytes) per second of one core, best of `runs`.
enum JSONBench {
    static func run(_ arguments: [String]) throws {
        var targetMB = 10
        var runs = 7
        var withFoundation = true
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--mb": targetMB = Int(arguments[i + 1]) ?? targetMB; i += 2
            case "--runs": runs = Int(arguments[i + 1]) ?? runs; i += 2
            case "--no-foundation": withFoundation = false; i += 1
            default:
                print("usage: bench json [--mb N] [--runs N] [--no-foundation]")
                exit(2)
            }
        }

        let pages = AshbyShapedPages.generate(targetBytes: targetMB * 1_000_000)
        let inputBytes = pages.reduce(0) { $0 + $1.count }
        let records = pages.count * AshbyShapedPages.recordsPerPage
        let mb = Double(inputBytes) / 1e6
        print("json benchmark: \(pages.count) pages, \(records) records, \(String(format: "%.2f", mb)) MB input")
        print("machine: \(Bench.machine()); build: \(Bench.buildMode); best of \(runs) runs, one core")

        // Parse once up front: the write and hash figures start from these.
        let values = try pages.map { try JSONValue.parse($0) }
        let canonical = values.map { $0.canonicalBytes() }
        let canonicalBytes = canonical.reduce(0) { $0 + $1.count }
        print("canonical output: \(String(format: "%.2f", Double(canonicalBytes) / 1e6)) MB")

        func report(_ label: String, runs: Int = runs, bytes: Int = inputBytes, _ body: () throws -> Int) rethrows {
            var best = Double.infinity
            var sink = 0
            for _ in 0..<runs {
                let start = DispatchTime.now().uptimeNanoseconds
                sink &+= try body()
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                best = min(best, seconds)
            }
            let rate = Double(bytes) / 1e6 / best
            let padded = label.padding(toLength: 56, withPad: " ", startingAt: 0)
            print("\(padded) \(String(format: "%8.1f", best * 1000)) ms  \(String(format: "%7.1f", rate)) MB/s   (\(sink & 1))")
        }

        print("\n-- HireLedgerCore")
        try report("parse") {
            var n = 0
            for page in pages { if case .object(let o) = try JSONValue.parse(page) { n &+= o.count } }
            return n
        }
        report("canonical write (reused buffer)") {
            var out: [UInt8] = []
            var n = 0
            for v in values { out.removeAll(keepingCapacity: true); v.writeCanonical(into: &out); n &+= out.count }
            return n
        }
        report("canonicalBytes() (fresh array per page)") {
            values.reduce(0) { $0 &+ $1.canonicalBytes().count }
        }
        report("XXH64 of the canonical bytes (figure per canonical MB)", bytes: canonicalBytes) {
            canonical.reduce(0) { acc, c in acc &+ Int(truncatingIfNeeded: c.withUnsafeBytes { XXH64.hash($0, seed: 0) }) }
        }
        try report("parse + canonical write + hash, per page") {
            var out: [UInt8] = []
            var n = 0
            for page in pages {
                let v = try JSONValue.parse(page)
                out.removeAll(keepingCapacity: true)
                v.writeCanonical(into: &out)
                n &+= Int(truncatingIfNeeded: out.withUnsafeBytes { ContentHash($0) }.value)
            }
            return n
        }
        try report("parse + contentHash of every record") {
            var n = 0
            for page in pages {
                let v = try JSONValue.parse(page)
                for record in v["results"]?.arrayValue ?? [] {
                    n &+= Int(truncatingIfNeeded: record.contentHash.value)
                }
            }
            return n
        }
        // The records by kind (the generator's order: application, candidate, job by serial % 3).
        let kinds: [EntityKind] = [.application, .candidate, .job]
        let kindedRecords: [(value: JSONValue, kind: EntityKind)] = values.enumerated().flatMap { p, page in
            (page["results"]?.arrayValue ?? []).enumerated().map { r, record in
                (record, kinds[(p * AshbyShapedPages.recordsPerPage + r + 1) % 3])
            }
        }
        let normalizer = RecordNormalizer.standard
        func members(_ v: JSONValue) -> Int { if case .object(let o) = v { o.count } else { 0 } }
        report("normalise every record, rules compiled (normalizedValue)") {
            kindedRecords.reduce(0) { $0 &+ members(normalizer.normalizedValue($1.value, kind: $1.kind)) }
        }
        report("normalise every record, rules one by one") {
            kindedRecords.reduce(0) { $0 &+ members(normalizer.normalizedValueRuleByRule($1.value, kind: $1.kind)) }
        }
        // What a sync does with a new record: its bytes as sent (Ashby's key order) to normalised canonical
        // bytes and hash, through a tree or straight from the bytes (`JSONCanonicalizer`).
        var recordTexts: [(bytes: [UInt8], kind: EntityKind)] = []
        for (p, page) in pages.enumerated() {
            let layout = try JSONObjectLayout.scan(page, elementsOf: "results", elementKey: "id")
            for (r, element) in (layout?.elements ?? []).enumerated() {
                recordTexts.append((Array(page[element.range]), kinds[(p * AshbyShapedPages.recordsPerPage + r + 1) % 3]))
            }
        }
        try report("records: parse, normalise, canonical, hash") {
            try recordTexts.reduce(0) { $0 &+ Int(truncatingIfNeeded: normalizer.normalize(try JSONValue.parse($1.bytes), kind: $1.kind).hash.value) }
        }
        report("records: normalised canonical + hash, no tree") {
            recordTexts.reduce(0) { acc, r in
                acc &+ Int(truncatingIfNeeded: r.bytes.withUnsafeBytes { normalizer.normalize(bytes: $0, kind: r.kind) }?.hash.value ?? 0)
            }
        }
        let sortedTexts = recordTexts.map { r -> (bytes: [UInt8], kind: EntityKind) in
            ((try? JSONValue.parse(r.bytes))?.canonicalBytes() ?? r.bytes, r.kind)
        }
        report("the same, keys already sorted (simulator)", bytes: sortedTexts.reduce(0) { $0 + $1.bytes.count }) {
            sortedTexts.reduce(0) { acc, r in
                acc &+ Int(truncatingIfNeeded: r.bytes.withUnsafeBytes { normalizer.normalize(bytes: $0, kind: r.kind) }?.hash.value ?? 0)
            }
        }

        guard withFoundation else { return }
        print("\n-- Foundation")
        let datas = pages.map { Data($0) }
        try report("JSONSerialization.jsonObject") {
            var n = 0
            for d in datas { if let o = try JSONSerialization.jsonObject(with: d) as? NSDictionary { n &+= o.count } }
            return n
        }
        let objects = try datas.map { try JSONSerialization.jsonObject(with: $0) }
        try report("JSONSerialization.data(.sortedKeys)", runs: min(runs, 3)) {
            try objects.reduce(0) { $0 &+ (try JSONSerialization.data(withJSONObject: $1, options: [.sortedKeys])).count }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let encodable = values.map(EncodableJSON.init)
        try report("JSONEncoder(.sortedKeys) of the same tree") {
            try encodable.reduce(0) { $0 &+ (try encoder.encode($1)).count }
        }
        try report("jsonObject + data(.sortedKeys) + XXH64", runs: min(runs, 3)) {
            var n = 0
            for d in datas {
                let o = try JSONSerialization.jsonObject(with: d)
                let out = try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])
                n &+= Int(truncatingIfNeeded: out.withUnsafeBytes { XXH64.hash($0, seed: 0) })
            }
            return n
        }
    }
}

/// Lets JSONEncoder write a `JSONValue` tree, for a like-for-like writer comparison.
struct EncodableJSON: Encodable {
    let value: JSONValue

    func encode(to encoder: Encoder) throws {
        switch value {
        case .null: var c = encoder.singleValueContainer(); try c.encodeNil()
        case .bool(let b): var c = encoder.singleValueContainer(); try c.encode(b)
        case .number(let n):
            var c = encoder.singleValueContainer()
            if let i = n.int64Value { try c.encode(i) } else { try c.encode(n.doubleValue ?? 0) }
        case .string(let s): var c = encoder.singleValueContainer(); try c.encode(s)
        case .array(let items):
            var c = encoder.unkeyedContainer()
            for item in items { try c.encode(EncodableJSON(value: item)) }
        case .object(let o):
            var c = encoder.container(keyedBy: Key.self)
            for m in o { try c.encode(EncodableJSON(value: m.value), forKey: Key(m.key)) }
        }
    }

    struct Key: CodingKey {
        let stringValue: String
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}

/// Deterministic list-reply pages shaped like Ashby's `application.list`, `candidate.list` and
/// `job.list` results (see ../shared/reference/ashby-recorded/), written compactly in Ashby's key order.
enum AshbyShapedPages {
    static let recordsPerPage = 100

    static func generate(targetBytes: Int) -> [[UInt8]] {
        var rng = SplitMix64(seed: 0x4A53_4F4E)
        var pages: [[UInt8]] = []
        var total = 0
        var serial = 0
        while total < targetBytes {
            var w = Writer()
            w.raw("{\"success\":true,\"results\":[")
            for r in 0..<recordsPerPage {
                if r > 0 { w.raw(",") }
                serial += 1
                switch serial % 3 {
                case 0: application(&w, &rng, serial)
                case 1: candidate(&w, &rng, serial)
                default: job(&w, &rng, serial)
                }
            }
            w.raw("],\"moreDataAvailable\":true,\"nextCursor\":")
            w.string("cursor-\(serial)-\(rng.next() % 1_000_000)")
            w.raw("}")
            total += w.bytes.count
            pages.append(w.bytes)
        }
        return pages
    }

    static let firstNames = ["Ana", "José", "Zoë", "Søren", "Björn", "Łukasz", "Chloé", "Nguyễn", "Ömer", "Priya",
                             "李", "さくら", "Олег", "Mary-Jane", "O'Brien", "Émile", "Dvořák", "Amélie", "Kai 🚀", "Tom"]
    static let lastNames = ["Smith", "García", "Müller", "Østergaard", "Kowalski", "Đặng", "Yılmaz", "Patel",
                            "雷", "山田", "Иванов", "Nuñez", "Schröder", "Van Der Berg", "D'Angelo", "Wang"]
    static let stages = ["Application Review", "Phone Screen", "Onsite", "Offer", "Hired", "Archived"]
    static let titles = ["Senior Full-Stack Engineer - Remote", "Product Designer (EU)", "Staff SRE \"Platform\"",
                         "Head of Sales, NA", "Data Scientist / ML", "Engineering Manager – Payments"]

    static func uuid(_ rng: inout SplitMix64) -> String {
        let a = rng.next(), b = rng.next()
        func hex(_ v: UInt64, _ digits: Int) -> String {
            let s = String(v & ((1 << (4 * UInt64(digits))) - 1), radix: 16)
            return String(repeating: "0", count: digits - s.count) + s
        }
        return "\(hex(a >> 32, 8))-\(hex(a >> 16, 4))-4\(hex(a, 3))-a\(hex(b >> 48, 3))-\(hex(b, 12))"
    }

    static func timestamp(_ rng: inout SplitMix64) -> String {
        let ms = 1_700_000_000_000 + Int64(rng.next() % 90_000_000_000)
        return Timestamp(millisecondsSinceEpoch: ms).iso8601
    }

    static func name(_ rng: inout SplitMix64) -> String {
        "\(firstNames[rng.below(firstNames.count)]) \(lastNames[rng.below(lastNames.count)])"
    }

    static func contact(_ w: inout Writer, _ value: String, _ type: String) {
        w.raw("{\"value\":"); w.string(value); w.raw(",\"type\":"); w.string(type); w.raw(",\"isPrimary\":true}")
    }

    static func source(_ w: inout Writer, _ rng: inout SplitMix64) {
        w.raw("{\"id\":"); w.string(uuid(&rng)); w.raw(",\"title\":\"Applied\",\"isArchived\":false,")
        w.raw("\"sourceType\":{\"id\":"); w.string(uuid(&rng)); w.raw(",\"title\":\"Inbound\",\"isArchived\":false}}")
    }

    static func application(_ w: inout Writer, _ rng: inout SplitMix64, _ n: Int) {
        w.raw("{\"id\":"); w.string(uuid(&rng))
        w.raw(",\"createdAt\":"); w.string(timestamp(&rng))
        w.raw(",\"updatedAt\":"); w.string(timestamp(&rng))
        w.raw(",\"archivedAt\":"); if rng.oneIn(2) { w.string(timestamp(&rng)) } else { w.raw("null") }
        w.raw(",\"candidate\":{\"id\":"); w.string(uuid(&rng))
        w.raw(",\"name\":"); w.string(name(&rng))
        w.raw(",\"primaryEmailAddress\":"); contact(&w, "user\(n)@example.com", "Personal")
        w.raw(",\"primaryPhoneNumber\":"); contact(&w, "+1000000\(1000 + n % 9000)", "Mobile")
        w.raw("},\"status\":"); w.string(["Active", "Archived", "Hired", "Lead"][rng.below(4)])
        w.raw(",\"customFields\":[")
        if rng.oneIn(3) {
            w.raw("{\"id\":"); w.string(uuid(&rng)); w.raw(",\"title\":\"Expected salary\",\"value\":")
            w.raw(String(50_000 + rng.below(150_000))); w.raw(".5,\"isPrivate\":false}")
        }
        w.raw("],\"currentInterviewStage\":{\"id\":"); w.string(uuid(&rng))
        let stage = stages[rng.below(stages.count)]
        w.raw(",\"title\":"); w.string(stage); w.raw(",\"type\":"); w.string(stage)
        w.raw(",\"interviewPlanId\":"); w.string(uuid(&rng))
        w.raw(",\"orderInInterviewPlan\":"); w.raw(String(rng.below(12)))
        w.raw(",\"interviewStageGroupId\":"); w.string(uuid(&rng))
        w.raw("},\"source\":"); source(&w, &rng)
        w.raw(",\"creditedToUser\":null,\"archiveReason\":")
        if rng.oneIn(2) {
            w.raw("{\"id\":"); w.string(uuid(&rng))
            w.raw(",\"text\":\"Lacks Skills/Qualifications\",\"reasonType\":\"RejectedByOrg\",\"isArchived\":false,\"customFields\":[]}")
        } else { w.raw("null") }
        w.raw(",\"job\":{\"id\":"); w.string(uuid(&rng))
        w.raw(",\"title\":"); w.string(titles[rng.below(titles.count)])
        w.raw(",\"locationId\":"); w.string(uuid(&rng))
        w.raw(",\"departmentId\":"); w.string(uuid(&rng))
        w.raw(",\"brandId\":"); w.string(uuid(&rng))
        w.raw("},\"hiringTeam\":[],\"appliedViaJobPostingId\":"); w.string(uuid(&rng))
        w.raw(",\"submitterClientIp\":null,\"submitterUserAgent\":null}")
    }

    static func candidate(_ w: inout Writer, _ rng: inout SplitMix64, _ n: Int) {
        let fullName = name(&rng)
        w.raw("{\"id\":"); w.string(uuid(&rng))
        w.raw(",\"createdAt\":"); w.string(timestamp(&rng))
        w.raw(",\"updatedAt\":"); w.string(timestamp(&rng))
        w.raw(",\"name\":"); w.string(fullName)
        w.raw(",\"primaryEmailAddress\":"); contact(&w, "candidate\(n)@example.com", "Personal")
        w.raw(",\"emailAddresses\":["); contact(&w, "candidate\(n)@example.com", "Personal")
        w.raw("],\"primaryPhoneNumber\":"); contact(&w, "+4420\(1_000_000 + n)", "Work")
        w.raw(",\"phoneNumbers\":[]")
        w.raw(",\"socialLinks\":[{\"type\":\"LinkedIn\",\"url\":"); w.string("https://linkedin.com/in/c-\(n)")
        w.raw("}],\"tags\":[")
        if rng.oneIn(2) { w.raw("{\"id\":"); w.string(uuid(&rng)); w.raw(",\"title\":\"Referral\",\"isArchived\":false}") }
        w.raw("],\"position\":"); w.string(titles[rng.below(titles.count)])
        w.raw(",\"company\":"); w.string(rng.oneIn(4) ? "Acme \\ Co\tLtd" : "Initech")
        w.raw(",\"school\":"); if rng.oneIn(2) { w.string("Universität Zürich") } else { w.raw("null") }
        w.raw(",\"applicationIds\":["); w.string(uuid(&rng)); if rng.oneIn(2) { w.raw(","); w.string(uuid(&rng)) }
        w.raw("],\"resumeFileHandle\":{\"id\":"); w.string(uuid(&rng))
        w.raw(",\"name\":"); w.string("CV \(fullName).pdf")
        w.raw(",\"handle\":\"eyJoYW5kbGUiOnsidHlwZSI6IlJlc3VtZUZpbGUiLCJmaWxlSWQiOiJhZjhjNGVkNi00ZjgwLTQwMTAtODMy\"}")
        w.raw(",\"customFields\":[],\"profileUrl\":"); w.string("https://app.ashbyhq.com/candidates/\(uuid(&rng))")
        w.raw(",\"source\":"); source(&w, &rng)
        w.raw(",\"creditedToUser\":null,\"timezone\":"); if rng.oneIn(3) { w.string("Europe/Berlin") } else { w.raw("null") }
        w.raw(",\"fraudStatus\":null")
        // Ashby escapes some characters itself; keep a few \u escapes and a surrogate pair in the input.
        w.raw(",\"notes\":\"Spoke with Ren\\u00e9e \\ud83d\\ude00 \\\"great\\\" fit\\nFollow up\"}")
    }

    static func job(_ w: inout Writer, _ rng: inout SplitMix64, _ n: Int) {
        w.raw("{\"id\":"); w.string(uuid(&rng))
        w.raw(",\"title\":"); w.string(titles[rng.below(titles.count)])
        w.raw(",\"confidential\":false,\"status\":"); w.string(["Open", "Closed", "Draft"][rng.below(3)])
        w.raw(",\"employmentType\":\"FullTime\",\"locationId\":"); w.string(uuid(&rng))
        w.raw(",\"departmentId\":"); w.string(uuid(&rng))
        w.raw(",\"defaultInterviewPlanId\":"); w.string(uuid(&rng))
        w.raw(",\"interviewPlanIds\":["); w.string(uuid(&rng))
        w.raw("],\"jobPostingIds\":["); for k in 0..<rng.below(3) { if k > 0 { w.raw(",") }; w.string(uuid(&rng)) }
        w.raw("],\"customFields\":[],\"hiringTeam\":[{\"userId\":"); w.string(uuid(&rng))
        w.raw(",\"firstName\":"); w.string(firstNames[rng.below(firstNames.count)])
        w.raw(",\"role\":\"Hiring Manager\"}],\"customRequisitionId\":"); if rng.oneIn(2) { w.string("REQ-\(n)") } else { w.raw("null") }
        w.raw(",\"brandId\":"); w.string(uuid(&rng))
        w.raw(",\"author\":{\"id\":"); w.string(uuid(&rng))
        w.raw(",\"firstName\":\"Test\",\"lastName\":\"User1\",\"email\":\"user1@example.com\",\"globalRole\":\"Organization Admin\",\"isEnabled\":true,\"updatedAt\":")
        w.string(timestamp(&rng))
        w.raw("},\"createdAt\":"); w.string(timestamp(&rng))
        w.raw(",\"updatedAt\":"); w.string(timestamp(&rng))
        w.raw(",\"openedAt\":"); w.string(timestamp(&rng))
        w.raw(",\"closedAt\":"); if rng.oneIn(2) { w.string(timestamp(&rng)) } else { w.raw("null") }
        w.raw(",\"compensationTiers\":[{\"min\":"); w.raw(String(80_000 + rng.below(50_000)))
        w.raw(",\"max\":1.5E+5,\"currency\":\"EUR\",\"equity\":0.001}]}")
    }

    /// Appends JSON text; `string` writes a string literal with the escapes JSON requires.
    struct Writer {
        var bytes: [UInt8] = []
        mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }
        mutating func string(_ s: String) {
            bytes.append(UInt8(ascii: "\""))
            for b in s.utf8 {
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
                case 0x0A: bytes.append(contentsOf: Array("\\n".utf8))
                case 0x09: bytes.append(contentsOf: Array("\\t".utf8))
                default: bytes.append(b)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }
}
