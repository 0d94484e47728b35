import HireLedgerCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bearer token that guards the HTTP API.
///
/// Rules: the token file holds the token on its first line (surrounding whitespace ignored); a file
/// made by `loadOrCreate` is owner-only (`0600`). The token itself is never logged or printed; say
/// where the file is instead. Compare presented tokens with `matches`, which takes the same time
/// whatever prefix of the token a guess gets right.
public struct APIToken: Sendable {
    /// The default file name inside the store directory.
    public static let defaultFileName = "api-token"

    let bytes: [UInt8] // internal: the planner session derives its cookie from it (PlannerSession)

    /// A token from its text. Precondition: not empty (an empty token would let anyone in).
    public init(_ text: String) {
        precondition(!text.isEmpty, "an API token must not be empty")
        bytes = Array(text.utf8)
    }

    /// Reads the token in `path`.
    /// - Throws: `APITokenError` when the file cannot be read or holds no token.
    public static func load(from path: String) throws(APITokenError) -> APIToken {
        guard let text = readFile(path) else {
            throw APITokenError("cannot read the API token file \(path) (\(String(cString: strerror(errno)))); check the path given to --token-file.")
        }
        let token = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingWhitespace() } ?? ""
        guard !token.isEmpty else {
            throw APITokenError("the API token file \(path) is empty; put a token of at least 16 characters on its first line.")
        }
        return APIToken(token)
    }

    /// Reads the token in `path`, or makes a new random one (32 bytes, hex) and writes it there with
    /// mode `0600`. Returns the token and whether it was created.
    public static func loadOrCreate(at path: String) throws(APITokenError) -> (token: APIToken, created: Bool) {
        if access(path, F_OK) == 0 { return (try load(from: path), false) }
        let text = randomHex(byteCount: 32)
        // O_EXCL: a second server starting at the same instant must not overwrite the first one's token.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { return (try load(from: path), false) }
            throw APITokenError("cannot create the API token file \(path) (\(String(cString: strerror(errno)))); is the store directory writable?")
        }
        defer { close(fd) }
        let line = Array((text + "\n").utf8)
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else {
            throw APITokenError("cannot write the API token file \(path) (\(String(cString: strerror(errno)))).")
        }
        _ = fchmod(fd, 0o600)
        return (APIToken(text), true)
    }

    /// Estimated bits of entropy a token needs to guard a server reachable from other machines: 256,
    /// what 32 random bytes give (`openssl rand -hex 32` or the generated `api-token`).
    public static let minimumEntropyBits = 256.0

    /// What is wrong with the token file at `path` for a server: readable or writable by group or
    /// others, or a token holding less than `minimumEntropyBits` (estimated from its length and
    /// alphabet). Empty when it is fine. The messages never contain the token.
    public static func audit(path: String) -> [String] {
        var problems: [String] = []
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & 0o077 != 0 {
            problems.append("the token file \(path) is readable or writable by group or others (mode \(String(info.st_mode & 0o777, radix: 8))); run 'chmod 600 \(path)'")
        }
        if let text = readFile(path) {
            let token = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingWhitespace() } ?? ""
            let bits = estimatedEntropyBits(token)
            if bits < minimumEntropyBits {
                problems.append("the token in \(path) holds about \(Int(bits)) bits of entropy, less than 32 random bytes (256 bits); "
                    + "make a new one with 'openssl rand -hex 32 > \(path)'")
            }
        }
        return problems
    }

    /// A conservative estimate: length × log2(alphabet), where the alphabet is hex when only hex digits
    /// appear, else the character classes present (digits, lower, upper, other printable), and never
    /// more than length × log2(distinct characters) (a repeated pattern is not random).
    public static func estimatedEntropyBits(_ token: String) -> Double {
        let scalars = Array(token.unicodeScalars)
        guard !scalars.isEmpty else { return 0 }
        let isHex = scalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
            || scalars.allSatisfy { ("0"..."9").contains($0) || ("A"..."F").contains($0) }
        var alphabet = 0
        if isHex {
            alphabet = 16
        } else {
            if scalars.contains(where: { ("0"..."9").contains($0) }) { alphabet += 10 }
            if scalars.contains(where: { ("a"..."z").contains($0) }) { alphabet += 26 }
            if scalars.contains(where: { ("A"..."Z").contains($0) }) { alphabet += 26 }
            if scalars.contains(where: { !(("0"..."9").contains($0) || ("a"..."z").contains($0) || ("A"..."Z").contains($0)) }) { alphabet += 33 }
        }
        let distinct = Set(scalars).count
        let perCharacter = min(log2(Double(alphabet)), log2(Double(max(distinct, 1))))
        return Double(scalars.count) * perCharacter
    }

    /// Whether `presented` is this token, in time that depends only on the lengths.
    public func matches(_ presented: some Collection<UInt8>) -> Bool {
        var diff = UInt8(truncatingIfNeeded: presented.count ^ bytes.count)
        var i = 0
        // Walk the whole presented token whatever it holds; index the real one modulo its length.
        for b in presented {
            diff |= b ^ bytes[i % bytes.count]
            i += 1
        }
        return diff == 0 && presented.count == bytes.count
    }

    public func matches(_ presented: String) -> Bool { matches(Array(presented.utf8)) }

    /// `n` random bytes as lowercase hex.
    static func randomHex(byteCount n: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(n * 2)
        for _ in 0..<n {
            let b = UInt8.random(in: 0...255, using: &rng)
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func readFile(_ path: String) -> String? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n > 0 { out.append(contentsOf: buf[0..<n]) }
            if n < buf.count { break }
            if out.count > 1 << 16 { return nil }
        }
        return String(decoding: out, as: UTF8.self)
    }
}


/// A token file problem, with what to do about it.
public struct APITokenError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
