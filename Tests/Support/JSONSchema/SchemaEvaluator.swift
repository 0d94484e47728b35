import HireLedgerCore

/// One validation run: walks an instance and the compiled nodes together, collecting errors.
struct SchemaEvaluator {
    enum PathToken {
        case key(String)
        case index(Int)
    }

    let nodes: [SchemaNode]
    let options: JSONSchemaValidator.Options
    private var path: [PathToken] = []
    private(set) var errors: [ValidationError] = []
    private var depth = 0
    /// Nested schema applications without an instance step in between; only a `$ref` cycle such as
    /// `{"$ref": "#"}` can get this deep.
    private static let maxDepth = 1_000

    init(nodes: [SchemaNode], options: JSONSchemaValidator.Options) {
        self.nodes = nodes
        self.options = options
    }

    var instancePath: String {
        var out = ""
        for token in path {
            out += "/"
            switch token {
            case .key(let k): out += JSONPointer.escape(k)
            case .index(let i): out += String(i)
            }
        }
        return out
    }

    private mutating func report(_ node: SchemaNode, _ keyword: String, _ message: String) {
        errors.append(ValidationError(instancePath: instancePath, schemaLocation: node.at(keyword),
                                      keyword: keyword, message: message))
    }

    /// Evaluates `index` against `v` and returns the errors it found, leaving `errors` as it was.
    private mutating func trial(_ index: Int, _ v: JSONValue) -> [ValidationError] {
        let mark = errors.count
        evaluate(index, v)
        let found = Array(errors[mark...])
        errors.removeSubrange(mark...)
        return found
    }

    /// Applies the subschema to a member or element, unless null tolerance accepts a `null` there.
    private mutating func descend(_ index: Int, _ v: JSONValue, _ token: PathToken) {
        path.append(token)
        defer { path.removeLast() }
        if case .null = v, tolerates(token) { return }
        evaluate(index, v)
    }

    private func tolerates(_ token: PathToken) -> Bool {
        switch options.nullTolerance {
        case .none: return false
        case .everywhere: return true
        case .properties(let names):
            if case .key(let k) = token { return names.contains(k) }
            return false
        case .custom(let accepts): return accepts(instancePath)
        }
    }

    mutating func evaluate(_ index: Int, _ v: JSONValue) {
        let n = nodes[index]
        if n.rejectsAll {
            errors.append(ValidationError(instancePath: instancePath, schemaLocation: n.location, keyword: "false",
                                          message: "no value is allowed here (the schema is false)"))
            return
        }
        depth += 1
        defer { depth -= 1 }
        if depth > SchemaEvaluator.maxDepth {
            report(n, "$ref", "schema recursion deeper than \(SchemaEvaluator.maxDepth) without consuming the instance (a $ref cycle)")
            return
        }
        if let r = n.ref { evaluate(r, v) }

        let nullAllowed = n.nullable && v.isNull
        if let types = n.types, !nullAllowed, !SchemaEvaluator.matches(types, v) {
            report(n, "type", "expected \(types.description), got \(SchemaEvaluator.describe(v))")
        }
        if let values = n.enumValues, !nullAllowed, !values.contains(where: { $0.schemaEquals(v) }) {
            let list = values.prefix(12).map { SchemaEvaluator.short($0) }.joined(separator: ", ")
            report(n, "enum", "\(SchemaEvaluator.short(v)) is not one of [\(list)\(values.count > 12 ? ", …" : "")]")
        }
        if n.hasConst, let c = n.constValue, !c.schemaEquals(v) {
            report(n, "const", "expected \(SchemaEvaluator.short(c)), got \(SchemaEvaluator.short(v))")
        }

        switch v {
        case .number(let num): checkNumber(n, num)
        case .string(let s): checkString(n, s)
        case .object(let o): checkObject(n, o)
        case .array(let a): checkArray(n, a)
        case .null, .bool: break
        }

        for sub in n.allOf { evaluate(sub, v) }
        if !n.anyOf.isEmpty {
            var failures: [[ValidationError]] = []
            for sub in n.anyOf {
                let found = trial(sub, v)
                if found.isEmpty { failures = []; break }
                failures.append(found)
            }
            if !failures.isEmpty { reportNoBranch(n, "anyOf", failures) }
        }
        if !n.oneOf.isEmpty {
            var failures: [[ValidationError]] = []
            var passing: [Int] = []
            for (i, sub) in n.oneOf.enumerated() {
                let found = trial(sub, v)
                if found.isEmpty { passing.append(i) } else { failures.append(found) }
            }
            if passing.isEmpty {
                reportNoBranch(n, "oneOf", failures)
            } else if passing.count > 1 {
                report(n, "oneOf", "matches \(passing.count) oneOf branches (\(passing.map(String.init).joined(separator: ", "))); exactly one must match")
            }
        }
        if let sub = n.not, trial(sub, v).isEmpty {
            report(n, "not", "must not match the schema under \"not\"")
        }
        if let cond = n.ifSchema {
            if trial(cond, v).isEmpty {
                if let then = n.thenSchema { evaluate(then, v) }
            } else if let otherwise = n.elseSchema {
                evaluate(otherwise, v)
            }
        }
    }

