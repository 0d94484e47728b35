import HireLedgerCore

/// An OpenAPI 3.x document as a source of JSON Schemas for request and response bodies.
///
/// The whole document is registered in `registry` under `uri`, because its schemas `$ref` each other
/// by JSON pointer from the document root (the Ashby document has no `components/schemas`; it points
/// into other paths). The schemas this type returns are therefore small `{"$ref": "<uri>#<pointer>"}`
/// wrappers: validate them with a validator built on this document's `registry`, or use
/// `responseValidator(path:…)`, which does that.
public struct OpenAPIDocument: Sendable {
    /// Which part of a response schema written as `oneOf` [success, error] to return.
    public enum ResponseBranch: Sendable {
        /// The schema as written.
        case whole
        /// The branch that does not require `errorInfo`/`errors` (Ashby's `{success: true, results…}`).
        /// A schema that is not a `oneOf`, or a `oneOf` with no error branch, is returned whole.
        case success
        /// The branch that requires `errorInfo` or `errors`.
        case error
    }

    public let json: JSONValue
    public let uri: String
    public let registry: SchemaRegistry

    /// - Throws: `SchemaError` when `json` has no `paths` object or `uri` is not absolute.
    public init(json: JSONValue, uri: String = "urn:hireledger:openapi") throws(SchemaError) {
        guard case .object = json.member("paths") else {
            throw SchemaError(location: uri + "#", message: "not an OpenAPI document: no \"paths\" object")
        }
        var registry = SchemaRegistry()
        self.uri = try registry.add(json, uri: uri)
        self.json = json
        self.registry = registry
    }

    /// The document's paths (`/candidate.list`, …), sorted.
    public var paths: [String] { json.member("paths")?.objectValue?.keys ?? [] }

    /// The JSON pointer to the `application/json` schema of one response, e.g.
    /// `/paths/~1candidate.list/post/responses/200/content/application~1json/schema`.
    /// - Throws: `SchemaError` naming the first missing step when there is no such schema.
    public func responseSchemaPointer(path: String, method: String = "post", status: String = "200",
                                      branch: ResponseBranch = .success) throws(SchemaError) -> JSONPointer {
        let steps = ["paths", path, method, "responses", status, "content", "application/json", "schema"]
        var pointer = JSONPointer()
        for step in steps {
            pointer = pointer.appending(step)
            guard case .some = pointer.resolve(in: json) else {
                throw SchemaError(location: uri + "#" + pointer.description,
                                  message: "the document has no \(method.uppercased()) \(path) response \(status) with an application/json schema (missing \"\(step)\")")
            }
        }
        if branch == .whole { return pointer }
        guard case .array(let branches)? = pointer.resolve(in: json)?.member("oneOf") else {
            if branch == .success { return pointer }
            throw SchemaError(location: uri + "#" + pointer.description, message: "the response schema is not a oneOf, so it has no error branch")
        }
        let errorBranches = branches.indices.filter { i in
            let required = requiredKeys(of: branches[i], depth: 0)
            return required.contains("errorInfo") || required.contains("errors")
        }
        // A oneOf with no error branch (e.g. hiringTeamRole.list's two result shapes) is all success.
        if branch == .success, errorBranches.isEmpty { return pointer }
        let matching = branch == .error ? errorBranches : branches.indices.filter { !errorBranches.contains($0) }
        guard matching.count == 1 else {
            throw SchemaError(location: uri + "#" + pointer.appending("oneOf").description,
                              message: "expected exactly one \(branch) branch in the oneOf, found \(matching.count); use branch: .whole")
        }
        return pointer.appending("oneOf").appending(String(matching[0]))
    }

    /// A schema (a `$ref` into this document) for one response body; see the type's notes.
    public func responseSchema(path: String, method: String = "post", status: String = "200",
                               branch: ResponseBranch = .success) throws(SchemaError) -> JSONValue {
        let pointer = try responseSchemaPointer(path: path, method: method, status: status, branch: branch)
        return ["$ref": .string(uri + "#" + pointer.description)]
    }

    /// A validator for one response body, built on this document's registry.
    public func responseValidator(path: String, method: String = "post", status: String = "200",
                                  branch: ResponseBranch = .success,
                                  options: JSONSchemaValidator.Options = .init()) throws(SchemaError) -> JSONSchemaValidator {
        let schema = try responseSchema(path: path, method: method, status: status, branch: branch)
        return try JSONSchemaValidator(schema: schema, registry: registry, options: options)
    }

    /// The `required` names of a schema and of what its `allOf` and `$ref` lead to (a few levels deep).
    private func requiredKeys(of schema: JSONValue, depth: Int) -> Set<String> {
        guard depth < 8 else { return [] }
        var out = Set(schema.member("required")?.arrayValue?.compactMap(\.stringValue) ?? [])
        if let ref = schema.member("$ref")?.stringValue, ref.hasPrefix("#"),
           let pointer = JSONPointer(uriFragment: String(ref.dropFirst())), let target = pointer.resolve(in: json) {
            out.formUnion(requiredKeys(of: target, depth: depth + 1))
        }
        for sub in schema.member("allOf")?.arrayValue ?? [] { out.formUnion(requiredKeys(of: sub, depth: depth + 1)) }
        return out
    }
}
