import Foundation

/// How `JetStreamPublisher` names and shapes what it publishes.
///
/// Subjects are `<subjectPrefix>.<account>.<event type>`, the event type's wire name split at its dots
/// into subject tokens (`hireledger.acme.record.application.updated`, `hireledger.acme.offer.accepted`),
/// so consumers filter with NATS wildcards (`hireledger.acme.>`, `hireledger.*.application.hired`).
///
/// The stream settings (`retention`, `replicas`, `maxAge`, `duplicateWindow`) are used when the stream
/// is created; for an existing stream, those that are set are checked, and a difference is an error
/// (`JetStreamPublisherError.streamMismatch`) unless `updateStream` allows changing it. Unset ones accept
/// what the stream has.
public struct JetStreamPublisherOptions: Sendable, Hashable {
    public enum Retention: String, Sendable, Hashable, CaseIterable {
        case limits, interest, workqueue
    }

    /// The stream's name (no `.`, `*`, `>`, spaces or path separators).
    public var stream: String
    public var subjectPrefix: String
    /// The account token of the subjects (`[A-Za-z0-9_-]+`).
    public var account: String
    public var retention: Retention?
    public var replicas: Int?
    /// Seconds; 0 keeps messages without an age limit.
    public var maxAge: Double?
    /// Seconds JetStream remembers message ids to drop re-sent copies. A publisher restarted after a crash
    /// within this window re-sends without duplicates; created streams get `defaultDuplicateWindow`.
    public var duplicateWindow: Double?
    /// Apply differences in replicas, max age and duplicate window to an existing stream (STREAM.UPDATE)
    /// instead of refusing to publish.
    public var updateStream: Bool
    /// Messages sent before waiting for their acks (1: each message waits for its ack before the next).
    public var pipeline: Int
    /// Most acked messages between two cursor commits (each commit waits for an fsync).
    public var commitEvery: Int
    /// Seconds a publish may wait for its ack.
    public var ackTimeout: Double

    public static let defaultStream = "HIRELEDGER"
    public static let defaultSubjectPrefix = "hireledger"
    public static let defaultDuplicateWindow: Double = 3600

    public init(stream: String = JetStreamPublisherOptions.defaultStream, subjectPrefix: String = JetStreamPublisherOptions.defaultSubjectPrefix,
                account: String, retention: Retention? = nil, replicas: Int? = nil, maxAge: Double? = nil,
                duplicateWindow: Double? = nil, updateStream: Bool = false, pipeline: Int = 256, commitEvery: Int = 1024,
                ackTimeout: Double = 10) {
        self.stream = stream
        self.subjectPrefix = subjectPrefix
        self.account = account
        self.retention = retention
        self.replicas = replicas
        self.maxAge = maxAge
        self.duplicateWindow = duplicateWindow
        self.updateStream = updateStream
        self.pipeline = pipeline
        self.commitEvery = commitEvery
        self.ackTimeout = ackTimeout
    }

    /// Every problem with the options, as messages naming the option; empty when they are usable.
    public func problems() -> [String] {
        var out: [String] = []
        if stream.isEmpty || stream.contains(where: { " \t.*>/\\".contains($0) }) || stream.unicodeScalars.contains(where: { $0.value < 32 }) {
            out.append("--stream '\(stream)' is not a valid JetStream stream name (no spaces, '.', '*', '>', '/' or '\\')")
        }
        if !Self.isSubject(subjectPrefix) {
            out.append("--subject-prefix '\(subjectPrefix)' must be dot-separated tokens of letters, digits, '_' and '-'")
        }
        if !Self.isToken(account) {
            out.append("--account '\(account)' must be letters, digits, '_' and '-' only (it becomes one NATS subject token)")
        }
        if let r = replicas, !(1...5).contains(r) { out.append("--replicas must be between 1 and 5; got \(r)") }
        if let a = maxAge, a < 0 { out.append("--max-age must not be negative") }
        if let d = duplicateWindow, d <= 0 { out.append("--duplicate-window must be positive (it is what makes a re-send after a crash harmless)") }
        if pipeline < 1 || pipeline > 65536 { out.append("--pipeline must be between 1 and 65536; got \(pipeline)") }
        if commitEvery < 1 { out.append("--commit-every must be at least 1") }
        if ackTimeout <= 0 { out.append("--ack-timeout must be positive") }
        return out
    }

    /// The subjects this publisher writes to, as a stream subject filter: `<prefix>.<account>.>`.
    public var subjectFilter: String { "\(subjectPrefix).\(account).>" }

    /// The subject of an event type's wire name: each dot-separated part becomes a token, any character
    /// outside `[A-Za-z0-9_-]` replaced by `_` (wire names never have one today; this keeps a future name
    /// from producing a wildcard or an empty token).
    public func subject(forWireName wireName: String) -> String {
        let tokens = wireName.split(separator: ".", omittingEmptySubsequences: false).map { token -> String in
            let cleaned = String(token.map { Self.tokenCharacter($0) ? $0 : "_" })
            return cleaned.isEmpty ? "_" : cleaned
        }
        return "\(subjectPrefix).\(account)." + tokens.joined(separator: ".")
    }

    /// An account token made from a store directory's name: lowercased, characters outside
    /// `[a-z0-9_-]` turned into `-`. `hireledger-data` stays as it is; `/srv/Acme Corp` gives `acme-corp`.
    public static func defaultAccount(forStorePath path: String) -> String {
        let base = URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent.lowercased()
        var out = String(base.map { tokenCharacter($0) ? $0 : "-" })
        while out.hasPrefix("-") { out.removeFirst() }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "default" : out
    }

    static func tokenCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-")
    }

    static func isToken(_ s: String) -> Bool { !s.isEmpty && s.allSatisfy(tokenCharacter) }

    static func isSubject(_ s: String) -> Bool {
        !s.isEmpty && s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isToken(String($0)) }
    }
}

/// Parses durations as the publish options take them: `90s`, `15m`, `12h`, `30d`, `1h30m`, or a plain
/// number of seconds; `0` means none.
public enum DurationText {
    public static func seconds(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let plain = Double(t), plain >= 0 { return plain }
        var total = 0.0
        var number = ""
        var sawUnit = false
        for c in t {
            if c.isNumber || c == "." { number.append(c); continue }
            guard let n = Double(number) else { return nil }
            switch c {
            case "s": total += n
            case "m": total += n * 60
            case "h": total += n * 3600
            case "d": total += n * 86400
            case "w": total += n * 604_800
            default: return nil
            }
            number = ""
            sawUnit = true
        }
        return number.isEmpty && sawUnit ? total : nil
    }
}
