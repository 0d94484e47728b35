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
        guard let p = LogPosition(parsing: text) else {
            throw APIProblem.badParameter(name, "\(name) must be an event position: an integer from 0 to \(LogPosition.maximum.value); got '\(text.prefix(40))'.")
        }
        return p
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws(APIProblem) -> Int? {
        guard let text = self[name] else { return nil }
        guard text.utf8.count <= 20, text.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || (48...57).contains($0) }),
              let v = Int(text), range.contains(v) else {
            throw APIProblem.badParameter(name, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound); got '\(text.prefix(40))'.")
        }
        return v
    }

    func typeFilter(_ name: String) throws(APIProblem) -> EventTypeFilter {
        guard let text = self[name] else { return .all }
        let patterns = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for p in patterns where p.isEmpty || p.unicodeScalars.contains(where: { !(Self.isASCIIAlphanumeric($0) || "._*".unicodeScalars.contains($0)) }) {
            throw APIProblem.badParameter(name, "\(name) takes comma-separated globs of event type wire names such as application.* or record.offer.*; got '\(p)'.")
        }
        return EventTypeFilter(patterns)
    }

    func entity(_ name: String) throws(APIProblem) -> EntityKey? {
        guard let text = self[name] else { return nil }
        guard text.unicodeScalars.count <= Self.maximumIDLength, let key = EntityKey(wireForm: text) else {
            throw APIProblem.badParameter(name, "\(name) must be KIND/ID with KIND one of \(EntityKind.allCases.map(\.wireName).joined(separator: ", ")); got '\(text.prefix(80))'.")
        }
        guard key.isStorable else { throw APIProblem.badParameter(name, "\(name)'s id is too long to be a stored record id (\(key.id.utf8.count) bytes).") }
        return key
    }

    func time(_ name: String) throws(APIProblem) -> Timestamp? {
        guard let text = self[name] else { return nil }
        guard let t = Self.timestamp(text) else {
            throw APIProblem.badParameter(name, "\(name) takes an ISO-8601 date or time such as 2026-03-01 or 2026-03-01T12:00:00Z; got '\(text.prefix(40))'.")
        }
        return t
    }

    func month(_ name: String) throws(APIProblem) -> YearMonth? {
        guard let text = self[name] else { return nil }
        let b = Array(text.utf8)
        guard b.count == 7, b[4] == UInt8(ascii: "-"), b.enumerated().allSatisfy({ $0.offset == 4 || (48...57).contains($0.element) }),
              let m = YearMonth(iso8601: text) else {
            throw APIProblem.badParameter(name, "\(name) takes a month as YYYY-MM; got '\(text.prefix(40))'.")
        }
        return m
    }

    func oneOf<T: RawRepresentable & CaseIterable>(_ name: String, _: T.Type) throws(APIProblem) -> T? where T.RawValue == String {
        guard let text = self[name] else { return nil }
        guard let v = T(rawValue: text) else {
            throw APIProblem.badParameter(name, "\(name) is one of \(T.allCases.map(\.rawValue).joined(separator: ", ")); got '\(text.prefix(40))'.")
        }
        return v
    }

    /// A date (`YYYY-MM-DD`) or a time (`YYYY-MM-DDTHH:MM[:SS[.fff…]]` with `Z` or `±HH:MM`) as the
    /// OpenAPI document's pattern describes it: a real calendar date, hours
    /// 00-23, minutes 00-59, seconds 00-60, offsets within ±23:59. nil otherwise.
    static func timestamp(_ text: String) -> Timestamp? {
        guard text.utf8.count <= 64, let t = Timestamp(iso8601: text) else { return nil }
        let b = Array(text.utf8)
        // `T` only: in a query string a space arrives as `+`, which would read as an offset.
        guard b.count == 10 || b[10] == UInt8(ascii: "T") else { return nil }
        guard b.count > 10, b.last != UInt8(ascii: "Z") else { return t }
        // An offset: the last six bytes are ±HH:MM.
        let hours = Int(b[b.count - 5] - 48) * 10 + Int(b[b.count - 4] - 48)
        let minutes = Int(b[b.count - 2] - 48) * 10 + Int(b[b.count - 1] - 48)
        return hours <= 23 && minutes <= 59 ? t : nil
    }

    /// Longest record reference (`entity`, or a state route's id) taken, in Unicode scalars: far above
    /// any Ashby id, and short enough that the request line stays within the HTTP parser's limits.
    static let maximumIDLength = 1000

    static func isASCIIAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
    }
}
