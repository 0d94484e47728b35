extension JSONValue {
    /// The default limit on nested arrays and objects.
    public static let defaultMaxDepth = 512

    /// Parses one JSON text (RFC 8259), surrounded by optional whitespace.
    ///
    /// Strict: no comments, no trailing commas, no leading zeros, no lone surrogates, valid UTF-8 only,
    /// no duplicate keys in an object (compared by UTF-8 bytes after unescaping). At most `maxDepth`
    /// arrays and objects may be open at once. Errors name the byte offset (see `JSONParseError`).
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buf) throws(JSONParseError) -> JSONValue in
            try parse(UnsafeRawBufferPointer(buf), maxDepth: maxDepth)
        }
    }

    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        var text = text
        // `withUTF8` is `rethrows`, which loses the typed error; carry it out in a Result.
        let result = text.withUTF8 { buf -> Result<JSONValue, JSONParseError> in
            do throws(JSONParseError) {
                return .success(try parse(UnsafeRawBufferPointer(buf), maxDepth: maxDepth))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Parses from memory the caller keeps valid for the duration of the call (e.g. bytes in an LMDB
    /// read transaction); the result owns copies of everything it holds.
    public static func parse(_ buffer: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        guard let start = buffer.baseAddress, buffer.count > 0 else {
            throw JSONParseError(offset: 0, reason: .unexpectedEnd)
        }
        var p = JSONParser(start.assumingMemoryBound(to: UInt8.self), count: buffer.count, maxDepth: maxDepth)
        p.skipWhitespace()
        let v = try p.parseValue(depth: 0)
        p.skipWhitespace()
        guard p.pos == p.end else { throw JSONParseError(offset: p.pos, reason: .trailingData) }
        return v
    }
}

/// A recursive-descent parser over raw bytes.
///
/// Strings are the hot spot on API records (UUIDs, timestamps, names): the scanner skips eight plain
/// ASCII bytes at a time, validates non-ASCII UTF-8 in place (so errors get an exact offset), and copies
/// a string without escapes straight from the input into its `String`. Only strings with escapes go
/// through the reusable `scratch` buffer.
struct JSONParser {
    let base: UnsafePointer<UInt8>
    let end: Int
    let maxDepth: Int
    var pos = 0
    /// Unescaped bytes of the string being decoded; reused so escaped strings do not allocate twice.
    var scratch: [UInt8] = []

    init(_ base: UnsafePointer<UInt8>, count: Int, maxDepth: Int) {
        self.base = base
        end = count
        self.maxDepth = maxDepth
    }

    @inline(__always) func byte(_ i: Int) -> UInt8 { base[i] }

    @inline(__always) func fail(_ reason: JSONParseError.Reason, at offset: Int) -> JSONParseError {
        JSONParseError(offset: offset, reason: reason)
    }

    mutating func skipWhitespace() {
        while pos < end {
            let b = byte(pos)
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { pos += 1 } else { return }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard pos < end else { throw fail(.unexpectedEnd, at: pos) }
        switch byte(pos) {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case let b: throw fail(.unexpectedByte(b), at: pos)
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        for i in 0..<n {
            guard pos + i < end else { throw fail(.unexpectedEnd, at: end) }
            guard byte(pos + i) == w[i] else { throw fail(.unexpectedByte(byte(pos + i)), at: pos + i) }
        }
        pos += n
    }

    // MARK: numbers

    /// Checks RFC 8259 number syntax and keeps the text. An invalid number fails at the first byte that
    /// cannot continue it (e.g. the `1` of `01`, the end of `1.`).
    mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = pos
        try scanNumber()
        return JSONNumber(unchecked: makeString(start, pos))
    }

    /// Moves `pos` past the number at `pos`, checking its syntax (see `parseNumber`).
    @inline(__always) mutating func scanNumber() throws(JSONParseError) {
        if byte(pos) == UInt8(ascii: "-") { pos += 1 }
        guard pos < end, isDigit(byte(pos)) else { throw fail(.invalidNumber, at: pos) }
        if byte(pos) == UInt8(ascii: "0") {
            pos += 1
            // A leading zero is the whole integer part.
            if pos < end, isDigit(byte(pos)) { throw fail(.invalidNumber, at: pos) }
        } else {
            skipDigits()
        }
        if pos < end, byte(pos) == UInt8(ascii: ".") {
            pos += 1
            guard pos < end, isDigit(byte(pos)) else { throw fail(.invalidNumber, at: pos) }
            skipDigits()
        }
        if pos < end, byte(pos) | 0x20 == UInt8(ascii: "e") {
            pos += 1
            if pos < end, byte(pos) == UInt8(ascii: "+") || byte(pos) == UInt8(ascii: "-") { pos += 1 }
            guard pos < end, isDigit(byte(pos)) else { throw fail(.invalidNumber, at: pos) }
            skipDigits()
        }
    }

    @inline(__always) mutating func skipDigits() {
        while pos < end, isDigit(byte(pos)) { pos += 1 }
    }

    @inline(__always) func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

    // MARK: strings

    /// Parses the string literal at `pos` (its opening quote).
    mutating func parseString() throws(JSONParseError) -> String {
        pos += 1
        var runStart = pos
        var unescaping = false
        while true {
            try skipPlainBytes()
            guard pos < end else { throw fail(.unexpectedEnd, at: end) }
            let b = byte(pos)
            if b == UInt8(ascii: "\"") {
                let s: String
                if unescaping {
                    scratch.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: pos - runStart))
                    s = String(decoding: scratch, as: UTF8.self)
                } else {
                    s = makeString(runStart, pos)
                }
                pos += 1
                return s
            }
            guard b == UInt8(ascii: "\\") else { throw fail(.controlCharacterInString, at: pos) }
            if !unescaping {
                scratch.removeAll(keepingCapacity: true)
                unescaping = true
            }
            scratch.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: pos - runStart))
            try unescape()
            runStart = pos
        }
    }

    /// Advances `pos` over bytes that stand for themselves in a string: printable ASCII other than `"`
    /// and `\`, and valid UTF-8 sequences. Stops at a quote, backslash, control character or the end.
    @inline(__always) mutating func skipPlainBytes() throws(JSONParseError) {
        while true {
            // Eight bytes at a time; on a word that is not all plain, straight to its first special byte
            // (the mask's lowest hit is exact), instead of byte by byte up to it: most strings of API
            // records (keys, UUIDs, timestamps) end within a word, so this is where a scan spends its time.
            while pos + 8 <= end {
                let special = JSONParser.specialBytes(UInt64(littleEndian: UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self)))
                if special == 0 { pos += 8; continue }
                pos += special.trailingZeroBitCount &>> 3
                break
            }
            guard pos < end else { return }
            let b = byte(pos)
            if b >= 0x80 {
                try skipUTF8Sequence()
            } else if b >= 0x20 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") {
                pos += 1
            } else {
                return
            }
        }
    }

    /// Whether all eight bytes of `word` are printable ASCII other than `"` and `\` (SWAR: a byte's
    /// high bit in `special` is set when that byte is < 0x20, >= 0x80, `"` or `\`; borrows can only
    /// add false hits above a true one, so "none" is exact).
    @inline(__always) static func isPlainASCII(_ word: UInt64) -> Bool {
        specialBytes(word) == 0
    }

    /// The high bit of each byte of `word` that may be special (see `isPlainASCII`). The lowest set bit
    /// is exact: a false hit needs a borrow, which only a true hit below it starts. In a word loaded
    /// little-endian, its byte is the first special byte in memory order.
    @inline(__always) static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)
            | ((word &- ones &* 0x20) & ~word) | word
        return special & (ones &* 0x80)
    }

    /// Skips one well-formed UTF-8 sequence (no overlongs, no surrogates, at most U+10FFFF) starting at
    /// `pos`; otherwise fails at its first byte.
    mutating func skipUTF8Sequence() throws(JSONParseError) {
        let lead = byte(pos)
        let count: Int
        var lower: UInt8 = 0x80, upper: UInt8 = 0xBF  // allowed range of the second byte
        switch lead {
        case 0xC2...0xDF: count = 2
        case 0xE0: count = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: count = 3
        case 0xED: count = 3; upper = 0x9F
        case 0xF0: count = 4; lower = 0x90
        case 0xF1...0xF3: count = 4
        case 0xF4: count = 4; upper = 0x8F
        default: throw fail(.invalidUTF8, at: pos)
        }
        guard pos + count <= end else { throw fail(.invalidUTF8, at: pos) }
        let second = byte(pos + 1)
        guard second >= lower && second <= upper else { throw fail(.invalidUTF8, at: pos) }
        for i in 2..<max(count, 2) where byte(pos + i) & 0xC0 != 0x80 {
            throw fail(.invalidUTF8, at: pos)
        }
        pos += count
    }

    /// Decodes the escape sequence at `pos` (its backslash) into `scratch`.
    mutating func unescape() throws(JSONParseError) {
        let escapeAt = pos
        pos += 1
        guard pos < end else { throw fail(.unexpectedEnd, at: end) }
        let e = byte(pos)
        pos += 1
        switch e {
        case UInt8(ascii: "\""): scratch.append(0x22)
        case UInt8(ascii: "\\"): scratch.append(0x5C)
        case UInt8(ascii: "/"): scratch.append(0x2F)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4(escapeAt: escapeAt)
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard pos + 1 < end, byte(pos) == UInt8(ascii: "\\"), byte(pos + 1) == UInt8(ascii: "u")
                else { throw fail(.invalidUnicodeEscape, at: escapeAt) }
                pos += 2
                let low = try hex4(escapeAt: escapeAt)
                guard (0xDC00..<0xE000).contains(low) else { throw fail(.invalidUnicodeEscape, at: escapeAt) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw fail(.invalidUnicodeEscape, at: escapeAt)
            }
            appendUTF8(scalar)
        default:
            throw fail(.invalidEscape, at: escapeAt)
        }
    }

    mutating func hex4(escapeAt: Int) throws(JSONParseError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard pos < end else { throw fail(.unexpectedEnd, at: end) }
            let b = byte(pos)
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw fail(.invalidUnicodeEscape, at: escapeAt)
            }
            v = v << 4 | UInt32(d)
            pos += 1
        }
        return v
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80: scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | (scalar >> 6)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | (scalar >> 12)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            scratch.append(UInt8(0xF0 | (scalar >> 18)))
            scratch.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    /// A String of input bytes already checked to be valid UTF-8.
    @inline(__always) func makeString(_ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: base + from, count: to - from), as: UTF8.self)
    }

    // MARK: containers

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw fail(.nestingTooDeep(limit: maxDepth), at: pos) }
        pos += 1
        skipWhitespace()
        if pos < end, byte(pos) == UInt8(ascii: "]") { pos += 1; return .array([]) }
        var items: [JSONValue] = []
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth))
            if try endOfItem(closing: UInt8(ascii: "]")) { return .array(items) }
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw fail(.nestingTooDeep(limit: maxDepth), at: pos) }
        let objectStart = pos
        pos += 1
        skipWhitespace()
        if pos < end, byte(pos) == UInt8(ascii: "}") { pos += 1; return .object(JSONObject()) }
        var members: [JSONObject.Member] = []
        var sorted = true
        // Written out, not through `expectKey`/`append`/`endOfItem` as the other object parsers are:
        // this is the hot path of every sync, and the calls measured 5-10 % slower here.
        while true {
            skipWhitespace()
            guard pos < end else { throw fail(.unexpectedEnd, at: end) }
            guard byte(pos) == UInt8(ascii: "\"") else { throw fail(.unexpectedByte(byte(pos)), at: pos) }
            let keyAt = pos
            let key = try parseString()
            try skipColon()
            let value = try parseValue(depth: depth)
            if sorted, let last = members.last {
                let c = JSONObject.compareKeys(last.key, key)
                if c == 0 { throw fail(.duplicateKey(key), at: keyAt) }
                if c > 0 { sorted = false }
            }
            members.append(JSONObject.Member(key: key, value: value))
            skipWhitespace()
            guard pos < end else { throw fail(.unexpectedEnd, at: end) }
            let b = byte(pos)
            pos += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "}") { break }
            throw fail(.unexpectedByte(b), at: pos - 1)
        }
        if !sorted { try sortAndCheck(&members, objectStart: objectStart) }
        return .object(JSONObject(sortedUniqueMembers: members))
    }

    // The steps objects and arrays share, whether parsed whole, in part (`JSONParser+Selection`) or
    // skipped (`JSONParser+Skip`), so all fail alike at the same offsets.

    /// Skips whitespace before a member; fails unless a key's opening quote follows. Returns its offset.
    @inline(__always) mutating func expectKey() throws(JSONParseError) -> Int {
        skipWhitespace()
        guard pos < end else { throw fail(.unexpectedEnd, at: end) }
        guard byte(pos) == UInt8(ascii: "\"") else { throw fail(.unexpectedByte(byte(pos)), at: pos) }
        return pos
    }

    /// After a member's key: whitespace, the colon, whitespace.
    @inline(__always) mutating func skipColon() throws(JSONParseError) {
        skipWhitespace()
        guard pos < end else { throw fail(.unexpectedEnd, at: end) }
        guard byte(pos) == UInt8(ascii: ":") else { throw fail(.unexpectedByte(byte(pos)), at: pos) }
        pos += 1
        skipWhitespace()
    }

    /// After a member or element: whitespace, then a comma (false: more follow) or `closing` (true).
    @inline(__always) mutating func endOfItem(closing: UInt8) throws(JSONParseError) -> Bool {
        skipWhitespace()
        guard pos < end else { throw fail(.unexpectedEnd, at: end) }
        let b = byte(pos)
        pos += 1
        if b == UInt8(ascii: ",") { return false }
        if b == closing { return true }
        throw fail(.unexpectedByte(b), at: pos - 1)
    }

    /// Appends a member in the order met, noting whether the members stay sorted; a key equal to the
    /// one before is a duplicate (at `keyAt`). Others are found by `sortAndCheck(_:objectStart:)`.
    @inline(__always) func append(key: String, value: consuming JSONValue, to members: inout [JSONObject.Member], sorted: inout Bool,
                                  keyAt: Int) throws(JSONParseError) {
        if sorted, let last = members.last {
            let c = JSONObject.compareKeys(last.key, key)
            if c == 0 { throw fail(.duplicateKey(key), at: keyAt) }
            if c > 0 { sorted = false }
        }
        members.append(JSONObject.Member(key: key, value: value))
    }

    /// Sorts members that `append` found out of order and checks them for a repeated key, reported at
    /// its second occurrence.
    @inline(__always) func sortAndCheck(_ members: inout [JSONObject.Member], objectStart: Int) throws(JSONParseError) {
        JSONObject.sortMembers(&members)
        for i in 1..<members.count where JSONObject.compareKeys(members[i - 1].key, members[i].key) == 0 {
            let key = members[i].key
            throw fail(.duplicateKey(key), at: offsetOfRepeatedKey(key, inObjectAt: objectStart))
        }
    }

    /// The offset of the second occurrence of `key` among the members of the object at `objectStart`,
    /// which has already parsed successfully up to its closing brace. Only runs to report an error.
    func offsetOfRepeatedKey(_ key: String, inObjectAt objectStart: Int) -> Int {
        var p = JSONParser(base, count: end, maxDepth: Int.max)
        p.pos = objectStart + 1
        var seen = false
        while true {
            p.skipWhitespace()
            let keyAt = p.pos
            guard let k = try? p.parseString() else { return objectStart }
            if JSONObject.compareKeys(k, key) == 0 {
                if seen { return keyAt }
                seen = true
            }
            p.skipWhitespace()
            p.pos += 1  // ':'
            p.skipWhitespace()
            guard (try? p.parseValue(depth: 0)) != nil else { return objectStart }
            p.skipWhitespace()
            p.pos += 1  // ','
        }
    }
}
