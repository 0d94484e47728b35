import HireLedgerCore

/// Turns schema JSON into `SchemaNode`s, following `$ref`s through a `SchemaRegistry`.
///
/// Each schema location compiles once: a second `$ref` to the same place reuses the node, which is
/// both the `$ref` cache and what makes recursive schemas finite.
struct SchemaCompiler {
    let registry: SchemaRegistry
    let rejectUnknownKeywords: Bool
    private(set) var nodes: [SchemaNode] = []
    private var byLocation: [String: Int] = [:]

    init(registry: SchemaRegistry, rejectUnknownKeywords: Bool) {
        self.registry = registry
        self.rejectUnknownKeywords = rejectUnknownKeywords
    }

    /// Keywords deliberately ignored: identifiers, containers for `$ref` targets, and annotations.
    static let ignored: Set<String> = [
        "$schema", "$id", "$anchor", "$dynamicAnchor", "$comment", "$vocabulary", "$defs", "definitions",
        "title", "description", "default", "deprecated", "readOnly", "writeOnly", "examples", "example",
        "contentEncoding", "contentMediaType", "contentSchema",
        // OpenAPI: `discriminator` only speeds up choosing a oneOf branch, which plain oneOf does anyway.
        "discriminator", "xml", "externalDocs",
    ]

    /// Keywords that change validation and are not implemented: refusing them beats silently passing.
    private static let unsupported: Set<String> = [
        "$dynamicRef", "$recursiveRef", "$recursiveAnchor", "unevaluatedProperties", "unevaluatedItems",
    ]

