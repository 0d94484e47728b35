/// Why a JSON text was rejected, and at which byte offset (0-based) of the input.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case unexpectedEnd
        case unexpectedByte(UInt8)
        case invalidNumber
        case invalidEscape
        case invalidUnicodeEscape
        case controlCharacterInString
        case invalidUTF8
        case duplicateKey(String)
        case nestingTooDeep(limit: Int)
        case trailingData
    }

    public let offset: Int
    public let reason: Reason

    public init(offset: Int, reason: Reason) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        let what: String
        switch reason {
        case .unexpectedEnd: what = "unexpected end of input"
        case .unexpectedByte(let b):
            what = (0x20..<0x7F).contains(b)
                ? "unexpected character '\(Character(Unicode.Scalar(b)))'"
                : "unexpected byte 0x\(String(b, radix: 16))"
        case .invalidNumber: what = "invalid number"
        case .invalidEscape: what = "invalid escape sequence in string"
        case .invalidUnicodeEscape: what = "invalid \\u escape in string"
        case .controlCharacterInString: what = "unescaped control character in string"
        case .invalidUTF8: what = "invalid UTF-8"
        case .duplicateKey(let k): what = "duplicate object key \"\(k)\""
        case .nestingTooDeep(let limit): what = "nesting deeper than \(limit) levels"
        case .trailingData: what = "data after the JSON value"
        }
        return "invalid JSON at byte \(offset): \(what)"
    }
}

extension JSONValue {
    /// The default limit on nested arrays and objects.
    public static let defaultMaxDepth = 512

    /// Parses one JSON text (RFC 8259), surrounded by optional whitespace.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buf) throws(JSONParseError) -> JSONValue in
            try parse(UnsafeRawBufferPointer(buf), maxDepth: maxDepth)
        }
    }

    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }

    public static func parse(_ buffer: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        var p = JSONParser(buffer, maxDepth: maxDepth)
        p.skipWhitespace()
        let v = try p.parseValue(depth: 0)
        p.skipWhitespace()
        guard p.pos == p.end else { throw JSONParseError(offset: p.pos, reason: .trailingData) }
        return v
    }
}

/// A recursive-descent parser over raw bytes.
struct JSONParser {
    let base: UnsafePointer<UInt8>?
    let end: Int
    let maxDepth: Int
    var pos = 0

    init(_ buffer: UnsafeRawBufferPointer, maxDepth: Int) {
        base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
        end = buffer.count
        self.maxDepth = maxDepth
    }

    @inline(__always) func byte(_ i: Int) -> UInt8 { base![i] }

    mutating func skipWhitespace() {
        while pos < end {
            let b = byte(pos)
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { pos += 1 } else { return }
        }
    }

    func fail(_ reason: JSONParseError.Reason, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? pos, reason: reason)
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard pos < end else { throw fail(.unexpectedEnd) }
        switch byte(pos) {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case let b: throw fail(.unexpectedByte(b))
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

    mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = pos
        if byte(pos) == UInt8(ascii: "-") { pos += 1 }
        guard pos < end else { throw fail(.invalidNumber, at: start) }
        if byte(pos) == UInt8(ascii: "0") {
            pos += 1
        } else if isDigit(byte(pos)) {
            while pos < end, isDigit(byte(pos)) { pos += 1 }
        } else {
            throw fail(.invalidNumber, at: start)
        }
        if pos < end, byte(pos) == UInt8(ascii: ".") {
            pos += 1
            guard pos < end, isDigit(byte(pos)) else { throw fail(.invalidNumber, at: start) }
            while pos < end, isDigit(byte(pos)) { pos += 1 }
        }
        if pos < end, byte(pos) | 0x20 == UInt8(ascii: "e") {
            pos += 1
            if pos < end, byte(pos) == UInt8(ascii: "+") || byte(pos) == UInt8(ascii: "-") { pos += 1 }
            guard pos < end, isDigit(byte(pos)) else { throw fail(.invalidNumber, at: start) }
            while pos < end, isDigit(byte(pos)) { pos += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(start: base! + start, count: pos - start), as: UTF8.self)
        return JSONNumber(unchecked: text)
    }

    @inline(__always) func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

    mutating func parseString() throws(JSONParseError) -> String {
        pos += 1  // opening quote
        let start = pos
        // Fast path: no escapes.
        while pos < end {
            let b = byte(pos)
            if b == UInt8(ascii: "\"") {
                let s = try makeString(start, pos)
                pos += 1
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw fail(.controlCharacterInString) }
            pos += 1
        }
        guard pos < end else { throw fail(.unexpectedEnd) }
        var out: [UInt8] = []
        out.reserveCapacity(pos - start + 16)
        out.append(contentsOf: UnsafeBufferPointer(start: base! + start, count: pos - start))
        while pos < end {
            let b = byte(pos)
            switch b {
            case UInt8(ascii: "\""):
                pos += 1
                return try validatedString(out, start: start)
            case UInt8(ascii: "\\"):
                let escapeAt = pos
                pos += 1
                guard pos < end else { throw fail(.unexpectedEnd) }
                let e = byte(pos)
                pos += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4(at: escapeAt)
                    if (0xD800..<0xDC00).contains(scalar) {
                        // A high surrogate must be followed by an escaped low surrogate.
                        guard pos + 1 < end, byte(pos) == UInt8(ascii: "\\"), byte(pos + 1) == UInt8(ascii: "u")
                        else { throw fail(.invalidUnicodeEscape, at: escapeAt) }
                        pos += 2
                        let low = try hex4(at: escapeAt)
                        guard (0xDC00..<0xE000).contains(low) else { throw fail(.invalidUnicodeEscape, at: escapeAt) }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw fail(.invalidUnicodeEscape, at: escapeAt)
                    }
                    appendUTF8(scalar, to: &out)
                default:
                    throw fail(.invalidEscape, at: escapeAt)
                }
            default:
                if b < 0x20 { throw fail(.controlCharacterInString) }
                out.append(b)
                pos += 1
            }
        }
        throw fail(.unexpectedEnd)
    }

