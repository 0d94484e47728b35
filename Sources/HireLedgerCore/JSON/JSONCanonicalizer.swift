/// Writes the canonical bytes of a JSON text straight from its bytes, without building a `JSONValue`:
/// what `JSONValue.parse(text).canonicalBytes()` gives, optionally with a kind's normalisation rules
/// applied on the way (`RecordNormalizer.normalize(bytes:kind:)`).
///
/// Why (issue 17): in a first sync nearly every record is new, and the pass's task spent most of its time
/// building a tree of each record (strings, arrays, objects, each allocated and reference counted), a
/// second tree with the rules applied, and the canonical bytes from that, only to hash and store the
/// bytes. Here each member is written as it is met (the rules deciding whether, and how its value is
/// reduced), and an object whose members did not come in key order has their outputs put in order after.
///
/// Exactly as strict as the parser: every byte is checked as `JSONValue.parse` checks it, members that
/// the rules drop included, and duplicate keys are looked for in every object. It does not report
/// errors, though: on anything the parser would reject, and on a key written with an escape (rare; its
/// order needs the decoded key), it gives nil and the caller takes the tree path, which reports the
/// error exactly as before.
struct JSONCanonicalizer: ~Copyable {
    /// A member of an object being written: its key's bytes (between the quotes) and what it wrote to the
    /// output (its key, colon and value; nothing when the rules drop it).
    private struct Placed {
        var keyStart: Int
        var keyCount: Int
        var outStart: Int
        var outEnd: Int
        var key: (start: Int, count: Int) { (keyStart, keyCount) }
    }

    private var parser: JSONParser
    private var out: JSONWriter
    /// The members of the objects open along the current path, each object's at the end while it is
    /// written (one array for the whole text instead of one per object).
    private var placed: [Placed] = []

    private init(_ base: UnsafePointer<UInt8>, count: Int, maxDepth: Int) {
        parser = JSONParser(base, count: count, maxDepth: maxDepth)
        out = JSONWriter(capacity: count + 16)
    }

    /// The canonical bytes of the JSON text in `buffer` with `plan` applied (none: the text as it is);
    /// nil when the text is not valid JSON or has an escaped key.
    static func canonicalBytes(_ buffer: UnsafeRawBufferPointer, plan: NormalizationPlan?,
                               maxDepth: Int = JSONValue.defaultMaxDepth) -> [UInt8]? {
        guard let start = buffer.baseAddress, buffer.count > 0 else { return nil }
        var c = JSONCanonicalizer(start.assumingMemoryBound(to: UInt8.self), count: buffer.count, maxDepth: maxDepth)
        do throws(JSONParseError) {
            c.parser.skipWhitespace()
            guard try c.value(plan?.root, emit: true, depth: 0) else { return nil }
            c.parser.skipWhitespace()
            guard c.parser.pos == c.parser.end else { return nil }
        } catch {
            return nil
        }
        return c.out.withBytes { Array($0) }
    }

    /// Canonicalises the value at the parser's position (written when `emit`, else only checked), with
    /// `node`'s rules. False when it cannot (an escaped key, a duplicate key).
    private mutating func value(_ node: NormalizationPlan.Node?, emit: Bool, depth: Int) throws(JSONParseError) -> Bool {
        guard parser.pos < parser.end else { throw parser.fail(.unexpectedEnd, at: parser.pos) }
        let start = parser.pos
        switch parser.byte(start) {
        case UInt8(ascii: "\""):
            if try parser.skipString() {
                // Escaped: written as the canonical writer writes the decoded string.
                if emit {
                    var p = JSONParser(parser.base, count: parser.end, maxDepth: parser.maxDepth)
                    p.pos = start
                    out.writeString(try p.parseString())
                }
                return true
            }
        case UInt8(ascii: "{"):
            return try object(node?.object, emit: emit, depth: depth + 1)
        case UInt8(ascii: "["):
            return try array(node?.elements, emit: emit, depth: depth + 1)
        case UInt8(ascii: "t"): try parser.literal("true")
        case UInt8(ascii: "f"): try parser.literal("false")
        case UInt8(ascii: "n"): try parser.literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try parser.scanNumber()
        case let b: throw parser.fail(.unexpectedByte(b), at: start)
        }
        // A literal, a number or a string without escapes: its canonical form is its text.
        if emit { out.append(UnsafeBufferPointer(start: parser.base + start, count: parser.pos - start)) }
        return true
    }

    private mutating func array(_ each: NormalizationPlan.Node?, emit: Bool, depth: Int) throws(JSONParseError) -> Bool {
        if try opensEmpty(UInt8(ascii: "["), UInt8(ascii: "]"), emit: emit, depth: depth) { return true }
        var first = true
        while true {
            parser.skipWhitespace()
            if emit && !first { out.append(UInt8(ascii: ",")) }
            first = false
            guard try value(each, emit: emit, depth: depth) else { return false }
            if try parser.endOfItem(closing: UInt8(ascii: "]")) { break }
        }
        if emit { out.append(UInt8(ascii: "]")) }
        return true
    }

