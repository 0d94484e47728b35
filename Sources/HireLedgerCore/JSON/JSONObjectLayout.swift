/// Where the members of one JSON object lie in its bytes, and the elements of one of its array members,
/// found by a structural scan that builds no values.
///
/// Made for API envelopes such as `{"success":true,"results":[…],"moreDataAvailable":…}`: the caller
/// parses the few small members it needs and reaches each `results` element as a byte range, to hash
/// it or parse it alone, without parsing the whole page.
///
/// The scan checks everything `JSONValue.parse` checks (syntax, strings, escapes, UTF-8, numbers,
/// nesting depth, trailing data), with the same errors at the same offsets, except duplicate keys:
/// those are checked among the top-level members only (with their own offsets), not inside member
/// values. A value it accepts therefore parses unless it holds a repeated key; a caller that needs the
/// parser's exact error runs the parser when the scan throws.
public struct JSONObjectLayout: Sendable {
    /// One top-level member: its decoded key and the bytes of its value.
    public struct Member: Sendable, Hashable {
        public let key: String
        public let value: Range<Int>
    }

    /// One element of the scanned array member.
    public struct Element: Sendable, Hashable {
        /// The element's bytes, from its first to its last byte (no surrounding whitespace).
        public let range: Range<Int>
        /// When the element is an object with exactly one top-level member named `elementKey` and that
        /// member's value is a string: that string, decoded. Nil otherwise (no such member, another
        /// type, or the key repeated).
        public let key: String?

        public init(range: Range<Int>, key: String?) {
            self.range = range
            self.key = key
        }
    }

    /// The object's members in document order.
    public var members: [Member]
    /// The elements of the member named `arrayKey` when its value is an array; nil otherwise.
    public var elements: [Element]?

    /// The range of the value of the top-level member `key`, if present.
    public func value(of key: String) -> Range<Int>? {
        members.first { $0.key == key }?.value
    }

    /// Scans one JSON text whose root is an object (surrounding whitespace allowed).
    ///
    /// - Returns: nil when the root is valid JSON but not an object.
    /// - Throws: `JSONParseError` when the text is not valid JSON (see the type's note on duplicate keys).
    public static func scan(_ buffer: UnsafeRawBufferPointer, elementsOf arrayKey: String, elementKey: String,
                            maxDepth: Int = JSONValue.defaultMaxDepth) throws(JSONParseError) -> JSONObjectLayout? {
        guard let start = buffer.baseAddress, buffer.count > 0 else {
            throw JSONParseError(offset: 0, reason: .unexpectedEnd)
        }
        var scanner = Scanner(parser: JSONParser(start.assumingMemoryBound(to: UInt8.self), count: buffer.count,
                                                 maxDepth: maxDepth),
                              elementKey: Array(elementKey.utf8))
        return try scanner.scanRoot(arrayKey: arrayKey)
    }

    /// See `scan(_:elementsOf:elementKey:maxDepth:)`.
    public static func scan(_ bytes: [UInt8], elementsOf arrayKey: String, elementKey: String,
                            maxDepth: Int = JSONValue.defaultMaxDepth) throws(JSONParseError) -> JSONObjectLayout? {
        try bytes.withUnsafeBufferPointer { (buf) throws(JSONParseError) -> JSONObjectLayout? in
            try scan(UnsafeRawBufferPointer(buf), elementsOf: arrayKey, elementKey: elementKey, maxDepth: maxDepth)
        }
    }

    /// The scan's state: a parser positioned in the input and the element key's UTF-8 bytes.
    private struct Scanner {
        var p: JSONParser
        let elementKey: [UInt8]

        init(parser: JSONParser, elementKey: [UInt8]) {
            p = parser
            self.elementKey = elementKey
        }

