/// An RFC 6901 JSON Pointer: a sequence of reference tokens, written `/a/b~1c/0`.
///
/// In the written form `~` is escaped as `~0` and `/` as `~1`. The empty pointer (`""`, no tokens)
/// refers to the whole document.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    public var tokens: [String]

    public init(tokens: [String] = []) { self.tokens = tokens }

    /// Parses the written form; nil when it is neither empty nor starts with `/`, or has a `~` not
    /// followed by `0` or `1`.
    public init?(_ text: String) {
        guard let pointer = try? JSONPointer(parsing: text) else { return nil }
        self = pointer
    }

    /// Parses the written form; throws when it is neither empty nor starts with `/`, or has a `~`
    /// not followed by `0` or `1`.
    public init(parsing text: String) throws(JSONPatchError) {
        if text.isEmpty { self.init(); return }
        guard text.utf8.first == UInt8(ascii: "/") else {
            throw JSONPatchError.malformedPointer(text, reason: "must be empty or start with \"/\"")
        }
        var tokens: [String] = []
        var current: [UInt8] = []
        var bytes = Array(text.utf8).dropFirst()[...]
        while let b = bytes.popFirst() {
            switch b {
            case UInt8(ascii: "/"):
                tokens.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            case UInt8(ascii: "~"):
                switch bytes.popFirst() {
                case UInt8(ascii: "0"): current.append(UInt8(ascii: "~"))
                case UInt8(ascii: "1"): current.append(UInt8(ascii: "/"))
                default: throw JSONPatchError.malformedPointer(text, reason: "\"~\" must be followed by 0 or 1")
                }
            default:
                current.append(b)
            }
        }
        tokens.append(String(decoding: current, as: UTF8.self))
        self.init(tokens: tokens)
    }

    /// The written form, e.g. `/fileHandles/0/name`.
    public var description: String {
        var out = ""
        for t in tokens {
            out += "/"
            out += JSONPointer.escape(t)
        }
        return out
    }

    public func appending(_ token: String) -> JSONPointer { JSONPointer(tokens: tokens + [token]) }
    public func appending(_ index: Int) -> JSONPointer { appending(String(index)) }

    /// The value this pointer names inside `root`, or nil when a token does not match (a missing
    /// member, or an array index that is not a valid RFC 6901 index within bounds).
    public func resolve(in root: JSONValue) -> JSONValue? {
        var current = root
        for token in tokens {
            guard let next = JSONPointer.child(of: current, token) else { return nil }
            current = next
        }
        return current
    }

    /// The value one reference token names inside `value`: an object's member, or an array's element
    /// at a valid RFC 6901 index within bounds; nil otherwise.
    public static func child(of value: JSONValue, _ token: String) -> JSONValue? {
        switch value {
        case .object(let o): o[token]
        case .array(let a): arrayIndex(token).flatMap { $0 < a.count ? a[$0] : nil }
        default: nil
        }
    }

    /// One reference token in its written form: `~` → `~0`, `/` → `~1`.
    public static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
        var out = ""
        for ch in token.unicodeScalars {
            switch ch {
            case "~": out += "~0"
            case "/": out += "~1"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// An RFC 6901 array index: `0` or digits without a leading zero; nil for anything else.
    public static func arrayIndex(_ token: String) -> Int? {
        guard !token.isEmpty, token.utf8.allSatisfy({ (48...57).contains($0) }),
              token == "0" || !token.hasPrefix("0") else { return nil }
        return Int(token)
    }
}
