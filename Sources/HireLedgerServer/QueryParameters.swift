import HireLedger
import HireLedgerCore
import Hummingbird

/// Typed reads of a request's query string; every failure is a 400 problem naming the parameter.
struct QueryParameters {
    /// Name and percent-decoded value of each parameter, in order.
    let values: [(String, String)]

    init(_ request: Request) { values = request.uri.queryParameters.map { (String($0.key), String($0.value)) } }

    /// The first value of `name`.
    subscript(_ name: String) -> String? { values.first { $0.0 == name }?.1 }

    /// Rejects parameters the route does not take (a misspelt `asOf` must not silently mean "now").
    func allowOnly(_ names: Set<String>) throws(APIProblem) {
        for (key, _) in values where !names.contains(key) {
            throw APIProblem.badParameter(String(key), "unknown parameter '\(key)'; this route takes \(names.sorted().joined(separator: ", ")).")
        }
    }

    func position(_ name: String) throws(APIProblem) -> LogPosition? {
        guard let text = self[name] else { return nil }
        guard let v = UInt64(text) else { throw APIProblem.badParameter(name, "\(name) must be an event position (a non-negative integer); got '\(text)'.") }
        return LogPosition(v)
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws(APIProblem) -> Int? {
        guard let text = self[name] else { return nil }
        guard let v = Int(text), range.contains(v) else {
            throw APIProblem.badParameter(name, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound); got '\(text)'.")
        }
        return v
    }

    func typeFilter(_ name: String) throws(APIProblem) -> EventTypeFilter {
        guard let text = self[name] else { return .all }
        let patterns = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for p in patterns where p.isEmpty || p.contains(where: { !($0.isLetter || $0.isNumber || "._*".contains($0)) }) {
            throw APIProblem.badParameter(name, "\(name) takes comma-separated globs of event type wire names such as application.* or record.offer.*; got '\(p)'.")
        }
        return EventTypeFilter(patterns)
    }

    func entity(_ name: String) throws(APIProblem) -> EntityKey? {
        guard let text = self[name] else { return nil }
        guard let key = EntityKey(wireForm: text) else {
            throw APIProblem.badParameter(name, "\(name) must be KIND/ID with KIND one of \(EntityKind.allCases.map(\.wireName).joined(separator: ", ")); got '\(text)'.")
        }
        return key
    }

    func time(_ name: String) throws(APIProblem) -> Timestamp? {
        guard let text = self[name] else { return nil }
        guard let t = Timestamp(iso8601: text) else {
            throw APIProblem.badParameter(name, "\(name) takes an ISO-8601 date or time such as 2026-03-01 or 2026-03-01T12:00:00Z; got '\(text)'.")
        }
        return t
    }

    func month(_ name: String) throws(APIProblem) -> YearMonth? {
        guard let text = self[name] else { return nil }
        guard let m = YearMonth(iso8601: text) else { throw APIProblem.badParameter(name, "\(name) takes a month as YYYY-MM; got '\(text)'.") }
        return m
    }

    func oneOf<T: RawRepresentable & CaseIterable>(_ name: String, _: T.Type) throws(APIProblem) -> T? where T.RawValue == String {
        guard let text = self[name] else { return nil }
        guard let v = T(rawValue: text) else {
            throw APIProblem.badParameter(name, "\(name) is one of \(T.allCases.map(\.rawValue).joined(separator: ", ")); got '\(text)'.")
        }
        return v
    }
}