    mutating func hex4(at escapeAt: Int) throws(JSONParseError) -> UInt32 {
        guard pos + 4 <= end else { throw fail(.unexpectedEnd, at: end) }
        var v: UInt32 = 0
        for _ in 0..<4 {
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

    func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80: out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (scalar >> 6)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (scalar >> 12)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (scalar >> 18)))
            out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    func makeString(_ from: Int, _ to: Int) throws(JSONParseError) -> String {
        let buf = UnsafeBufferPointer(start: base! + from, count: to - from)
        guard let s = String(validating: buf, as: UTF8.self) else { throw fail(.invalidUTF8, at: from) }
        return s
    }

    func validatedString(_ bytes: [UInt8], start: Int) throws(JSONParseError) -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else { throw fail(.invalidUTF8, at: start) }
        return s
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw fail(.nestingTooDeep(limit: maxDepth)) }
        pos += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if pos < end, byte(pos) == UInt8(ascii: "]") { pos += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            guard pos < end else { throw fail(.unexpectedEnd) }
            let b = byte(pos)
            pos += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "]") { return .array(items) }
            throw fail(.unexpectedByte(b), at: pos - 1)
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw fail(.nestingTooDeep(limit: maxDepth)) }
        pos += 1
        var members: [JSONObject.Member] = []
        var sorted = true
        skipWhitespace()
        if pos < end, byte(pos) == UInt8(ascii: "}") { pos += 1; return .object(JSONObject()) }
        while true {
            skipWhitespace()
            guard pos < end else { throw fail(.unexpectedEnd) }
            guard byte(pos) == UInt8(ascii: "\"") else { throw fail(.unexpectedByte(byte(pos))) }
            let keyAt = pos
            let key = try parseString()
            skipWhitespace()
            guard pos < end else { throw fail(.unexpectedEnd) }
            guard byte(pos) == UInt8(ascii: ":") else { throw fail(.unexpectedByte(byte(pos))) }
            pos += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            if let last = members.last {
                let c = JSONObject.compareKeys(last.key, key)
                if c == 0 { throw fail(.duplicateKey(key), at: keyAt) }
                if c > 0 { sorted = false }
            }
            members.append(JSONObject.Member(key: key, value: value))
            skipWhitespace()
            guard pos < end else { throw fail(.unexpectedEnd) }
            let b = byte(pos)
            pos += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "}") { break }
            throw fail(.unexpectedByte(b), at: pos - 1)
        }
        if !sorted {
            members.sort { JSONObject.compareKeys($0.key, $1.key) < 0 }
            for i in 1..<members.count where members[i - 1].key == members[i].key {
                throw fail(.duplicateKey(members[i].key), at: pos - 1)
            }
        }
        return .object(JSONObject(sortedUniqueMembers: members))
    }
}