    /// An object: each member written as met (under the rule's action for its key), its place in the output
    /// noted. Members whose keys come in increasing order (all of the simulator's, and of any canonical
    /// text) are then done; otherwise the members' outputs are put in key order afterwards, a copy of the
    /// object's bytes, so every byte is still scanned once.
    private mutating func object(_ rule: NormalizationPlan.ObjectRule?, emit: Bool, depth: Int) throws(JSONParseError) -> Bool {
        if try opensEmpty(UInt8(ascii: "{"), UInt8(ascii: "}"), emit: emit, depth: depth) { return true }
        let bodyStart = out.count
        let first = placed.count
        defer { placed.removeSubrange(first...) }
        var sorted = true
        var written = 0
        while true {
            let (keyAt, keyEnd, escaped) = try parser.skipKeyAndColon()
            if escaped { return false }
            let key = (start: keyAt + 1, count: keyEnd - keyAt - 2)
            if sorted, placed.count > first, compare(placed[placed.count - 1].key, key) >= 0 { sorted = false }
            let (write, node) = action(for: key, rule, emit: emit)
            if write {
                if written > 0 { out.append(UInt8(ascii: ",")) }
                written += 1
            }
            let memberStart = out.count
            if write {
                // The key with its quotes: without escapes, its text is its canonical form.
                out.append(UnsafeBufferPointer(start: parser.base + key.start - 1, count: key.count + 2))
                out.append(UInt8(ascii: ":"))
            }
            guard try value(node, emit: write, depth: depth) else { return false }
            placed.append(Placed(keyStart: key.start, keyCount: key.count, outStart: memberStart, outEnd: out.count))
            if try parser.endOfItem(closing: UInt8(ascii: "}")) { break }
        }
        if !sorted {
            let base = parser.base
            placed[first...].sort { a, b in
                JSONObject.compareUTF8(UnsafeBufferPointer(start: base + a.keyStart, count: a.keyCount),
                                       UnsafeBufferPointer(start: base + b.keyStart, count: b.keyCount)) < 0
            }
            for i in (first + 1)..<placed.count where compare(placed[i - 1].key, placed[i].key) == 0 { return false }
            if emit {
                // The members' outputs (commas left out) joined again in key order.
                var body: [UInt8] = []
                body.reserveCapacity(out.count - bodyStart)
                out.withBytes { all in
                    for m in placed[first...] where m.outEnd > m.outStart {
                        if !body.isEmpty { body.append(UInt8(ascii: ",")) }
                        body.append(contentsOf: UnsafeBufferPointer(rebasing: all[m.outStart..<m.outEnd]))
                    }
                }
                out.truncate(to: bodyStart)
                body.withUnsafeBufferPointer { out.append($0) }
            }
        }
        if emit { out.append(UInt8(ascii: "}")) }
        return true
    }

    /// Checks the nesting depth, moves past the array's or object's `opening` byte at the parser's position
    /// (written when `emit`) and whitespace; true when `closing` follows at once (then moved past and written).
    private mutating func opensEmpty(_ opening: UInt8, _ closing: UInt8, emit: Bool, depth: Int) throws(JSONParseError) -> Bool {
        guard depth <= parser.maxDepth else { throw parser.fail(.nestingTooDeep(limit: parser.maxDepth), at: parser.pos) }
        parser.pos += 1
        if emit { out.append(opening) }
        parser.skipWhitespace()
        guard parser.pos < parser.end, parser.byte(parser.pos) == closing else { return false }
        parser.pos += 1
        if emit { out.append(closing) }
        return true
    }

    /// What the object's rule does with the member `key`: whether it is written (never when the object is
    /// not) and the rule for its value (`rewrite`).
    private func action(for key: (start: Int, count: Int), _ rule: NormalizationPlan.ObjectRule?, emit: Bool)
        -> (write: Bool, node: NormalizationPlan.Node?) {
        guard let rule else { return (emit, nil) }
        let bytes = UnsafeBufferPointer(start: parser.base + key.start, count: key.count)
        // The entries are sorted by key bytes (a handful per object): a binary search.
        var low = 0, high = rule.entries.count
        var found: NormalizationPlan.ObjectRule.Action? = nil
        while low < high {
            let mid = (low + high) / 2
            let c = rule.keyBytes[mid].withUnsafeBufferPointer { JSONObject.compareUTF8($0, bytes) }
            if c == 0 { found = rule.entries[mid].action; break }
            if c < 0 { low = mid + 1 } else { high = mid }
        }
        switch found {
        case nil where rule.othersStay, .keep?: return (emit, nil)
        case nil, .remove?: return (false, nil)
        case .rewrite(let node)?: return (emit, node)
        }
    }

    /// The order of two keys (UTF-8 bytes; keys without escapes are their bytes).
    private func compare(_ a: (start: Int, count: Int), _ b: (start: Int, count: Int)) -> Int {
        JSONObject.compareUTF8(UnsafeBufferPointer(start: parser.base + a.start, count: a.count),
                               UnsafeBufferPointer(start: parser.base + b.start, count: b.count))
    }
}
