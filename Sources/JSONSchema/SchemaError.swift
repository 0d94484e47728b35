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
