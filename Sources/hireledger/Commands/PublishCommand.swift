import ArgumentParser
import Foundation
import HireLedger
import HireLedgerCore
import NATSClient

/// `hireledger publish`: the log to a NATS JetStream stream, in order and exactly once per stream.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish the log to NATS JetStream (continuously, or --once for cron), exactly once per stream.",
        discussion: """
            Each event is a CloudEvent on subject <prefix>.<account>.<event type> (for example \
            hireledger.acme.application.hired), with the event id as Nats-Msg-Id. The cursor is kept in \
            the store per stream and moves only past events JetStream acknowledged; a killed publisher \
            resends from it and JetStream drops the copies (within the stream's duplicate window). The \
            stream is created if missing (subjects <prefix>.<account>.>) or checked against the options \
            given. Credentials in the URL (nats://user:pass@host:4222, nats://token@host:4222) are never \
            shown; pass the URL in HIRELEDGER_NATS_URL or --nats-url-file to keep them out of process \
            listings. Run one publisher per store and stream.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @Option(name: .customLong("nats"), help: "The NATS server: nats://[user:pass@|token@]host[:port] (or $HIRELEDGER_NATS_URL).")
    var nats: String?
    @Option(name: .customLong("nats-url-file"), help: "A file holding the NATS URL (keeps credentials out of process listings).")
    var natsURLFile: String?
    @Option(help: "The JetStream stream.") var stream: String = JetStreamPublisherOptions.defaultStream
    @Option(name: .customLong("subject-prefix"), help: "First subject token(s).") var subjectPrefix: String = JetStreamPublisherOptions.defaultSubjectPrefix
    @Option(help: "The account's subject token (default: from the store directory's name).") var account: String?
    @Option(help: "Stream retention: limits, interest or workqueue (checked on an existing stream; default limits on create).")
    var retention: String?
    @Option(help: "Stream replicas (1 on a single server, 3 on a three-node cluster).") var replicas: Int?
    @Option(name: .customLong("max-age"), help: "Oldest message the stream keeps: 30d, 12h, 90m; 0 for no limit.")
    var maxAge: String?
    @Option(name: .customLong("duplicate-window"), help: "How long JetStream remembers message ids (default 1h on create).")
    var duplicateWindow: String?
    @Flag(name: .customLong("update-stream"), help: "Change an existing stream's replicas, max age or duplicate window to the options given.")
    var updateStream = false
    @Option(help: "Messages in flight before waiting for their acks (1 turns batching of acks off).") var pipeline: Int = 256
    @Option(name: .customLong("commit-every"), help: "Most acknowledged events between cursor commits.") var commitEvery: Int = 1024
    @Option(name: .customLong("ack-timeout"), help: "Seconds a message may wait for its ack.") var ackTimeout: Double = 10
    @Flag(help: "Publish what is in the log now, then exit.") var once = false

    func validate() throws {
        if let retention, JetStreamPublisherOptions.Retention(rawValue: retention) == nil {
            throw ValidationError("--retention must be limits, interest or workqueue; got '\(retention)'.")
        }
        for (name, value) in [("--max-age", maxAge), ("--duplicate-window", duplicateWindow)] {
            if let value, DurationText.seconds(value) == nil {
                throw ValidationError("\(name) must be a duration such as 90s, 15m, 12h or 30d; got '\(value)'.")
            }
        }
    }

    func run() async throws {
        let url = try Self.natsURL(option: nats, file: natsURLFile)
        let store = try LedgerStore.openExisting(storeOptions.path)
        let options = JetStreamPublisherOptions(
            stream: stream, subjectPrefix: subjectPrefix,
            account: account ?? JetStreamPublisherOptions.defaultAccount(forStorePath: storeOptions.path),
            retention: retention.flatMap(JetStreamPublisherOptions.Retention.init(rawValue:)), replicas: replicas,
            maxAge: maxAge.flatMap(DurationText.seconds), duplicateWindow: duplicateWindow.flatMap(DurationText.seconds),
            updateStream: updateStream, pipeline: pipeline, commitEvery: commitEvery, ackTimeout: ackTimeout)
        let problems = options.problems()
        if !problems.isEmpty { throw ValidationError(problems.joined(separator: "\n")) }
        let publisher = JetStreamPublisher(store: store, url: url, options: options) { line in
            Terminal.writeError("publish: \(line)\n")
        }
        do {
            if once {
                let report = try await publisher.publishOnce()
                let last = try store.lastPosition
                Terminal.writeOut("published \(report.published) events to stream \(stream) as \(options.subjectFilter)"
                    + (report.duplicates > 0 ? " (\(report.duplicates) already there, dropped by JetStream as duplicates)" : "")
                    + "; cursor at \(report.cursor.value) of \(last.value)\n")
            } else {
                Terminal.writeError("publishing to \(url.redacted), stream \(stream), subjects \(options.subjectFilter); stop with Ctrl-C\n")
                try await publisher.run()
            }
        } catch let error as NATSError {
            let text = error.description.hasSuffix(".") ? error.description : error.description + "."
            throw CLIError("\(text) Nothing was lost: the cursor (\((try? publisher.cursor().value) ?? 0)) only moves past acknowledged events.")
        } catch let error as JetStreamPublisherError {
            throw CLIError(error.description)
        }
    }

    /// The URL from `--nats`, `--nats-url-file` or HIRELEDGER_NATS_URL (in that order).
    static func natsURL(option: String?, file: String?) throws -> NATSURL {
        var text = option
        if text == nil, let file {
            do { text = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) } catch {
                throw CLIError("Cannot read the NATS URL from '\(file)': \(error.localizedDescription)")
            }
        }
        if text == nil, let env = ProcessInfo.processInfo.environment["HIRELEDGER_NATS_URL"], !env.isEmpty { text = env }
        guard let text else {
            throw ValidationError("Give the NATS server with --nats nats://host:4222, --nats-url-file FILE or HIRELEDGER_NATS_URL.")
        }
        do { return try NATSURL(text) } catch { throw CLIError(error.description) }
    }
}
