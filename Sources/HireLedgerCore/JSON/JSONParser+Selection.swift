extension JSONValue {
    /// Parses one JSON text but builds only what `selection` keeps (see `JSONSelection`); the result
    /// equals `selection.prune(try JSONValue.parse(buffer))` whenever that parse succeeds.
    ///
    /// Skipped parts are checked as they are scanned: strings (escapes, UTF-8, control characters),
    /// numbers, literals, brackets, commas and colons, nesting depth. Not checked there: duplicate keys
    /// inside skipped objects (they would have to be built to be compared). Kept objects are checked
    /// for duplicates among their kept members. So a text this accepts may be one the full parser
    /// rejects; use it on data already validated once (HireLedger's own log), not on input from the
    /// outside.
    public static func parse(_ buffer: UnsafeRawBufferPointer, selecting selection: JSONSelection,
                             maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        if case .all = selection { return try parse(buffer, maxDepth: maxDepth) }
        guard let start = buffer.baseAddress, buffer.count > 0 else {
            throw JSONParseError(offset: 0, reason: .unexpectedEnd)
        }
        var p = JSONParser(start.assumingMemoryBound(to: UInt8.self), count: buffer.count, maxDepth: maxDepth)
        p.skipWhitespace()
        let v = try p.parseValue(depth: 0, selecting: selection)
        p.skipWhitespace()
        guard p.pos == p.end else { throw JSONParseError(offset: p.pos, reason: .trailingData) }
        return v
    }

    public static func parse(_ bytes: [UInt8], selecting selection: JSONSelection,
                             maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buf) throws(JSONParseError) -> JSONValue in
            try parse(UnsafeRawBufferPointer(buf), selecting: selection, maxDepth: maxDepth)
        }
    }
}

extension JSONParser {
    mutating func parseValue(depth: Int, selecting selection: JSONSelection) throws(JSONParseError) -> JSONValue {
        switch selection {
        case .all:
            return try parseValue(depth: depth)
        case .object(let wanted):
            guard pos < end, byte(pos) == UInt8(ascii: "{") else { return try parseValue(depth: depth) }
            return try parseSelectedObject(depth: depth + 1, wanted)
        case .elements(let each):
            guard pos < end, byte(pos) == UInt8(ascii: "[") else { return try parseValue(depth: depth) }
            return try parseSelectedArray(depth: depth + 1, each)
        }
    }

    mutating func parseSelectedArray(depth: Int, _ each: JSONSelection) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw fail(.nestingTooDeep(limit: maxDepth), at: pos) }
        pos += 1
        skipWhitespace()
        if pos < end, byte(pos) == UInt8(ascii: "]") { pos += 1; return .array([]) }
        var items: [JSONValue] = []
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth, selecting: each))
            if try endOfItem(closing: UInt8(ascii: "]")) { return .array(items) }
        }
    }

    mutating func parseSelectedObject(depth: Int, _ wanted: JSONMemberSelection) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw fail(.nestingTooDeep(limit: maxDepth), at: pos) }
        let objectStart = pos
        pos += 1
        skipWhitespace()
        if pos < end, byte(pos) == UInt8(ascii: "}") { pos += 1; return .object(JSONObject()) }
        // At most one member per entry is kept: room for them all at once, no regrowth.
        var members: [JSONObject.Member] = []
        members.reserveCapacity(wanted.entries.count)
        var sorted = true
        while true {
            let keyAt = try expectKey()
            let match = try matchKey(wanted)
            try skipColon()
            if let match {
                let value = try parseValue(depth: depth, selecting: wanted.entries[match].selection)
                try append(key: wanted.entries[match].key, value: value, to: &members, sorted: &sorted, keyAt: keyAt)
            } else {
                try skipValue(depth: depth)
            }
            if try endOfItem(closing: UInt8(ascii: "}")) { break }
        }
        if !sorted { try sortAndCheck(&members, objectStart: objectStart) }
        return .object(JSONObject(sortedUniqueMembers: members))
    }

    /// Reads the key string at `pos` (its opening quote) and returns the index of the entry of
    /// `wanted` it names, or nil. A key without escapes is compared in place, no `String` made.
    mutating func matchKey(_ wanted: JSONMemberSelection) throws(JSONParseError) -> Int? {
        let keyAt = pos
        pos += 1
        let start = pos
        try skipPlainBytes()
        guard pos < end else { throw fail(.unexpectedEnd, at: end) }
        if byte(pos) == UInt8(ascii: "\"") {
            let match = wanted.index(ofKeyAt: base + start, count: pos - start, readable: end - start)
            pos += 1
            return match
        }
        // Escapes or an error: the full string parser decodes it (or reports what is wrong).
        pos = keyAt
        let key = try parseString()
        return wanted.entries.firstIndex { JSONObject.compareKeys($0.key, key) == 0 }
    }
}