    /// Compiles the schema `value` found at `pointer` relative to `base`; returns its node index.
    mutating func compile(_ value: JSONValue, base: String, pointer: JSONPointer) throws(SchemaError) -> Int {
        var base = base
        var pointer = pointer
        if let id = value.member("$id")?.stringValue, !id.hasPrefix("#") {
            base = SchemaURI.split(SchemaURI.resolve(id, against: base)).base
            pointer = JSONPointer()
        }
        let location = base + "#" + pointer.description
        if let existing = byLocation[location] { return existing }
        let node = SchemaNode(location: location)
        let index = nodes.count
        nodes.append(node)
        byLocation[location] = index

        switch value {
        case .bool(let b):
            node.rejectsAll = !b
            return index
        case .object:
            break
        default:
            throw SchemaError(location: location, message: "a schema must be an object or a boolean, not \(value.kindName)")
        }
        guard case .object(let o) = value else { return index }

        func fail(_ keyword: String, _ message: String) -> SchemaError {
            SchemaError(location: node.at(keyword), message: message)
        }
        func sub(_ keyword: String, _ v: JSONValue, _ more: String...) throws(SchemaError) -> Int {
            var p = pointer.appending(keyword)
            for t in more { p = p.appending(t) }
            return try compile(v, base: base, pointer: p)
        }
        func subList(_ keyword: String, _ v: JSONValue) throws(SchemaError) -> [Int] {
            guard case .array(let a) = v, !a.isEmpty else { throw fail(keyword, "must be a non-empty array of schemas") }
            var out: [Int] = []
            for (i, s) in a.enumerated() { out.append(try sub(keyword, s, String(i))) }
            return out
        }
        func subMap(_ keyword: String, _ v: JSONValue) throws(SchemaError) -> [(String, Int)] {
            guard case .object(let m) = v else { throw fail(keyword, "must be an object whose values are schemas") }
            var out: [(String, Int)] = []
            for member in m { out.append((member.key, try sub(keyword, member.value, member.key))) }
            return out
        }
        func number(_ keyword: String, _ v: JSONValue) throws(SchemaError) -> Double {
            guard let d = v.doubleValue, d.isFinite else { throw fail(keyword, "must be a number, not \(v.kindName)") }
            return d
        }
        func count(_ keyword: String, _ v: JSONValue) throws(SchemaError) -> Int {
            guard let d = v.doubleValue, d >= 0, d == d.rounded(), d < 1e15 else {
                throw fail(keyword, "must be a non-negative integer")
            }
            return Int(d)
        }
        func strings(_ keyword: String, _ v: JSONValue) throws(SchemaError) -> [String] {
            guard case .array(let a) = v else { throw fail(keyword, "must be an array of strings") }
            var out: [String] = []
            for s in a {
                guard let str = s.stringValue else { throw fail(keyword, "must be an array of strings") }
                out.append(str)
            }
            return out
        }
        func pattern(_ keyword: String, _ source: String) throws(SchemaError) -> SchemaPattern {
            do { return try SchemaPattern(source) } catch {
                throw fail(keyword, "pattern \"\(source)\" is not a regular expression Swift Regex accepts: \(error)")
            }
        }

        for member in o {
            let key = member.key, v = member.value
            switch key {
            case "$ref":
                guard let ref = v.stringValue else { throw fail(key, "must be a string") }
                let target = SchemaURI.resolve(ref, against: base)
                guard let found = registry.locate(target) else {
                    throw fail(key, "\"\(ref)\" (resolved to \(target)) names no schema in the registry; "
                        + "add the document it points into with SchemaRegistry.add")
                }
                node.ref = try compile(found.value, base: found.base, pointer: found.pointer)
            case "type":
                var set = JSONTypeSet()
                let names: [String]
                if let s = v.stringValue { names = [s] } else { names = try strings(key, v) }
                for name in names {
                    guard let t = JSONTypeSet(name: name) else { throw fail(key, "unknown type name \"\(name)\"") }
                    set.insert(t)
                }
                node.types = set
            case "nullable":
                guard let b = v.boolValue else { throw fail(key, "must be a boolean") }
                node.nullable = b
            case "enum":
                guard case .array(let a) = v else { throw fail(key, "must be an array") }
                node.enumValues = a
            case "const":
                node.constValue = v
                node.hasConst = true
            case "format":
                guard let s = v.stringValue else { throw fail(key, "must be a string") }
                node.format = SchemaFormat(rawValue: s)
            case "minimum": node.minimum = try number(key, v)
            case "maximum": node.maximum = try number(key, v)
            case "exclusiveMinimum": node.exclusiveMinimum = try number(key, v)
            case "exclusiveMaximum": node.exclusiveMaximum = try number(key, v)
            case "multipleOf":
                let m = try number(key, v)
                guard m > 0 else { throw fail(key, "must be greater than 0") }
                node.multipleOf = m
            case "minLength": node.minLength = try count(key, v)
            case "maxLength": node.maxLength = try count(key, v)
            case "pattern":
                guard let s = v.stringValue else { throw fail(key, "must be a string") }
                node.pattern = try pattern(key, s)
            case "properties":
                for (name, i) in try subMap(key, v) { node.properties[name] = i }
            case "patternProperties":
                for (source, i) in try subMap(key, v) { node.patternProperties.append((try pattern(key, source), i)) }
            case "additionalProperties": node.additionalProperties = try sub(key, v)
            case "required": node.required = try strings(key, v)
            case "propertyNames": node.propertyNames = try sub(key, v)
            case "minProperties": node.minProperties = try count(key, v)
            case "maxProperties": node.maxProperties = try count(key, v)
            case "dependentRequired":
                guard case .object(let m) = v else { throw fail(key, "must be an object of string arrays") }
                for dep in m { node.dependentRequired.append((dep.key, try strings(key, dep.value))) }
            case "dependentSchemas":
                node.dependentSchemas += try subMap(key, v)
            case "dependencies":
                // Draft-07 spelling of dependentRequired (array) and dependentSchemas (schema).
                guard case .object(let m) = v else { throw fail(key, "must be an object") }
                for dep in m {
                    if case .array = dep.value {
                        node.dependentRequired.append((dep.key, try strings(key, dep.value)))
                    } else {
                        node.dependentSchemas.append((dep.key, try sub(key, dep.value, dep.key)))
                    }
                }
            case "prefixItems": node.prefixItems = try subList(key, v)
            case "items":
                if case .array = v {
                    // Draft 2019-09 and earlier tuple form: `items: [...]` means prefixItems.
                    node.prefixItems = try subList(key, v)
                    if let additional = o.member("additionalItems") { node.items = try sub("additionalItems", additional) }
                } else {
                    node.items = try sub(key, v)
                }
            case "additionalItems":
                break // read together with array-form `items` above; ignored otherwise, as the drafts say
            case "contains": node.contains = try sub(key, v)
            case "minContains": node.minContains = try count(key, v)
            case "maxContains": node.maxContains = try count(key, v)
            case "minItems": node.minItems = try count(key, v)
            case "maxItems": node.maxItems = try count(key, v)
            case "uniqueItems":
                guard let b = v.boolValue else { throw fail(key, "must be a boolean") }
                node.uniqueItems = b
            case "allOf": node.allOf = try subList(key, v)
            case "anyOf": node.anyOf = try subList(key, v)
            case "oneOf": node.oneOf = try subList(key, v)
            case "not": node.not = try sub(key, v)
            case "if": node.ifSchema = try sub(key, v)
            case "then": node.thenSchema = try sub(key, v)
            case "else": node.elseSchema = try sub(key, v)
            default:
                if SchemaCompiler.unsupported.contains(key) {
                    throw fail(key, "keyword \"\(key)\" is not supported by this validator; rewrite the schema without it")
                }
                if rejectUnknownKeywords, !SchemaCompiler.ignored.contains(key), !key.hasPrefix("x-") {
                    throw fail(key, "unknown keyword \"\(key)\" (a typo?); known keywords are validated, annotations listed in SchemaCompiler.ignored")
                }
            }
        }
        return index
    }
}
