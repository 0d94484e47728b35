import HireLedgerCore

/// Validates JSON values against a JSON Schema (draft 2020-12, plus OpenAPI 3.0 `nullable`).
///
/// Build one per schema and reuse it: building compiles the schema and every schema its `$ref`s reach
/// (once each, so repeated and recursive `$ref`s cost nothing at validation time). `validate` is a pure
/// function of the instance and safe to call from any thread.
///
/// Supported: `$ref` (JSON pointers with `~0`/`~1` and percent escapes, `$anchor`, other documents by
/// URI through `SchemaRegistry`), `$defs`/`definitions`, `type`, `enum`, `const`, `properties`,
/// `patternProperties`, `additionalProperties`, `required`, `propertyNames`, `min/maxProperties`,
/// `dependentRequired`, `dependentSchemas`, `dependencies`, `prefixItems`, `items` (and the older array
/// form with `additionalItems`), `contains`, `min/maxContains`, `min/maxItems`, `uniqueItems`,
/// `allOf`, `anyOf`, `oneOf`, `not`, `if`/`then`/`else`, `minimum`, `maximum`, `exclusiveMinimum`,
/// `exclusiveMaximum` (numbers, not draft-4 booleans), `multipleOf`, `minLength`, `maxLength`,
/// `pattern` (Swift Regex), `format` (date-time, date, time, uuid, email, uri; other names pass).
/// `$ref` siblings apply, as in 2020-12. Annotations are ignored. `$dynamicRef` and `unevaluated*`
/// are refused with a `SchemaError` rather than silently ignored.
public struct JSONSchemaValidator: Sendable {
    public struct Options: Sendable {
        /// Where `null` passes regardless of the schema. Default `.none`.
        public var nullTolerance: NullTolerance
        /// Whether `format` is an assertion (true, the default) or only an annotation.
        public var assertFormats: Bool
        /// Whether a keyword that is neither validated nor a known annotation (nor `x-…`) makes the
        /// schema invalid, to catch typos such as `"requried"` in our own schemas. Default false.
        public var rejectUnknownKeywords: Bool

        public init(nullTolerance: NullTolerance = .none, assertFormats: Bool = true, rejectUnknownKeywords: Bool = false) {
            self.nullTolerance = nullTolerance
            self.assertFormats = assertFormats
            self.rejectUnknownKeywords = rejectUnknownKeywords
        }
    }

    /// The base URI a root schema without `$id` is registered under; its `#…` refs point into itself.
    public static let anonymousRootURI = "urn:hireledger:jsonschema:root"

    public let options: Options
    private let nodes: [SchemaNode]
    private let root: Int

    /// Compiles `schema`, resolving `$ref`s against itself and the documents in `registry`.
    /// - Throws: `SchemaError` when a `$ref` resolves nowhere, a keyword's value has the wrong kind, a
    ///   `pattern` does not compile, or the schema uses an unsupported keyword.
    public init(schema: JSONValue, registry: SchemaRegistry = SchemaRegistry(), options: Options = Options()) throws(SchemaError) {
        var registry = registry
        let base: String
        if schema.member("$id")?.stringValue != nil {
            base = try registry.add(schema)
        } else {
            base = try registry.addRoot(schema, uri: JSONSchemaValidator.anonymousRootURI)
        }
        var compiler = SchemaCompiler(registry: registry, rejectUnknownKeywords: options.rejectUnknownKeywords)
        root = try compiler.compile(schema, base: base, pointer: JSONPointer())
        nodes = compiler.nodes
        self.options = options
    }

    /// Every way `instance` fails the schema, in the order found; empty when it is valid.
    public func validate(_ instance: JSONValue) -> [ValidationError] {
        var evaluator = SchemaEvaluator(nodes: nodes, options: options)
        evaluator.evaluate(root, instance)
        return evaluator.errors
    }

    public func isValid(_ instance: JSONValue) -> Bool { validate(instance).isEmpty }

    /// How many schema nodes building compiled (the schema and everything its `$ref`s reach).
    public var compiledSchemaCount: Int { nodes.count }
}
