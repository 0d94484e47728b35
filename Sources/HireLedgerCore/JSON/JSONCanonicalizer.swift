/// Writes the canonical bytes of a JSON text straight from its bytes, without building a `JSONValue`:
/// what `JSONValue.parse(text).canonicalBytes()` gives, optionally with a kind's normalisation rules
/// applied on the way (`RecordNormalizer.normalize(bytes:kind:)`).
///
/// Why (issue 17): in a first sync nearly every record is new, and the pass's task spent most of its time
/// building a tree of each record (strings, arrays, objects, each allocated and reference counted), a
/// second tree with the rules applied, and the canonical bytes from that, only to hash and store the
/// bytes. Here an object's members are located in place (key and value byte ranges), sorted by key when
/// they are not already, and copied out; the rules decide per member whether it is written.
///
/// Exactly as strict as the parser: every byte is checked as `JSONValue.parse` checks it, members that
/// the rules drop included, and duplicate keys are looked for in every object. It does not report
/// errors, though: on anything the parser would reject, and on a key written with an escape (rare; its
/// order needs the decoded key), it gives nil and the caller takes the tree path, which reports the
/// error exactly as before.
struct JSONCanonicalizer: ~Copyable {
    /// A member of an object whose keys are out of order: its key's bytes (between the quotes) and where
    /// its value starts.
    private struct Placed {
        var keyStart: Int
        var keyCount: Int
        var valueStart: Int
        var key: (start: Int, count: Int) { (keyStart, keyCount) }
    }

    private var parser: JSONParser
    private var out: JSONWriter
    /// The members of the out-of-order objects open along the current path, each object's at the end
    /// while it is written (one array for the whole text instead of one per object).
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

    private mutating func object(_ rule: NormalizationPlan.ObjectRule?, emit: Bool, depth: Int) throws(JSONParseError) -> Bool {
        let objectStart = parser.pos, outMark = out.count
        // Members whose keys come in increasing order (all of most API records) are written as they are
        // met; at the first key that does not, this object starts again in two steps (`unordered`).
        if try opensEmpty(UInt8(ascii: "{"), UInt8(ascii: "}"), emit: emit, depth: depth) { return true }
        var members = Members(rule: rule, emit: emit)
        var previous: (start: Int, count: Int)? = nil
        while true {
            let (keyAt, keyEnd, escaped) = try parser.skipKeyAndColon()
            if escaped { return false }
            let key = (start: keyAt + 1, count: keyEnd - keyAt - 2)
            if let previous, compare(previous, key) >= 0 {
                out.truncate(to: outMark)
                parser.pos = objectStart
                return try unordered(rule, emit: emit, depth: depth)
            }
            previous = key
            guard try member(key, &members, depth: depth) else { return false }
            if try parser.endOfItem(closing: UInt8(ascii: "}")) { break }
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

    /// An object whose keys are not in order: first the members' places, each value checked by skipping
    /// it (its duplicate keys are looked for when it is canonicalised below), sorted by key; then each
    /// member in key order.
    private mutating func unordered(_ rule: NormalizationPlan.ObjectRule?, emit: Bool, depth: Int) throws(JSONParseError) -> Bool {
        let first = placed.count
        defer { placed.removeSubrange(first...) }
        parser.pos += 1
        while true {
            let (keyAt, keyEnd, escaped) = try parser.skipKeyAndColon()
            if escaped { return false }
            placed.append(Placed(keyStart: keyAt + 1, keyCount: keyEnd - keyAt - 2, valueStart: parser.pos))
            try parser.skipValue(depth: depth)
            if try parser.endOfItem(closing: UInt8(ascii: "}")) { break }
        }
        let objectEnd = parser.pos
        let base = parser.base
        placed[first...].sort { a, b in
            JSONObject.compareUTF8(UnsafeBufferPointer(start: base + a.keyStart, count: a.keyCount),
                                   UnsafeBufferPointer(start: base + b.keyStart, count: b.keyCount)) < 0
        }
        let count = placed.count - first
        for i in (first + 1)..<(first + count) where compare(placed[i - 1].key, placed[i].key) == 0 { return false }
        if emit { out.append(UInt8(ascii: "{")) }
        var members = Members(rule: rule, emit: emit)
        for i in first..<(first + count) {
            parser.pos = placed[i].valueStart
            guard try member(placed[i].key, &members, depth: depth) else { return false }
        }
        parser.pos = objectEnd
        if emit { out.append(UInt8(ascii: "}")) }
        return true
    }

    /// The state of writing one object's members in key order under its rule.
    private struct Members {
        let rule: NormalizationPlan.ObjectRule?
        let emit: Bool
        /// The next rule entry that may match (entries and members are both in key order).
        var entry = 0
        var written = 0
    }

    /// Writes (or only checks) the member with `key` whose value is at the parser's position, under the
    /// object's rule: dropped, kept as it is, or rewritten by a node of the rule.
    private mutating func member(_ key: (start: Int, count: Int), _ members: inout Members, depth: Int) throws(JSONParseError) -> Bool {
        var write = members.emit
        var node: NormalizationPlan.Node? = nil
        if let rule = members.rule {
            let bytes = UnsafeBufferPointer(start: parser.base + key.start, count: key.count)
            var action: NormalizationPlan.ObjectRule.Action? = nil
            while members.entry < rule.entries.count {
                let c = rule.keyBytes[members.entry].withUnsafeBufferPointer { JSONObject.compareUTF8($0, bytes) }
                if c < 0 { members.entry += 1; continue }
                if c == 0 { action = rule.entries[members.entry].action }
                break
            }
            switch action {
            case nil where rule.othersStay, .keep?: break
            case nil, .remove?: write = false
            case .rewrite(let n)?: node = n
            }
        }
        if write {
            if members.written > 0 { out.append(UInt8(ascii: ",")) }
            // The key with its quotes: without escapes, its text is its canonical form.
            out.append(UnsafeBufferPointer(start: parser.base + key.start - 1, count: key.count + 2))
            out.append(UInt8(ascii: ":"))
            members.written += 1
        }
        return try value(node, emit: write, depth: depth)
    }

    /// The order of two keys (UTF-8 bytes; keys without escapes are their bytes).
    private func compare(_ a: (start: Int, count: Int), _ b: (start: Int, count: Int)) -> Int {
        JSONObject.compareUTF8(UnsafeBufferPointer(start: parser.base + a.start, count: a.count),
                               UnsafeBufferPointer(start: parser.base + b.start, count: b.count))
    }
}
