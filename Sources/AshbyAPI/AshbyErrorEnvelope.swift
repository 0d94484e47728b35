import HireLedgerCore

/// The parts of a `success: false` body the client classifies on, read tolerantly: the current
/// `errorInfo {code, message, requestId}`, the deprecated `errors` array, whose items are code strings,
/// sentences, or `{message, parameter, code}` objects depending on source (ASHBY_API.md §2.2).
struct AshbyErrorEnvelope {
    /// Machine codes, `errorInfo.code` first.
    var codes: [String] = []
    /// Human text, already redacted.
    var message: String?
    var requestId: String?

    init(_ envelope: JSONObject, redact: (String) -> String) {
        var messages: [String] = []
        if let info = envelope["errorInfo"]?.objectValue {
            if let code = info["code"]?.stringValue { codes.append(code) }
            if let text = info["message"]?.stringValue { messages.append(text) }
            requestId = info["requestId"]?.stringValue
        }
        for item in envelope["errors"]?.arrayValue ?? [] {
            switch item {
            case .string(let text):
                if AshbyErrorEnvelope.looksLikeCode(text) { codes.append(text) } else { messages.append(text) }
            case .object(let object):
                if let code = object["code"]?.stringValue { codes.append(code) }
                if let text = object["message"]?.stringValue {
                    let parameter = object["parameter"]?.stringValue.map { "\($0): " } ?? ""
                    messages.append(parameter + text)
                }
            default:
                continue
            }
        }
        if let single = envelope["error"]?.stringValue {
            if AshbyErrorEnvelope.looksLikeCode(single) { codes.append(single) } else { messages.append(single) }
        }
        var seen = Set<String>()
        codes = codes.map(redact).filter { seen.insert($0).inserted }
        var seenMessages = Set<String>()
        let unique = messages.filter { seenMessages.insert($0).inserted }
        message = unique.isEmpty ? nil : redact(String(unique.joined(separator: "; ").prefix(500)))
        requestId = requestId.map(redact)
    }

    func has(_ code: String) -> Bool { codes.contains(code) }

    /// A permission named in the message (e.g. "jobsRead permission is required"), for endpoints
    /// outside the catalogue.
    var mentionedPermission: AshbyPermission? {
        guard let message else { return nil }
        return AshbyPermission.allCases.first { message.contains($0.rawValue) || message.contains($0.scope) }
    }

    /// Codes are lower_snake_case words; anything else in `errors` is a sentence.
    static func looksLikeCode(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || $0 == UInt8(ascii: "_") || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
        }
    }
}
