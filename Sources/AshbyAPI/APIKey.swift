import HireLedgerCore

/// An Ashby API key. The secret never leaves this value except inside the `Authorization` header the
/// client sends: `description`, `debugDescription` and reflection (`dump`, `print`) show only a
/// fingerprint, so a key cannot end up in logs, error messages or test output by accident.
///
/// Ashby keys are created by an admin (Admin → Integrations → API Keys) and sent as the Basic-auth
/// user name with an empty password (ASHBY_API.md §1).
public struct APIKey: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The environment variable HireLedger reads the key from.
    public static let environmentVariable = "ASHBY_API_KEY"

    private let secret: String
    /// `Basic base64("<key>:")`, built once.
    let authorizationHeaderValue: String

    /// Wraps a key, trimming surrounding whitespace (keys pasted into files usually end in a newline).
    /// Throws when nothing is left, or when the key contains whitespace, control characters or `:`
    /// (a Basic-auth user name cannot contain `:`), which means the wrong text was supplied.
    public init(_ text: String) throws(APIKeyError) {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .empty }
        for scalar in trimmed.unicodeScalars where scalar.value <= 0x20 || scalar.value == 0x7F || scalar == ":" {
            throw .malformed(reason: scalar == ":"
                ? "it contains ':', which cannot appear in a Basic-auth user name"
                : "it contains whitespace or control characters inside the key")
        }
        secret = trimmed
        authorizationHeaderValue = "Basic " + Base64Codec.encode(Array((trimmed + ":").utf8))
    }

    /// A short, stable, non-reversible tag for telling keys apart in output: `key#1a2b3c4d`
    /// (the first 8 hex digits of the key's XXH64). Safe to print.
    public var fingerprint: String {
        let hex = String(ContentHash(bytes: Array(secret.utf8)).value, radix: 16)
        let padded = String(repeating: "0", count: max(0, 16 - hex.count)) + hex
        return "key#" + padded.prefix(8)
    }

    public var description: String { "APIKey(\(fingerprint), redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [("fingerprint", fingerprint)]) }

    /// Replaces every occurrence of the key (and of its Basic header encoding) in `text` with
    /// `[redacted]`. The client runs every server-supplied string through this before it can reach
    /// an error message, in case a proxy or server echoes credentials back.
    public func redact(_ text: String) -> String {
        var out = text
        for needle in [secret, String(authorizationHeaderValue.dropFirst("Basic ".count))] where !needle.isEmpty {
            out = out.replacingAll(needle, with: "[redacted]")
        }
        return out
    }

}

/// Where a key came from and what to tell the user about it.
public struct LoadedAPIKey: Sendable {
    public var key: APIKey
    /// Human description of the source, e.g. `environment variable ASHBY_API_KEY` or `key file /p/k`.
    public var source: String
    /// Problems that did not stop loading, e.g. a key file readable by other users.
    public var warnings: [String]
}

extension APIKey {
    /// Loads the key the way the command-line tool documents it: from `keyFile` when one is given,
    /// otherwise from the `ASHBY_API_KEY` environment variable.
    ///
    /// - Parameters:
    ///   - keyFile: path of a file holding only the key (surrounding whitespace is trimmed).
    ///   - environment: looks a variable up; nil reads this process's environment. Tests pass a dictionary lookup.
    ///   - refuseSharedKeyFile: when true a key file readable by group or others is an error rather
    ///     than a warning.
    public static func load(
        keyFile: String? = nil,
        environment: ((String) -> String?)? = nil,
        refuseSharedKeyFile: Bool = false
    ) throws(APIKeyError) -> LoadedAPIKey {
        if let keyFile {
            let mode: UInt32
            let bytes: [UInt8]
            do {
                mode = try FileAccess.mode(of: keyFile)
                bytes = try FileAccess.read(keyFile, limit: 64 * 1024)
            } catch {
                throw .unreadableKeyFile(path: keyFile, reason: error.description)
            }
            var warnings: [String] = []
            if mode & 0o077 != 0 {
                let octal = String(mode & 0o777, radix: 8)
                if refuseSharedKeyFile { throw .keyFileShared(path: keyFile, mode: octal) }
                warnings.append("The key file \(keyFile) is readable by other users (mode \(octal)); "
                    + "restrict it with: chmod 600 \(keyFile)")
            }
            do {
                let key = try APIKey(String(decoding: bytes, as: UTF8.self))
                return LoadedAPIKey(key: key, source: "key file \(keyFile)", warnings: warnings)
            } catch {
                throw .invalidKeyFile(path: keyFile, problem: error)
            }
        }
        let lookup = environment ?? { FileAccess.environment($0) }
        guard let value = lookup(environmentVariable), !value.trimmingWhitespace().isEmpty else {
            throw .missing
        }
        do {
            return LoadedAPIKey(key: try APIKey(value), source: "environment variable \(environmentVariable)", warnings: [])
        } catch {
            throw .invalidEnvironmentVariable(name: environmentVariable, problem: error)
        }
    }
}

/// Why no usable API key could be loaded. Messages never contain the key.
public indirect enum APIKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case missing
    case empty
    case malformed(reason: String)
    case unreadableKeyFile(path: String, reason: String)
    case keyFileShared(path: String, mode: String)
    case invalidKeyFile(path: String, problem: APIKeyError)
    case invalidEnvironmentVariable(name: String, problem: APIKeyError)

    public var description: String {
        switch self {
        case .missing:
            return "No Ashby API key: set the \(APIKey.environmentVariable) environment variable or pass "
                + "--api-key-file PATH. Create a key in Ashby under Admin → Integrations → API Keys with "
                + "the read permissions listed by `hireledger doctor`."
        case .empty:
            return "The Ashby API key is empty."
        case .malformed(let reason):
            return "This does not look like an Ashby API key: \(reason)."
        case .unreadableKeyFile(let path, let reason):
            return "Cannot read the API key file \(path) (\(reason))."
        case .keyFileShared(let path, let mode):
            return "The API key file \(path) is readable by other users (mode \(mode)); run chmod 600 \(path)."
        case .invalidKeyFile(let path, let problem):
            return "The API key file \(path) is unusable: \(problem.description) It must hold only the key."
        case .invalidEnvironmentVariable(let name, let problem):
            return "The \(name) environment variable is unusable: \(problem.description)"
        }
    }
}

extension String {
    /// Non-overlapping replacement without Foundation.
    func replacingAll(_ needle: String, with replacement: String) -> String {
        let hay = Array(utf8), pat = Array(needle.utf8)
        guard !pat.isEmpty, hay.count >= pat.count else { return self }
        var out: [UInt8] = []
        out.reserveCapacity(hay.count)
        var i = 0
        var changed = false
        while i < hay.count {
            if i + pat.count <= hay.count, hay[i] == pat[0], hay[i..<(i + pat.count)].elementsEqual(pat) {
                out += replacement.utf8
                i += pat.count
                changed = true
            } else {
                out.append(hay[i])
                i += 1
            }
        }
        return changed ? String(decoding: out, as: UTF8.self) : self
    }
}
