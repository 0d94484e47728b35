/// A connection or protocol failure of `SSEClient`.
public struct SSEClientError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
