/// A schema (not an instance) that cannot be used: an unresolvable `$ref`, a keyword with a value of
/// the wrong kind, an invalid `pattern`, or a keyword this validator does not implement.
///
/// Thrown when a document is loaded or a validator is built, never while validating an instance.
public struct SchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where in the schema the problem is: an absolute URI with a JSON-pointer fragment.
    public let location: String
    public let message: String

    public init(location: String, message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "invalid schema at \(location): \(message)" }
}

/// One way an instance fails its schema.
public struct ValidationError: Sendable, Hashable, CustomStringConvertible {
    /// Where in the instance: a JSON pointer (`/results/0/source`, `""` for the root).
    public let instancePath: String
    /// The failing keyword as an absolute location: the schema's URI, `#`, and a JSON pointer ending in
    /// the keyword (`urn:ashby-openapi#/webhooks/…/properties/source/type`). After a `$ref` this is
    /// the location of the referenced schema, not the path that led there.
    public let schemaLocation: String
    /// The failing keyword (`type`, `required`, `oneOf`, …).
    public let keyword: String
    /// What was wrong, in words.
    public let message: String

    public init(instancePath: String, schemaLocation: String, keyword: String, message: String) {
        self.instancePath = instancePath
        self.schemaLocation = schemaLocation
        self.keyword = keyword
        self.message = message
    }

    public var description: String {
        "\(instancePath.isEmpty ? "(root)" : instancePath): \(message) [\(keyword) at \(schemaLocation)]"
    }
}
