import HireLedgerCore

/// The schema documents `$ref`s may point into, by absolute URI.
///
/// Add every document a schema refers to before building a `JSONSchemaValidator`; the validator copies
/// the registry, so later additions do not reach validators already built. Each document is registered
/// under its `$id` (or the URI given when it has none), and so is every embedded `$id` and `$anchor`
/// inside it. Registering two different documents under one URI is an error.
public struct SchemaRegistry: Sendable {
    /// Absolute URIs without fragment → the schema resource (a whole document or an embedded `$id` schema).
    private(set) var resources: [String: JSONValue] = [:]
    /// `uri#anchor` → the schema carrying that `$anchor`, with the base URI and pointer it sits at.
    private(set) var anchors: [String: Location] = [:]

    struct Location: Sendable {
        var value: JSONValue
        var base: String
        var pointer: JSONPointer
    }

    public init() {}

    /// The URIs of every registered resource (documents and embedded `$id`s), sorted.
    public var uris: [String] { resources.keys.sorted() }

    /// Registers `document` under its top-level `$id`, resolved against `uri` when both are given.
    /// Returns the URI it was registered under.
    /// - Throws: `SchemaError` when neither a `$id` nor `uri` is given, the URI is not absolute, or a
    ///   different document is already registered under the same URI.
    @discardableResult
    public mutating func add(_ document: JSONValue, uri: String? = nil) throws(SchemaError) -> String {
        var base: String
        if let id = document.member("$id")?.stringValue {
            base = SchemaURI.split(uri.map { SchemaURI.resolve(id, against: $0) } ?? id).base
        } else if let uri {
            base = SchemaURI.split(uri).base
        } else {
            throw SchemaError(location: "(document root)",
                              message: "the document has no \"$id\"; pass a uri: to register it under")
        }
        guard SchemaURI.hasScheme(base) else {
            throw SchemaError(location: base, message: "a schema document's URI must be absolute (e.g. \"urn:x\" or \"https://…\")")
        }
        try index(document, base: base, pointer: JSONPointer(), isRoot: true)
        return base
    }

    /// Walks a document, registering embedded `$id`s and `$anchor`s.
    private mutating func index(_ value: JSONValue, base: String, pointer: JSONPointer, isRoot: Bool) throws(SchemaError) {
        switch value {
        case .object(let o):
            var base = base
            var pointer = pointer
            if isRoot {
                try register(value, at: base)
            } else if let id = o.member("$id")?.stringValue, !id.hasPrefix("#") {
                base = SchemaURI.split(SchemaURI.resolve(id, against: base)).base
                pointer = JSONPointer()
                try register(value, at: base)
            }
            if let anchor = o.member("$anchor")?.stringValue {
                anchors[base + "#" + anchor] = Location(value: value, base: base, pointer: pointer)
            }
            for member in o {
                // `enum`, `const` and examples hold data, not schemas: an "$id" in them names nothing.
                if member.key == "enum" || member.key == "const" || member.key == "example" || member.key == "examples" { continue }
                try index(member.value, base: base, pointer: pointer.appending(member.key), isRoot: false)
            }
        case .array(let a):
            for (i, v) in a.enumerated() {
                try index(v, base: base, pointer: pointer.appending(String(i)), isRoot: false)
            }
        default:
            break
        }
    }

    /// Registers a validator's root schema under `uri`, replacing whatever root was there before.
    mutating func addRoot(_ schema: JSONValue, uri: String) throws(SchemaError) -> String {
        resources[uri] = nil
        return try add(schema, uri: uri)
    }

    private mutating func register(_ value: JSONValue, at uri: String) throws(SchemaError) {
        if let existing = resources[uri], existing != value {
            throw SchemaError(location: uri, message: "a different schema is already registered under this URI")
        }
        resources[uri] = value
    }

    /// The schema an absolute URI (with optional fragment) names, with the base URI in effect there and
    /// its pointer relative to that base; nil when nothing is registered there.
    func locate(_ absolute: String) -> Location? {
        let (base, fragment) = SchemaURI.split(absolute)
        guard let fragment, !fragment.isEmpty else {
            return resources[base].map { Location(value: $0, base: base, pointer: JSONPointer()) }
        }
        guard fragment.hasPrefix("/") || fragment.hasPrefix("%2F") || fragment.hasPrefix("%2f") else {
            return anchors[base + "#" + (SchemaURI.percentDecode(fragment) ?? fragment)]
        }
        guard let root = resources[base], let pointer = JSONPointer(uriFragment: fragment) else { return nil }
        // Walk token by token so a `$id` passed on the way changes the base, as it does for refs inside it.
        var current = root
        var currentBase = base
        var relative = JSONPointer()
        for token in pointer.tokens {
            guard let next = JSONPointer.child(of: current, token) else { return nil }
            current = next
            relative = relative.appending(token)
            if let id = current.member("$id")?.stringValue, !id.hasPrefix("#") {
                currentBase = SchemaURI.split(SchemaURI.resolve(id, against: currentBase)).base
                relative = JSONPointer()
            }
        }
        return Location(value: current, base: currentBase, pointer: relative)
    }
}
