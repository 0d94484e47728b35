import ArgumentParser
import CurlHTTP
import HireLedger
import HireLedgerCore
import Logging

/// `hireledger deliver`: sends the log to webhook subscribers.
struct DeliverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver",
        abstract: "Deliver events to webhook subscribers (continuously, or --once for cron).",
        discussion: """
            Each subscription gets its events in order, at least once; its cursor is kept in the store, so \
            a killed or restarted deliver picks up where it stopped. Failed deliveries are retried with \
            exponential backoff for 24 h, then the subscription is disabled ('subscribe failures ID').
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @Flag(help: "Deliver everything due now, then exit.") var once = false
    @Option(help: "Seconds one delivery may take before it counts as failed.") var timeout: Double = 10

    func validate() throws {
        if timeout <= 0 { throw ValidationError("--timeout must be positive; got \(timeout).") }
    }

    func run() async throws {
        let logger = try LogSetup.logger("hireledger.deliver")
        let store = try LedgerStore.openExisting(storeOptions.path)
        let subscriptions = try SubscriptionStore(store: store)
        let curl = try CurlTransport(configuration: CurlTransport.Configuration(timeout: timeout, followRedirects: false))
        // Every failed attempt is logged (masked URL, event ids, status or error, duration).
        let transport = ObservedWebhookTransport(base: curl, logger: try LogSetup.logger("hireledger.webhooks"))
        let dispatcher = WebhookDispatcher(store: store, subscriptions: subscriptions, transport: transport, requestTimeout: timeout)
        if once {
            let r = try await dispatcher.deliverOnce()
            var line = "delivered \(r.delivered) events in \(r.requests) requests; \(r.failedAttempts) failed attempts"
            if let next = r.nextAttemptAt { line += "; next retry \(next.iso8601)" }
            Terminal.writeOut(line + "\n")
            var metadata: Logger.Metadata = ["delivered": .stringConvertible(r.delivered), "requests": .stringConvertible(r.requests),
                                             "failed_attempts": .stringConvertible(r.failedAttempts)]
            if let next = r.nextAttemptAt { metadata["next_retry"] = .string(next.iso8601) }
            logger.info("delivery round finished", metadata: metadata)
            for id in r.disabled {
                logger.warning("subscription disabled", metadata: ["subscription": .string(id)])
                Terminal.writeError("subscription \(id) was disabled; see 'hireledger subscribe list'\n")
            }
        } else {
            logger.info("delivering to webhook subscribers; stop with Ctrl-C", metadata: ["store_id": .string(store.storeId)])
            try await dispatcher.run()
        }
    }
}
