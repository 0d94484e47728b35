import HireLedgerCore

/// Which event types a query wants: glob patterns over wire names (`application.*`,
/// `record.candidate.*`, `*.deleted`), where `*` matches any run of characters (dots included).
/// An empty filter matches every type.
public struct EventTypeFilter: Sendable, Hashable {
    public var patterns: [String]

    public init(_ patterns: [String] = []) { self.patterns = patterns }

    /// Every type.
    public static let all = EventTypeFilter()

    public var matchesAll: Bool { patterns.isEmpty }

    public func matches(_ type: EventType) -> Bool {
        matchesAll || patterns.contains { EventTypeFilter.glob(Array($0.utf8)[...], Array(type.wireName.utf8)[...]) }
    }

    /// Iterative glob match with backtracking to the last `*`.
    static func glob(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        let p = Array(pattern), t = Array(text)
        var pi = 0, ti = 0, star = -1, mark = 0
        let asterisk = UInt8(ascii: "*")
        while ti < t.count {
            if pi < p.count, p[pi] != asterisk, p[pi] == t[ti] {
                pi += 1; ti += 1
            } else if pi < p.count, p[pi] == asterisk {
                star = pi; mark = ti; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == asterisk { pi += 1 }
        return pi == p.count
    }
}
