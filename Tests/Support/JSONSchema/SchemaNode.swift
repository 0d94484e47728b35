import HireLedgerCore

/// One compiled schema object: its keywords decoded once, subschemas as indices into the program's
/// node array (so recursive `$ref`s are plain integers, not reference cycles).
///
/// Built only by `SchemaCompiler`, then never mutated, which is why sharing it across threads is safe.
final class SchemaNode: @unchecked Sendable {
    /// Absolute location of this schema: base URI, `#`, JSON pointer.
    let location: String

    init(location: String) { self.location = location }

    /// `false` schema: nothing is valid.
    var rejectsAll = false
    var ref: Int?
    var types: JSONTypeSet?
    /// OpenAPI 3.0 `nullable: true`: `null` passes `type` and `enum`.
    var nullable = false
    var enumValues: [JSONValue]?
    var constValue: JSONValue?
    var hasConst = false
    var format: SchemaFormat?

    var minimum: Double?
    var maximum: Double?
    var exclusiveMinimum: Double?
    var exclusiveMaximum: Double?
    var multipleOf: Double?

    var minLength: Int?
    var maxLength: Int?
    var pattern: SchemaPattern?

    var properties: [String: Int] = [:]
    var patternProperties: [(SchemaPattern, Int)] = []
    var additionalProperties: Int?
    var required: [String] = []
    var propertyNames: Int?
    var minProperties: Int?
    var maxProperties: Int?
    var dependentRequired: [(String, [String])] = []
    var dependentSchemas: [(String, Int)] = []

    var prefixItems: [Int] = []
    var items: Int?
    var contains: Int?
    var minContains: Int?
    var maxContains: Int?
    var minItems: Int?
    var maxItems: Int?
    var uniqueItems = false

    var allOf: [Int] = []
    var anyOf: [Int] = []
    var oneOf: [Int] = []
    var not: Int?
    var ifSchema: Int?
    var thenSchema: Int?
    var elseSchema: Int?

    /// The location of `keyword` in this schema.
    func at(_ keyword: String) -> String { location + "/" + JSONPointer.escape(keyword) }
}

/// The JSON Schema `type` names as a bit set.
struct JSONTypeSet: OptionSet, Sendable {
    let rawValue: UInt8
    static let null = JSONTypeSet(rawValue: 1)
    static let boolean = JSONTypeSet(rawValue: 2)
    static let object = JSONTypeSet(rawValue: 4)
    static let array = JSONTypeSet(rawValue: 8)
    static let number = JSONTypeSet(rawValue: 16)
    static let integer = JSONTypeSet(rawValue: 32)
    static let string = JSONTypeSet(rawValue: 64)

    static let names: [(String, JSONTypeSet)] = [
        ("null", .null), ("boolean", .boolean), ("object", .object), ("array", .array),
        ("number", .number), ("integer", .integer), ("string", .string),
    ]

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init?(name: String) {
        guard let entry = JSONTypeSet.names.first(where: { $0.0 == name }) else { return nil }
        self = entry.1
    }

    var description: String {
        let parts = JSONTypeSet.names.filter { contains($0.1) }.map(\.0)
        return parts.count == 1 ? parts[0] : parts.joined(separator: " or ")
    }
}

/// A compiled `pattern`: ECMA-262-style source text run with Swift Regex, unanchored (a match anywhere
/// in the string passes), over Unicode scalars rather than grapheme clusters as ECMA-262 does.
struct SchemaPattern: @unchecked Sendable {
    // Regex<AnyRegexOutput> is immutable once built; matching does not mutate it.
    let source: String
    let regex: Regex<AnyRegexOutput>

    init(_ source: String) throws {
        self.source = source
        self.regex = try Regex(source).matchingSemantics(.unicodeScalar)
    }

    func matches(_ s: String) -> Bool {
        (try? regex.firstMatch(in: s)) != nil
    }
}
