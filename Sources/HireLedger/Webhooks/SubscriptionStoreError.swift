/// Why a subscription operation was refused. Messages never contain secrets.
public enum SubscriptionStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL is not an http(s) URL; `problem` says what is wrong.
    case invalidURL(problem: String)
    case invalidSecret(problem: String)
    case invalidType(pattern: String)
    case invalidBatchSize(Int)
    case notFound(id: String)
    /// A stored subscription could not be read.
    case damaged(id: String, what: String)
    /// A replay or start position lies past the end of the log.
    case positionBeyondLog(requested: UInt64, last: UInt64)

    public var description: String {
        switch self {
        case .invalidURL(let problem): return problem
        case .invalidSecret(let problem): return problem
        case .invalidType(let p): return "event type glob \"\(p)\" is empty or contains a space; give e.g. application.* or *.deleted"
        case .invalidBatchSize(let n): return "batch size \(n) is out of range; give 1 (one event per request) to 1000"
        case .notFound(let id): return "no webhook subscription with id \(id); `hireledger subscribe list` shows them"
        case .damaged(let id, let what): return "the stored webhook subscription \(id) is unreadable: \(what); remove it and add it again"
        case .positionBeyondLog(let requested, let last):
            return "position \(requested) is past the end of the log (last event: \(last))"
        }
    }
}
