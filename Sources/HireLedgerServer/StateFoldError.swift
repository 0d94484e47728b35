/// The log of one entity cannot be folded (a damaged or inconsistent log).
public struct StateFoldError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
