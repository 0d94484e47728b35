/// An RFC 6901 JSON Pointer: a sequence of reference tokens, written `/a/b~1c/0`.
///
/// In the written form `~` is escaped as `~0` and `/` as `~1`. The empty pointer (`""`, no tokens)
/// refers to the whole document.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    public var tokens: [String]

    public init(tokens: [String] = []) { self.tokens = tokens }

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
            for ch in t.unicodeScalars {
                switch ch {
                case "~": out += "~0"
                case "/": out += "~1"
                default: out.unicodeScalars.append(ch)
                }
            }
        }
        return out
    }

    public func appending(_ token: String) -> JSONPointer { JSONPointer(tokens: tokens + [token]) }
    public func appending(_ index: Int) -> JSONPointer { appending(String(index)) }
}
