/// Options that cannot work, with what to change.
public struct ServerOptionsError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
