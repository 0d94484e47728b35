/// A strict RFC 4180 reader for tests: CRLF or LF line ends, quoted fields with doubled quotes,
/// commas and line breaks inside. Independent of the writer it checks (`CSVTable`).
public enum CSVReader {
    public struct Malformed: Error, CustomStringConvertible {
        public let description: String
    }

    /// The records of `text`, header included; every record must have as many fields as the first.
    public static func records(_ text: String) throws -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var fieldStarted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars = chars.dropFirst() } else { quoted = false }
                } else {
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                guard field.isEmpty else { throw Malformed(description: "a quote inside an unquoted field in record \(records.count + 1)") }
                quoted = true
                fieldStarted = true
            case ",":
                record.append(field); field = ""; fieldStarted = true
            case "\r\n", "\n":
                record.append(field); records.append(record); record = []; field = ""; fieldStarted = false
            case "\r":
                throw Malformed(description: "a bare CR in record \(records.count + 1)")
            default:
                field.append(c); fieldStarted = true
            }
        }
        if quoted { throw Malformed(description: "an unterminated quoted field") }
        if fieldStarted || !record.isEmpty { record.append(field); records.append(record) }
        if let width = records.first?.count {
            for (i, r) in records.enumerated() where r.count != width {
                throw Malformed(description: "record \(i + 1) has \(r.count) fields, the header \(width)")
            }
        }
        return records
    }

    /// The records after the header as dictionaries keyed by the header's names.
    public static func rows(_ text: String) throws -> (header: [String], rows: [[String: String]]) {
        let all = try records(text)
        guard let header = all.first else { return ([], []) }
        return (header, all.dropFirst().map { r in Dictionary(uniqueKeysWithValues: zip(header, r)) })
    }
}