    /// No branch of anyOf/oneOf matched: one summary error, then the errors of the closest branch.
    ///
    /// The closest branch is the one whose shallowest error is deepest in the instance (it got furthest
    /// before failing, e.g. the success branch of an Ashby reply failing on one nested field rather than
    /// the error branch failing on a missing top-level `errorInfo`); ties go to the fewest errors.
    private mutating func reportNoBranch(_ n: SchemaNode, _ keyword: String, _ failures: [[ValidationError]]) {
        func depth(_ e: ValidationError) -> Int { e.instancePath.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "/") ? 1 : 0) } }
        var best = 0
        var bestScore = (depth: -1, count: Int.max)
        for (i, errs) in failures.enumerated() {
            let score = (depth: errs.map(depth).min() ?? 0, count: errs.count)
            if score.depth > bestScore.depth || (score.depth == bestScore.depth && score.count < bestScore.count) {
                best = i
                bestScore = score
            }
        }
        report(n, keyword, "matches none of the \(failures.count) \(keyword) branches; the errors that follow are from branch \(best), the closest")
        errors += failures[best]
    }

    private mutating func checkNumber(_ n: SchemaNode, _ num: JSONNumber) {
        guard n.minimum != nil || n.maximum != nil || n.exclusiveMinimum != nil || n.exclusiveMaximum != nil
            || n.multipleOf != nil, let d = num.doubleValue else { return }
        if let m = n.minimum, d < m { report(n, "minimum", "\(num) is less than the minimum \(m)") }
        if let m = n.maximum, d > m { report(n, "maximum", "\(num) is greater than the maximum \(m)") }
        if let m = n.exclusiveMinimum, d <= m { report(n, "exclusiveMinimum", "\(num) must be greater than \(m)") }
        if let m = n.exclusiveMaximum, d >= m { report(n, "exclusiveMaximum", "\(num) must be less than \(m)") }
        if let m = n.multipleOf {
            let q = d / m
            if !q.isFinite || q != q.rounded() { report(n, "multipleOf", "\(num) is not a multiple of \(m)") }
        }
    }

    private mutating func checkString(_ n: SchemaNode, _ s: String) {
        if n.minLength != nil || n.maxLength != nil {
            // JSON Schema counts code points, not grapheme clusters or UTF-16 units.
            let length = s.unicodeScalars.count
            if let m = n.minLength, length < m { report(n, "minLength", "string of \(length) characters is shorter than \(m)") }
            if let m = n.maxLength, length > m { report(n, "maxLength", "string of \(length) characters is longer than \(m)") }
        }
        if let p = n.pattern, !p.matches(s) {
            report(n, "pattern", "\(SchemaEvaluator.short(.string(s))) does not match the pattern \(p.source)")
        }
        if options.assertFormats, let f = n.format, !f.accepts(s) {
            report(n, "format", "\(SchemaEvaluator.short(.string(s))) is not a valid \(f.rawValue)")
        }
    }

    private mutating func checkObject(_ n: SchemaNode, _ o: JSONObject) {
        for name in n.required where !o.hasMember(name) {
            report(n, "required", "missing required property \"\(name)\"")
        }
        if let m = n.minProperties, o.count < m { report(n, "minProperties", "has \(o.count) properties, fewer than \(m)") }
        if let m = n.maxProperties, o.count > m { report(n, "maxProperties", "has \(o.count) properties, more than \(m)") }
        for (name, needed) in n.dependentRequired where o.hasMember(name) {
            for other in needed where !o.hasMember(other) {
                report(n, "dependentRequired", "property \"\(name)\" requires property \"\(other)\"")
            }
        }
        for (name, sub) in n.dependentSchemas where o.hasMember(name) { evaluate(sub, .object(o)) }

        let checksMembers = !n.properties.isEmpty || !n.patternProperties.isEmpty
            || n.additionalProperties != nil || n.propertyNames != nil
        guard checksMembers else { return }
        for member in o {
            if let names = n.propertyNames {
                path.append(.key(member.key))
                evaluate(names, .string(member.key))
                path.removeLast()
            }
            var matched = false
            if let sub = n.properties[member.key] {
                matched = true
                descend(sub, member.value, .key(member.key))
            }
            for (pattern, sub) in n.patternProperties where pattern.matches(member.key) {
                matched = true
                descend(sub, member.value, .key(member.key))
            }
            if !matched, let extra = n.additionalProperties {
                if nodes[extra].rejectsAll {
                    path.append(.key(member.key))
                    report(n, "additionalProperties", "property \"\(member.key)\" is not allowed (additionalProperties is false)")
                    path.removeLast()
                } else {
                    descend(extra, member.value, .key(member.key))
                }
            }
        }
    }

    private mutating func checkArray(_ n: SchemaNode, _ a: [JSONValue]) {
        if let m = n.minItems, a.count < m { report(n, "minItems", "has \(a.count) items, fewer than \(m)") }
        if let m = n.maxItems, a.count > m { report(n, "maxItems", "has \(a.count) items, more than \(m)") }
        for (i, sub) in n.prefixItems.enumerated() where i < a.count { descend(sub, a[i], .index(i)) }
        if let items = n.items, a.count > n.prefixItems.count {
            for i in n.prefixItems.count..<a.count { descend(items, a[i], .index(i)) }
        }
        if let contains = n.contains {
            var count = 0
            for (i, element) in a.enumerated() {
                path.append(.index(i))
                if trial(contains, element).isEmpty { count += 1 }
                path.removeLast()
            }
            let least = n.minContains ?? 1
            if count < least { report(n, "contains", "\(count) items match the \"contains\" schema, fewer than \(least)") }
            if let most = n.maxContains, count > most {
                report(n, "maxContains", "\(count) items match the \"contains\" schema, more than \(most)")
            }
        }
        if n.uniqueItems, a.count > 1 {
            outer: for i in 1..<a.count {
                for j in 0..<i where a[i].schemaEquals(a[j]) {
                    report(n, "uniqueItems", "items \(j) and \(i) are equal; items must be unique")
                    break outer
                }
            }
        }
    }

    static func matches(_ types: JSONTypeSet, _ v: JSONValue) -> Bool {
        switch v {
        case .null: return types.contains(.null)
        case .bool: return types.contains(.boolean)
        case .string: return types.contains(.string)
        case .array: return types.contains(.array)
        case .object: return types.contains(.object)
        case .number(let n):
            if types.contains(.number) { return true }
            return types.contains(.integer) && isIntegral(n)
        }
    }

    /// True for numbers with no fractional part, however written (`3`, `3.0`, `3e2`).
    static func isIntegral(_ n: JSONNumber) -> Bool {
        if !n.text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            return true
        }
        guard let d = n.doubleValue, d.isFinite else { return false }
        return d == d.rounded()
    }

    static func describe(_ v: JSONValue) -> String {
        if case .number(let n) = v, !isIntegral(n) { return "number \(n)" }
        if case .number(let n) = v { return "integer \(n)" }
        return v.kindName
    }

    /// A value in canonical JSON, cut to 80 characters, for messages.
    static func short(_ v: JSONValue) -> String {
        let text = v.canonicalString
        return text.count <= 80 ? text : String(text.prefix(77)) + "…"
    }
}

