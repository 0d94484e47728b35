import HireLedgerCore
import JSONSchema
import Testing

/// One keyword at a time: a schema, an instance, and whether the instance is valid.
struct KeywordCase: Sendable, CustomStringConvertible {
    let schema: String
    let instance: String
    let valid: Bool
    var description: String { "\(schema) ⟵ \(instance) \(valid ? "valid" : "invalid")" }
    init(_ schema: String, _ instance: String, _ valid: Bool) {
        self.schema = schema
        self.instance = instance
        self.valid = valid
    }
}

private typealias K = KeywordCase

struct KeywordTests {
    static let cases: [KeywordCase] = [
        // boolean schemas and the empty schema
        K("true", #"{"a":1}"#, true), K("false", "null", false), K("{}", "[1,2]", true),
        // type
        K(#"{"type":"string"}"#, #""x""#, true), K(#"{"type":"string"}"#, "1", false),
        K(#"{"type":"string"}"#, "null", false),
        K(#"{"type":["string","null"]}"#, "null", true), K(#"{"type":["string","null"]}"#, "true", false),
        K(#"{"type":"integer"}"#, "3", true), K(#"{"type":"integer"}"#, "3.0", true),
        K(#"{"type":"integer"}"#, "3e2", true), K(#"{"type":"integer"}"#, "3.5", false),
        K(#"{"type":"number"}"#, "3.5", true), K(#"{"type":"number"}"#, #""3""#, false),
        K(#"{"type":"boolean"}"#, "false", true), K(#"{"type":"object"}"#, "[]", false),
        K(#"{"type":"array"}"#, "[]", true), K(#"{"type":"null"}"#, "null", true),
        // OpenAPI 3.0 nullable
        K(#"{"type":"string","nullable":true}"#, "null", true),
        K(#"{"type":"string","nullable":false}"#, "null", false),
        K(#"{"enum":["a"],"nullable":true}"#, "null", true),
        // enum and const compare numbers by value and objects by members
        K(#"{"enum":["a",1,null]}"#, "1.0", true), K(#"{"enum":["a",1,null]}"#, #""b""#, false),
        K(#"{"enum":[{"x":[1]}]}"#, #"{"x":[1.0]}"#, true),
        K(#"{"const":{"a":1,"b":2}}"#, #"{"b":2,"a":1}"#, true), K(#"{"const":null}"#, "false", false),
        K(#"{"const":0}"#, "false", false),
        // numbers
        K(#"{"minimum":1}"#, "1", true), K(#"{"minimum":1}"#, "0.99", false),
        K(#"{"maximum":1}"#, "1", true), K(#"{"maximum":1}"#, "1.01", false),
        K(#"{"exclusiveMinimum":1}"#, "1", false), K(#"{"exclusiveMinimum":1}"#, "1.5", true),
        K(#"{"exclusiveMaximum":1}"#, "1", false), K(#"{"exclusiveMaximum":1}"#, "0", true),
        K(#"{"multipleOf":0.5}"#, "2.5", true), K(#"{"multipleOf":2}"#, "3", false),
        K(#"{"minimum":5}"#, #""not a number""#, true),
        // strings: lengths count code points
        K(#"{"minLength":2}"#, #""é""#, false), K(#"{"maxLength":1}"#, #""é""#, true),
        K(#"{"maxLength":1}"#, #""👍🏽""#, false), K(#"{"minLength":1}"#, #""""#, false),
        K(#"{"pattern":"^[a-z]+$"}"#, #""abc""#, true), K(#"{"pattern":"^[a-z]+$"}"#, #""abC""#, false),
        K(#"{"pattern":"b"}"#, #""abc""#, true), K(#"{"pattern":"\\d{3}"}"#, #""x12y""#, false),
        // formats
        K(#"{"format":"date-time"}"#, #""2026-05-28T10:11:12.345Z""#, true),
        K(#"{"format":"date-time"}"#, #""2026-05-28T10:11:12+02:00""#, true),
        K(#"{"format":"date-time"}"#, #""2026-05-28 10:11:12Z""#, false),
        K(#"{"format":"date-time"}"#, #""2026-02-30T10:11:12Z""#, false),
        K(#"{"format":"date-time"}"#, #""2026-05-28T10:11Z""#, false),
        K(#"{"format":"date"}"#, #""2024-02-29""#, true), K(#"{"format":"date"}"#, #""2023-02-29""#, false),
        K(#"{"format":"uuid"}"#, #""0f8fad5b-d9cb-469f-a165-70867728950e""#, true),
        K(#"{"format":"uuid"}"#, #""0f8fad5b-d9cb-469f-a165-70867728950""#, false),
        K(#"{"format":"email"}"#, #""a.b@example.com""#, true), K(#"{"format":"email"}"#, #""a b@x.com""#, false),
        K(#"{"format":"email"}"#, #""@x.com""#, false),
        K(#"{"format":"uri"}"#, #""https://jobs.ashbyhq.com/x?y=1""#, true),
        K(#"{"format":"uri"}"#, #""/relative/path""#, false),
        K(#"{"format":"int64"}"#, #""anything""#, true), K(#"{"format":"uuid"}"#, "12", true),
        // objects
        K(#"{"required":["a"]}"#, #"{"a":null}"#, true), K(#"{"required":["a"]}"#, #"{"b":1}"#, false),
        K(#"{"required":["a"]}"#, "[]", true),
        K(#"{"properties":{"a":{"type":"string"}}}"#, #"{"a":"x","b":1}"#, true),
        K(#"{"properties":{"a":{"type":"string"}}}"#, #"{"a":1}"#, false),
        K(#"{"properties":{"a":{}},"additionalProperties":false}"#, #"{"a":1}"#, true),
        K(#"{"properties":{"a":{}},"additionalProperties":false}"#, #"{"a":1,"b":2}"#, false),
        K(#"{"additionalProperties":{"type":"integer"}}"#, #"{"a":1,"b":2}"#, true),
        K(#"{"additionalProperties":{"type":"integer"}}"#, #"{"a":1,"b":"2"}"#, false),
        K(#"{"patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false}"#, #"{"x-a":"s"}"#, true),
        K(#"{"patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false}"#, #"{"x-a":1}"#, false),
        K(#"{"patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false}"#, #"{"y":"s"}"#, false),
        K(#"{"propertyNames":{"maxLength":2}}"#, #"{"ab":1}"#, true),
        K(#"{"propertyNames":{"maxLength":2}}"#, #"{"abc":1}"#, false),
        K(#"{"minProperties":1}"#, "{}", false), K(#"{"maxProperties":1}"#, #"{"a":1,"b":2}"#, false),
        K(#"{"dependentRequired":{"a":["b"]}}"#, #"{"a":1}"#, false),
        K(#"{"dependentRequired":{"a":["b"]}}"#, #"{"b":1}"#, true),
        K(#"{"dependentSchemas":{"a":{"required":["c"]}}}"#, #"{"a":1}"#, false),
        // arrays
        K(#"{"items":{"type":"integer"}}"#, "[1,2,3]", true), K(#"{"items":{"type":"integer"}}"#, #"[1,"2"]"#, false),
        K(#"{"prefixItems":[{"type":"string"}],"items":{"type":"integer"}}"#, #"["a",1,2]"#, true),
        K(#"{"prefixItems":[{"type":"string"}],"items":{"type":"integer"}}"#, #"[1,1]"#, false),
        K(#"{"prefixItems":[{"type":"string"}],"items":false}"#, #"["a","b"]"#, false),
        K(#"{"items":[{"type":"string"}],"additionalItems":false}"#, #"["a",1]"#, false),
        K(#"{"minItems":2}"#, "[1]", false), K(#"{"maxItems":1}"#, "[1,2]", false),
        K(#"{"uniqueItems":true}"#, #"[1,"1",[1]]"#, true), K(#"{"uniqueItems":true}"#, "[1,2,1.0]", false),
        K(#"{"uniqueItems":true}"#, #"[{"a":1,"b":2},{"b":2,"a":1}]"#, false),
        K(#"{"contains":{"const":2}}"#, "[1,2]", true), K(#"{"contains":{"const":2}}"#, "[1,3]", false),
        K(#"{"contains":{"const":2},"minContains":2}"#, "[2,1,2]", true),
        K(#"{"contains":{"const":2},"maxContains":1}"#, "[2,2]", false),
        // combinators
        K(#"{"allOf":[{"type":"integer"},{"minimum":2}]}"#, "3", true),
        K(#"{"allOf":[{"type":"integer"},{"minimum":2}]}"#, "1", false),
        K(#"{"anyOf":[{"type":"string"},{"minimum":2}]}"#, "1", false),
        K(#"{"anyOf":[{"type":"string"},{"minimum":2}]}"#, #""x""#, true),
        K(#"{"oneOf":[{"type":"integer"},{"minimum":2}]}"#, "1", true),
        K(#"{"oneOf":[{"type":"integer"},{"minimum":2}]}"#, "3", false),
        K(#"{"oneOf":[{"type":"integer"},{"minimum":2}]}"#, "1.5", false),
        K(#"{"not":{"type":"null"}}"#, "null", false), K(#"{"not":{"type":"null"}}"#, "0", true),
        K(#"{"if":{"minimum":10},"then":{"multipleOf":5},"else":{"maximum":3}}"#, "15", true),
        K(#"{"if":{"minimum":10},"then":{"multipleOf":5},"else":{"maximum":3}}"#, "12", false),
        K(#"{"if":{"minimum":10},"then":{"multipleOf":5},"else":{"maximum":3}}"#, "4", false),
        // $ref with siblings (2020-12: both apply) and local definitions
        K(##"{"$defs":{"s":{"type":"string"}},"$ref":"#/$defs/s","minLength":2}"##, ##""ab""##, true),
        K(##"{"$defs":{"s":{"type":"string"}},"$ref":"#/$defs/s","minLength":2}"##, ##""a""##, false),
        K(##"{"$defs":{"s":{"type":"string"}},"$ref":"#/$defs/s","minLength":2}"##, "12", false),
        K(##"{"definitions":{"n":{"type":"null"}},"$ref":"#/definitions/n"}"##, "null", true),
        // annotations never fail
        K(#"{"title":"t","description":"d","example":1,"examples":[2],"default":3,"deprecated":true,"readOnly":true,"discriminator":{"propertyName":"k"}}"#, #""any""#, true),
    ]

    @Test(arguments: cases)
    func keywordCaseValidatesAsTabled(_ c: KeywordCase) throws {
        let validator = try JSONSchemaValidator(schema: JSONValue.parse(c.schema))
        let errors = validator.validate(try JSONValue.parse(c.instance))
        #expect(errors.isEmpty == c.valid, "\(errors)")
    }

    @Test func formatIsOnlyAnAnnotationWhenAssertionIsOff() throws {
        let validator = try JSONSchemaValidator(schema: ["format": "uuid"], options: .init(assertFormats: false))
        #expect(validator.isValid("not-a-uuid"))
    }
}
