/// Parses an HTTP `Retry-After` value (RFC 9110 §10.2.3): delay-seconds or an IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`).
public enum HTTPRetryAfter {
    /// Seconds to wait from `now`, never negative; nil when the value is neither form.
    public static func seconds(_ value: String, now: Timestamp) -> Double? {
        let text = value.trimmingSpaces
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            return Double(text)
        }
        guard let date = imfFixdate(text) else { return nil }
        return max(0, Double(date.millisecondsSinceEpoch - now.millisecondsSinceEpoch) / 1000)
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func imfFixdate(_ text: String) -> Timestamp? {
        // "Sun, 06 Nov 1994 08:49:37 GMT"
        let f = text.split(separator: " ")
        guard f.count == 6, f[0].hasSuffix(","), f[5] == "GMT", let day = Int(f[1]),
              let m = months.firstIndex(of: String(f[2])), let year = Int(f[3]),
              let date = CivilDate(year: year, month: m + 1, day: day) else { return nil }
        let hms = f[4].split(separator: ":").compactMap { Int($0) }
        guard hms.count == 3, (0..<24).contains(hms[0]), (0..<60).contains(hms[1]), (0...60).contains(hms[2]) else { return nil }
        return date.startOfDay.adding(milliseconds: Int64(hms[0] * 3600 + hms[1] * 60 + hms[2]) * 1000)
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}
