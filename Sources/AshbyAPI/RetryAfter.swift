import HireLedgerCore

/// Parses an HTTP `Retry-After` value (RFC 9110 §10.2.3): delay-seconds, or an HTTP date.
enum RetryAfter {
    /// Seconds to wait from `now`, never negative; nil when the value is neither form.
    static func seconds(_ value: String, now: Timestamp) -> Double? {
        let text = APIKey.trimmed(value)
        if let n = Double(text), n.isFinite {
            return max(0, n)
        }
        guard let date = httpDate(text) else { return nil }
        return max(0, Double(date.millisecondsSinceEpoch - now.millisecondsSinceEpoch) / 1000)
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and
    /// asctime (`Sun Nov  6 08:49:37 1994`).
    static func httpDate(_ text: String) -> Timestamp? {
        // Split on spaces, commas and dashes; the three formats then differ only in field order.
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" }).map(String.init)
        var day: Int?, month: Int?, year: Int?, time: String?
        for field in fields {
            if field.contains(":") { time = field; continue }
            if let m = months.firstIndex(of: field.lowercased()) { month = m + 1; continue }
            if let n = Int(field) {
                if day == nil && n <= 31 && field.count <= 2 { day = n } else { year = n < 100 ? (n < 70 ? 2000 + n : 1900 + n) : n }
            }
        }
        guard let d = day, let m = month, let y = year, let t = time,
              let date = CivilDate(year: y, month: m, day: d) else { return nil }
        let parts = t.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 3, (0..<24).contains(parts[0]), (0..<60).contains(parts[1]), (0...60).contains(parts[2]) else {
            return nil
        }
        let seconds = Int64(parts[0] * 3600 + parts[1] * 60 + parts[2])
        return date.startOfDay.adding(milliseconds: seconds * 1000)
    }
}