        mutating func scanRoot(arrayKey: String) throws(JSONParseError) -> JSONObjectLayout? {
            p.skipWhitespace()
            guard p.pos < p.end else { throw p.fail(.unexpectedEnd, at: p.pos) }
            guard p.byte(p.pos) == UInt8(ascii: "{") else {
                // Not an object: check it all the same, so invalid input always throws.
                try p.skipValue(depth: 0)
                try finish()
                return nil
            }
            // The root object is at depth 1, its members' values are parsed at depth 1 (as the parser does).
            guard 1 <= p.maxDepth else { throw p.fail(.nestingTooDeep(limit: p.maxDepth), at: p.pos) }
            var layout = JSONObjectLayout(members: [], elements: nil)
            p.pos += 1
            p.skipWhitespace()
            if p.pos < p.end, p.byte(p.pos) == UInt8(ascii: "}") {
                p.pos += 1
            } else {
                while true {
                    p.skipWhitespace()
                    guard p.pos < p.end else { throw p.fail(.unexpectedEnd, at: p.end) }
                    guard p.byte(p.pos) == UInt8(ascii: "\"") else { throw p.fail(.unexpectedByte(p.byte(p.pos)), at: p.pos) }
                    let keyAt = p.pos
                    let key = try p.parseString()
                    if layout.members.contains(where: { $0.key == key }) { throw p.fail(.duplicateKey(key), at: keyAt) }
                    p.skipWhitespace()
                    guard p.pos < p.end else { throw p.fail(.unexpectedEnd, at: p.end) }
                    guard p.byte(p.pos) == UInt8(ascii: ":") else { throw p.fail(.unexpectedByte(p.byte(p.pos)), at: p.pos) }
                    p.pos += 1
                    p.skipWhitespace()
                    let valueAt = p.pos
                    if key == arrayKey, p.pos < p.end, p.byte(p.pos) == UInt8(ascii: "[") {
                        layout.elements = try scanElements(depth: 2)
                    } else {
                        try p.skipValue(depth: 1)
                    }
                    layout.members.append(Member(key: key, value: valueAt..<p.pos))
                    if try p.endOfItem(closing: UInt8(ascii: "}")) { break }
                }
            }
            try finish()
            return layout
        }

        mutating func finish() throws(JSONParseError) {
            p.skipWhitespace()
            guard p.pos == p.end else { throw p.fail(.trailingData, at: p.pos) }
        }

        /// The array at `pos` (at nesting `depth`), element by element.
        mutating func scanElements(depth: Int) throws(JSONParseError) -> [Element] {
            guard depth <= p.maxDepth else { throw p.fail(.nestingTooDeep(limit: p.maxDepth), at: p.pos) }
            p.pos += 1
            p.skipWhitespace()
            var elements: [Element] = []
            if p.pos < p.end, p.byte(p.pos) == UInt8(ascii: "]") { p.pos += 1; return elements }
            while true {
                p.skipWhitespace()
                let start = p.pos
                var key: String?
                if p.pos < p.end, p.byte(p.pos) == UInt8(ascii: "{") {
                    key = try scanKeyedObject(depth: depth + 1)
                } else {
                    try p.skipValue(depth: depth)
                }
                elements.append(Element(range: start..<p.pos, key: key))
                if try p.endOfItem(closing: UInt8(ascii: "]")) { return elements }
            }
        }

        /// Skips the object at `pos` like `skipObject`, returning the string value of its one member named
        /// `elementKey` (nil when absent, repeated or not a string).
        mutating func scanKeyedObject(depth: Int) throws(JSONParseError) -> String? {
            guard depth <= p.maxDepth else { throw p.fail(.nestingTooDeep(limit: p.maxDepth), at: p.pos) }
            p.pos += 1
            p.skipWhitespace()
            if p.pos < p.end, p.byte(p.pos) == UInt8(ascii: "}") { p.pos += 1; return nil }
            var found: String?
            var matches = 0
            while true {
                let (keyAt, keyEnd, escaped) = try p.skipKeyAndColon()
                if try isElementKey(keyAt..<keyEnd, escaped: escaped) {
                    matches += 1
                    found = nil
                    if p.pos < p.end, p.byte(p.pos) == UInt8(ascii: "\"") {
                        let valueAt = p.pos
                        if try p.skipString() {
                            var copy = p
                            copy.pos = valueAt
                            found = try copy.parseString()
                        } else {
                            found = p.makeString(valueAt + 1, p.pos - 1)
                        }
                    } else {
                        try p.skipValue(depth: depth)
                    }
                } else {
                    try p.skipValue(depth: depth)
                }
                if try p.endOfItem(closing: UInt8(ascii: "}")) { break }
            }
            return matches == 1 ? found : nil
        }

        /// Whether the key `literal` (already checked, quotes included) decodes to `elementKey`. A key
        /// without escapes is compared byte for byte, in place.
        func isElementKey(_ literal: Range<Int>, escaped: Bool) throws(JSONParseError) -> Bool {
            if escaped {
                var copy = p
                copy.pos = literal.lowerBound
                let key = try copy.parseString()
                return key.utf8.elementsEqual(elementKey)
            }
            guard literal.count - 2 == elementKey.count else { return false }
            for i in 0..<elementKey.count where p.byte(literal.lowerBound + 1 + i) != elementKey[i] { return false }
            return true
        }
    }
}
