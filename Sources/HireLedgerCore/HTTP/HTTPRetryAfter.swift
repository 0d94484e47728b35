/// Parses an HTTP `Retry-After` value (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date in any of the
/// three forms RFC 9110 §5.6.7 says a recipient must accept (and, leniently, a decimal or negative
/// number of seconds, clamped at 0):
///
/// - IMF-fixdate, the preferred form: `Sun, 06 Nov 1994 08:49:37 GMT`
/// - obsolete RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT` (a two-digit year more than 50 years ahead of
///   `now` is read as the most recent past year with those digits, as §5.6.7 requires)
/// - obsolete asctime: `Sun Nov  6 08:49:37 1994`
///
/// Day and month names are matched without regard to case; the weekday is not checked against the
/// date (senders get it wrong and it adds nothing).
public enum HTTPRetryAfter {
    /// Seconds to wait from `now`, never negative; nil when the value is neither form.
    public static func seconds(_ value: String, now: Timestamp) -> Double? {
        let text = value.trimmingWhitespace()
        // delay-seconds is digits; a decimal or negative number is read leniently (clamped at 0).
        if let n = Double(text), n.isFinite, text.utf8.allSatisfy({ ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }) {
            return max(0, n)
        }
        guard let date = date(text, now: now) else { return nil }
        return max(0, Double(date.millisecondsSinceEpoch - now.millisecondsSinceEpoch) / 1000)
    }

    /// The instant an HTTP-date names; nil when `text` is none of the three forms.
    public static func date(_ text: String, now: Timestamp) -> Timestamp? {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true)
        if fields.count == 6, fields[0].hasSuffix(","), fields[5] == "GMT",
           weekday(fields[0].dropLast(), long: false) {
            // IMF-fixdate: wkday "," SP 2DIGIT SP month SP 4DIGIT SP time SP "GMT"
            return make(day: fields[1], digits: 2, month: fields[2], year: fields[3], yearDigits: 4, time: fields[4], now: now)
        }
        if fields.count == 4, fields[0].hasSuffix(","), fields[3] == "GMT",
           weekday(fields[0].dropLast(), long: true) {
            // rfc850-date: weekday "," SP 2DIGIT "-" month "-" 2DIGIT SP time SP "GMT"
            let parts = fields[1].split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3 else { return nil }
            return make(day: parts[0], digits: 2, month: parts[1], year: parts[2], yearDigits: 2, time: fields[2], now: now)
        }
        if fields.count == 5, weekday(fields[0], long: false) {
            // asctime-date: wkday SP month SP ( 2DIGIT / ( SP DIGIT ) ) SP time SP 4DIGIT
            return make(day: fields[2], digits: fields[2].count, month: fields[1], year: fields[4], yearDigits: 4,
                         time: fields[3], now: now)
        }
        return nil
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    private static func weekday(_ text: Substring, long: Bool) -> Bool {
        let lower = text.lowercased()
        return long ? days.contains(lower) : days.contains { $0.prefix(3) == lower }
    }

    private static func number(_ text: Substring, digits: Int) -> Int? {
        guard text.count == digits, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(text)
    }

    private static func make(day dayText: Substring, digits: Int, month monthText: Substring, year yearText: Substring,
                             yearDigits: Int, time: Substring, now: Timestamp) -> Timestamp? {
        guard (1...2).contains(digits), let day = number(dayText, digits: digits),
              let m = months.firstIndex(of: monthText.lowercased()),
              var year = number(yearText, digits: yearDigits) else { return nil }
        if yearDigits == 2 {
            let current = now.day.year
            year += current - current % 100
            if year > current + 50 { year -= 100 }
        }
        let hms = time.split(separator: ":", omittingEmptySubsequences: false)
        guard hms.count == 3, let h = number(hms[0], digits: 2), let mi = number(hms[1], digits: 2),
              let s = number(hms[2], digits: 2), h < 24, mi < 60, s <= 60,
              let date = CivilDate(year: year, month: m + 1, day: day) else { return nil }
        return date.startOfDay.adding(milliseconds: Int64(h * 3600 + mi * 60 + s) * 1000)
    }
}
