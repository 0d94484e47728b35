/// A token file problem, with what to do about it.
public struct APITokenError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
