extension JSONParser {
    /// Advances `pos` over the value at `pos`, checking it exactly as `parseValue` does (same errors at the
    /// same offsets) but building nothing. The one check it leaves out is for duplicate object keys,
    /// which needs the keys decoded and compared.
    mutating func skipValue(depth: Int) throws(JSONParseError) {
        guard pos < end else { throw fail(.unexpectedEnd, at: pos) }
        switch byte(pos) {
        case UInt8(ascii: "\""): _ = try skipString()
        case UInt8(ascii: "{"): try skipObject(depth: depth + 1)
        case UInt8(ascii: "["): try skipArray(depth: depth + 1)
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try scanNumber()
        case let b: throw fail(.unexpectedByte(b), at: pos)
        }
    }

    /// Advances `pos` over the string literal at `pos` (its opening quote), checking UTF-8 and escapes as
    /// `parseString` does. Returns whether it holds an escape (then its bytes are not its value).
    mutating func skipString() throws(JSONParseError) -> Bool {
        pos += 1
        var escaped = false
        while true {
            try skipPlainBytes()
            guard pos < end else { throw fail(.unexpectedEnd, at: end) }
            let b = byte(pos)
            if b == UInt8(ascii: "\"") {
                pos += 1
                return escaped
            }
            guard b == UInt8(ascii: "\\") else { throw fail(.controlCharacterInString, at: pos) }
            if !escaped {
                // `unescape` checks the sequence by decoding it into `scratch`; only its checks matter here.
                scratch.removeAll(keepingCapacity: true)
                escaped = true
            }
            try unescape()
        }
    }

    mutating func skipArray(depth: Int) throws(JSONParseError) {
        guard depth <= maxDepth else { throw fail(.nestingTooDeep(limit: maxDepth), at: pos) }
        pos += 1
        skipWhitespace()
        if pos < end, byte(pos) == UInt8(ascii: "]") { pos += 1; return }
        while true {
            skipWhitespace()
            try skipValue(depth: depth)
            if try endOfItem(closing: UInt8(ascii: "]")) { return }
        }
    }

    mutating func skipObject(depth: Int) throws(JSONParseError) {
        guard depth <= maxDepth else { throw fail(.nestingTooDeep(limit: maxDepth), at: pos) }
        pos += 1
        skipWhitespace()
        if pos < end, byte(pos) == UInt8(ascii: "}") { pos += 1; return }
        while true {
            try skipKeyAndColon()
            try skipValue(depth: depth)
            if try endOfItem(closing: UInt8(ascii: "}")) { return }
        }
    }

    /// Skips whitespace, a member's key, whitespace, the colon and whitespace. Returns where the key's
    /// literal starts and ends (after its closing quote) and whether it holds an escape.
    @discardableResult
    mutating func skipKeyAndColon() throws(JSONParseError) -> (keyAt: Int, keyEnd: Int, escaped: Bool) {
        let keyAt = try expectKey()
        let escaped = try skipString()
        let keyEnd = pos
        try skipColon()
        return (keyAt, keyEnd, escaped)
    }
}
