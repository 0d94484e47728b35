import ArgumentParser
import Foundation
import HireLedger
import HireLedgerCore

/// `hireledger subscribe ...`: manages webhook subscriptions in the store.
struct SubscribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribe",
        abstract: "Manage webhook subscriptions (Standard Webhooks signatures, CloudEvents bodies).",
        discussion: """
            Each subscription receives the log's events in order, at least once, signed with its secret \
            (headers webhook-id, webhook-timestamp, webhook-signature). Deliveries are made by \
            'hireledger deliver' (or 'hireledger serve').
            """,
        subcommands: [Add.self, List.self, Remove.self, Replay.self, Rotate.self, Failures.self]
    )

    static func open(_ options: StoreOptions) throws -> SubscriptionStore {
        try SubscriptionStore(store: LedgerStore.openExisting(options.path))
    }

    static func row(_ s: Subscription) -> [String] {
        let status: String
        switch s.status {
        case .active: status = s.retry.map { "retrying (\($0.attempts) failures; next \($0.nextAttemptAt.iso8601))" } ?? "active"
        case .disabled(let reason, let at): status = "disabled \(at.iso8601): \(reason)"
        }
        return [s.id, s.maskedURL, s.types.isEmpty ? "*" : s.types.joined(separator: ","), String(s.cursor.value), status]
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a subscription; prints its id and its secret (shown only this once).")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The endpoint: an http:// or https:// URL.") var url: String
        @Option(name: .customLong("type"), help: "Only event types matching this glob (repeatable; default: all).") var types: [String] = []
        @Option(help: "Where to start: beginning, now, or an event position SEQ (that event is the first sent).") var from: String = "now"
        @Option(help: "Events per request: 1 (one CloudEvent per request) or up to 1000 (a JSON array).") var batchSize: Int = 1
        @Option(help: "Write the secret to this file (created owner-only, 0600) instead of printing it.") var secretFile: String?
        @Flag(name: .customLong("allow-private-webhooks"),
              help: "Accept a loopback, private or link-local receiver (on-premises receivers, tests); refused by default.")
        var allowPrivateWebhooks = false

        func validate() throws {
            guard (1...1000).contains(batchSize) else { throw ValidationError("--batch-size must be 1 to 1000; got \(batchSize).") }
            if !["beginning", "now"].contains(from), LogPosition(parsing: from).map({ $0.value > 0 }) != true {
                throw ValidationError("--from must be beginning, now or an event position from 1 to \(LogPosition.maximum.value); got '\(from.prefix(40))'.")
            }
        }

        func run() throws {
            let start: StartPosition
            switch from {
            case "beginning": start = .beginning
            case "now": start = .now
            default: start = .position(LogPosition(parsing: from)!)
            }
            let subs = try SubscriptionStore(store: LedgerStore.openExisting(storeOptions.path),
                                             addressPolicy: allowPrivateWebhooks ? .allowPrivate : .publicOnly)
            let (sub, secret) = try subs.create(url: url, types: types, startAt: start, batchSize: batchSize)
            Terminal.writeOut("id: \(sub.id)\n")
            if let secretFile {
                try SubscribeCommand.writeSecret(secret, to: secretFile)
                Terminal.writeOut("secret: written to \(secretFile) (mode 0600)\n")
            } else {
                Terminal.writeOut("secret: \(secret)\n")
                Terminal.writeError("Keep the secret: it is not shown again ('subscribe rotate' makes a new one).\n")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List subscriptions (never their secrets).")
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "Output format: table or json.") var format: OutputFormat = .table

        func run() throws {
            let subs = try SubscribeCommand.open(storeOptions).list()
            if format == .json || format == .ndjson {
                Terminal.writeOut(JSONValue.array(subs.map(\.json)).canonicalString + "\n")
                return
            }
            var table = TableRenderer([.init(title: "ID"), .init(title: "URL"), .init(title: "TYPES"), .init(title: "CURSOR", numeric: true),
                                       .init(title: "STATUS")])
            for s in subs { table.append(SubscribeCommand.row(s)) }
            Terminal.writeOut(table.render() + "\n")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a subscription and its delivery records.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The subscription id.") var id: String

        func run() throws {
            guard try SubscribeCommand.open(storeOptions).delete(id) else {
                throw CLIError("No subscription with id \(id); 'hireledger subscribe list' shows them.")
            }
            Terminal.writeOut("removed \(id)\n")
        }
    }

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send events again: move the cursor back to a position or a time.",
            discussion: "Every matching event from there to the end of the log is delivered again, in order.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The subscription id.") var id: String
        @Option(help: "Re-send from this event position on (inclusive).") var from: UInt64?
        @Option(help: "Re-send from the first event observed at or after this ISO 8601 time.") var since: String?

        func validate() throws {
            guard (from == nil) != (since == nil) else { throw ValidationError("Give exactly one of --from SEQ or --since TIME.") }
            if let from, from > LogPosition.maximum.value {
                throw ValidationError("--from must be an event position from 0 to \(LogPosition.maximum.value); got \(from).")
            }
            if let since, Timestamp(iso8601: since) == nil { throw ValidationError("--since must be an ISO 8601 time such as 2026-03-01T00:00:00Z; got '\(since)'.") }
        }

        func run() throws {
            let start: ReplayStart = from.map { .position(LogPosition($0)) } ?? .time(Timestamp(iso8601: since!)!)
            let sub = try SubscribeCommand.open(storeOptions).replay(id, from: start)
            Terminal.writeOut("\(sub.id): cursor now \(sub.cursor.value); the next delivery starts after it\n")
            if !sub.isActive { Terminal.writeError("Note: the subscription is disabled; nothing is sent until it is enabled again.\n") }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new secret; the old one stays valid (both signatures sent) during the overlap.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The subscription id.") var id: String
        @Option(help: "Seconds the previous secret stays valid: 0 to 2592000 (30 days).") var overlap: Int = 86_400
        @Option(help: "Write the new secret to this file (created owner-only, 0600) instead of printing it.") var secretFile: String?

        func validate() throws {
            guard SubscriptionStore.overlapRange.contains(overlap) else {
                throw ValidationError("--overlap must be 0 (the old secret stops at once) to 2592000 (30 days) seconds; got \(overlap).")
            }
        }

        func run() throws {
            let secret = try SubscribeCommand.open(storeOptions).rotateSecret(id, overlapSeconds: overlap)
            if let secretFile {
                try SubscribeCommand.writeSecret(secret, to: secretFile)
                Terminal.writeOut("new secret: written to \(secretFile) (mode 0600)\n")
            } else {
                Terminal.writeOut("new secret: \(secret)\n")
            }
            Terminal.writeError("Both secrets sign deliveries for the next \(overlap) s; switch the receiver to the new one.\n")
        }
    }

    struct Failures: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a subscription's failed deliveries, newest first.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The subscription id.") var id: String
        @Option(help: "At most this many (1 to 1000).") var limit: Int = 100
        @Option(help: "Output format: table or json.") var format: OutputFormat = .table

        func validate() throws {
            guard (1...SubscriptionStore.failedDeliveryLimit).contains(limit) else {
                throw ValidationError("--limit must be 1 to \(SubscriptionStore.failedDeliveryLimit); got \(limit).")
            }
        }

        func run() throws {
            let failures = try SubscribeCommand.open(storeOptions).failedDeliveries(id, limit: limit)
            if format == .json || format == .ndjson {
                Terminal.writeOut(JSONValue.array(failures.map(\.json)).canonicalString + "\n")
                return
            }
            var table = TableRenderer([.init(title: "SEQ", numeric: true), .init(title: "ATTEMPTS", numeric: true), .init(title: "FIRST FAILURE"),
                                       .init(title: "LAST ERROR"), .init(title: "NEXT ATTEMPT"), .init(title: "RESOLUTION")])
            for f in failures {
                table.append([String(f.position.value), String(f.attempts), f.firstFailureAt.iso8601, WebhookURL.maskingURLs(in: f.lastError),
                              f.nextAttemptAt?.iso8601 ?? "-", f.json.string("resolution") ?? ""])
            }
            Terminal.writeOut(table.render() + "\n")
        }
    }

    /// Writes `secret` to a new file readable by the owner only; refuses to overwrite.
    static func writeSecret(_ secret: String, to path: String) throws {
        let fd = Foundation.open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw CLIError("Cannot create '\(path)' for the secret (\(String(cString: strerror(errno)))); give a path that does not exist yet.") }
        defer { close(fd) }
        let bytes = Array((secret + "\n").utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else { throw CLIError("Cannot write the secret to '\(path)'.") }
    }
}
