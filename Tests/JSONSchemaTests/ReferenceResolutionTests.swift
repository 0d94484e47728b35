import HireLedgerCore
import JSONSchema
import Testing

/// `$ref` resolution, the registry, error reporting, null tolerance and refused schemas.
struct ReferenceResolutionTests {
    @Test func pointerRefsUnescapeTildesSlashesAndPercentEncoding() throws {
        let schema = try JSONValue.parse(##"""
        {"$defs": {"a/b": {"type": "string"}, "c~d": {"type": "integer"}, "e f": {"type": "boolean"}},
         "properties": {"x": {"$ref": "#/$defs/a~1b"}, "y": {"$ref": "#/$defs/c~0d"}, "z": {"$ref": "#/$defs/e%20f"}}}
        """##)
        let v = try JSONSchemaValidator(schema: schema)
        #expect(v.isValid(["x": "s", "y": 1, "z": true]))
        let errors = v.validate(["x": 1, "y": "s", "z": 0])
        #expect(errors.map(\.instancePath) == ["/x", "/y", "/z"])
        #expect(errors[0].schemaLocation == JSONSchemaValidator.anonymousRootURI + "#/$defs/a~1b/type")
    }

    @Test func refsReachAnotherDocumentByIdAndRelativeURI() throws {
        var registry = SchemaRegistry()
        try registry.add(JSONValue.parse(##"""
        {"$id": "https://hireledger.dev/schemas/common.schema.json",
         "$defs": {"entityId": {"type": "string", "format": "uuid"},
                   "stage": {"$anchor": "stage", "enum": ["lead", "hired"]}}}
        """##))
        let schema = try JSONValue.parse(##"""
        {"$id": "https://hireledger.dev/schemas/events/moved.schema.json",
         "type": "object", "required": ["id", "to"],
         "properties": {"id": {"$ref": "../common.schema.json#/$defs/entityId"},
                        "to": {"$ref": "https://hireledger.dev/schemas/common.schema.json#stage"}}}
        """##)
        let v = try JSONSchemaValidator(schema: schema, registry: registry)
        #expect(v.isValid(["id": "0f8fad5b-d9cb-469f-a165-70867728950e", "to": "hired"]))
        let errors = v.validate(["id": "nope", "to": "fired"])
        #expect(errors.map(\.keyword) == ["format", "enum"])
        #expect(errors[0].schemaLocation == "https://hireledger.dev/schemas/common.schema.json#/$defs/entityId/format")
        #expect(registry.uris == ["https://hireledger.dev/schemas/common.schema.json"])
    }

    @Test func embeddedIdChangesTheBaseForRefsInsideIt() throws {
        var registry = SchemaRegistry()
        try registry.add(JSONValue.parse(##"""
        {"$id": "urn:bundle", "$defs": {
           "inner": {"$id": "urn:inner", "$defs": {"n": {"type": "number"}}, "$ref": "#/$defs/n"}}}
        """##))
        #expect(registry.uris == ["urn:bundle", "urn:inner"])
        let v = try JSONSchemaValidator(schema: ["$ref": "urn:bundle#/$defs/inner"], registry: registry)
        #expect(v.isValid(1.5))
        #expect(!v.isValid("x"))
    }

    @Test func recursiveSchemasCompileOnceAndValidateDeepInstances() throws {
        let tree = try JSONValue.parse(##"""
        {"type": "object", "required": ["name"],
         "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#"}}}}
        """##)
        let v = try JSONSchemaValidator(schema: tree)
        let deep: JSONValue = ["name": "a", "children": [["name": "b", "children": [["name": "c"], ["nam": "d"]]]]]
        let errors = v.validate(deep)
        #expect(errors.map(\.instancePath) == ["/children/0/children/1"])
        #expect(errors.first?.message == "missing required property \"name\"")
        #expect(v.compiledSchemaCount == 4)
    }

    @Test func aRefCycleWithoutInstanceProgressIsReportedNotOverflowed() throws {
        let v = try JSONSchemaValidator(schema: try JSONValue.parse(##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}"##))
        let errors = v.validate(1)
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("$ref cycle") == true)
    }

    @Test func errorsCarryInstancePathSchemaLocationKeywordAndMessage() throws {
        let schema = try JSONValue.parse(##"{"properties": {"results": {"items": {"properties": {"a~b/c": {"type": "string"}}}}}}"##)
        let errors = try JSONSchemaValidator(schema: schema).validate(["results": [["a~b/c": "ok"], ["a~b/c": .null]]])
        #expect(errors == [ValidationError(
            instancePath: "/results/1/a~0b~1c",
            schemaLocation: "urn:hireledger:jsonschema:root#/properties/results/items/properties/a~0b~1c/type",
            keyword: "type", message: "expected string, got null")])
    }

    @Test func oneOfWithNoMatchReportsTheBranchThatGotFurthest() throws {
        // Shaped like Ashby's replies: branch 0 is success, branch 1 the error envelope.
        let schema = try JSONValue.parse(##"""
        {"oneOf": [
          {"required": ["success", "results"], "properties": {"results": {"items": {"required": ["id"], "properties": {"id": {"type": "string"}}}}}},
          {"required": ["success", "errorInfo"], "properties": {"errorInfo": {"type": "object"}}}]}
        """##)
        let errors = try JSONSchemaValidator(schema: schema).validate(["success": true, "results": [["id": 1], ["id": "b"]]])
        #expect(errors.map(\.keyword) == ["oneOf", "type"])
        #expect(errors[0].message == "matches none of the 2 oneOf branches; the errors that follow are from branch 0, the closest")
        #expect(errors[1].instancePath == "/results/0/id")
    }

    @Test func nullToleranceAcceptsNullMembersAndElementsButNotTheRoot() throws {
        let schema = try JSONValue.parse(##"{"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}, "b": {"type": "array", "items": {"type": "integer"}}}}"##)
        let instance: JSONValue = ["a": .null, "b": [1, .null]]
        let strict = try JSONSchemaValidator(schema: schema)
        #expect(strict.validate(instance).map(\.instancePath) == ["/a", "/b/1"])
        let everywhere = try JSONSchemaValidator(schema: schema, options: .init(nullTolerance: .everywhere))
        #expect(everywhere.isValid(instance))
        #expect(everywhere.validate(.null).map(\.keyword) == ["type"])
        #expect(everywhere.validate(["b": []]).map(\.keyword) == ["required"])
        let named = try JSONSchemaValidator(schema: schema, options: .init(nullTolerance: .properties(["a"])))
        #expect(named.validate(instance).map(\.instancePath) == ["/b/1"])
        let custom = try JSONSchemaValidator(schema: schema, options: .init(nullTolerance: .custom { $0.hasPrefix("/b/") }))
        #expect(custom.validate(instance).map(\.instancePath) == ["/a"])
    }

    @Test(arguments: [
        (##"{"$ref": "#/$defs/missing"}"##, "names no schema"),
        (##"{"$ref": "urn:elsewhere#/x"}"##, "names no schema"),
        (##"{"pattern": "("}"##, "not a regular expression"),
        (##"{"unevaluatedProperties": false}"##, "not supported"),
        (##"{"$dynamicRef": "#meta"}"##, "not supported"),
        (##"{"type": "text"}"##, "unknown type name"),
        (##"{"exclusiveMinimum": true}"##, "must be a number"),
        (##"{"required": "a"}"##, "array of strings"),
        (##"{"properties": {"a": 3}}"##, "must be an object or a boolean"),
    ])
    func unusableSchemasAreRefusedWhenBuildingTheValidator(_ schema: String, _ expected: String) throws {
        let error = #expect(throws: SchemaError.self) { try JSONSchemaValidator(schema: JSONValue.parse(schema)) }
        #expect(error?.message.contains(expected) == true, "\(String(describing: error))")
    }

    @Test func unknownKeywordsAreRefusedOnlyWhenAskedTo() throws {
        let typo = try JSONValue.parse(##"{"requried": ["a"], "x-note": 1, "title": "t"}"##)
        #expect(try JSONSchemaValidator(schema: typo).isValid([:]))
        let error = #expect(throws: SchemaError.self) {
            try JSONSchemaValidator(schema: typo, options: .init(rejectUnknownKeywords: true))
        }
        #expect(error?.location == "urn:hireledger:jsonschema:root#/requried")
    }

    @Test func registeringADifferentDocumentUnderTheSameURIFails() throws {
        var registry = SchemaRegistry()
        try registry.add(["type": "string"], uri: "urn:a")
        try registry.add(["type": "string"], uri: "urn:a")
        #expect(throws: SchemaError.self) { try registry.add(["type": "number"], uri: "urn:a") }
        #expect(throws: SchemaError.self) { try registry.add(["type": "number"]) }
    }
}
