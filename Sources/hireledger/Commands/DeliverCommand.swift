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
            exponential backoff for 24 h, then the subscription is disabled ('subscribe failures ID'). \
            One deliverer per store: a lease in the store makes a second 'deliver' (or 'serve') wait; \
            '--once' says who holds it and sends nothing. Receivers on loopback, private or link-local \
            addresses are refused unless --allow-private-webhooks is given.

            --once exits 1 when a delivery failed or a subscription was disabled.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @Flag(help: "Deliver everything due now, then exit.") var once = false
    @Option(help: "Seconds one delivery may take before it counts as failed (up to 300).") var timeout: Double = 10
    @Flag(name: .customLong("allow-private-webhooks"),
          help: "Deliver to loopback, private and link-local addresses too (on-premises receivers, tests); refused by default.")
    var allowPrivateWebhooks = false
    @Option(name: .customLong("lease-seconds"),
            help: "Seconds the store's delivery lease lasts unless renewed (a killed deliverer is replaced after this); 5 to 3600.")
    var leaseSeconds: Double = 30

    func validate() throws {
        if !(timeout > 0 && timeout <= 300) { throw ValidationError("--timeout must be more than 0 and at most 300 seconds; got \(timeout).") }
        if !(leaseSeconds >= 5 && leaseSeconds <= 3600) { throw ValidationError("--lease-seconds must be 5 to 3600; got \(leaseSeconds).") }
        // A request may start only while the lease has more than the timeout left; renewals every third
        // of the lease keep at least two thirds of it left.
        if leaseSeconds * 2 / 3 <= timeout + 0.5 {
            throw ValidationError("--lease-seconds must be more than 1.5 × (--timeout + 0.5 s), so a delivery fits in what a renewal leaves; got \(leaseSeconds) with --timeout \(timeout).")
        }
    }

    func run() async throws {
        let logger = try LogSetup.logger("hireledger.deliver")
        let store = try LedgerStore.openExisting(storeOptions.path)
        let policy: WebhookAddressPolicy = allowPrivateWebhooks ? .allowPrivate : .publicOnly
        let subscriptions = try SubscriptionStore(store: store, addressPolicy: policy)
        // Every failed attempt is logged (masked URL, event ids, status or error, duration).
        let transport = ObservedWebhookTransport(base: try WebhookTransport.make(timeout: timeout, policy: policy),
                                                 logger: try LogSetup.logger("hireledger.webhooks"))
        let lease = DelivererLease(store: store, role: once ? "deliver --once" : "deliver", duration: leaseSeconds)
        let dispatcher = WebhookDispatcher(store: store, subscriptions: subscriptions, transport: transport, requestTimeout: timeout,
                                           lease: lease)
        if once {
            let r: DeliveryReport
            do { r = try await dispatcher.deliverOnce() } catch let error as WebhookDispatcherError {
                Terminal.writeError("nothing sent: \(error)\n")
                return
            }
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
            // Cron and systemd must see a run that did not deliver everything due.
            if r.failedAttempts > 0 || !r.disabled.isEmpty {
                Terminal.writeError("deliver --once: \(r.failedAttempts) deliveries failed; see 'hireledger subscribe failures ID'\n")
                throw ExitCode(1)
            }
        } else {
            logger.info("delivering to webhook subscribers; stop with Ctrl-C", metadata: ["store_id": .string(store.storeId)])
            try await dispatcher.run(onLeaseWait: { holder, until in
                logger.warning("waiting for the deliverer lease", metadata: ["holder": .string(holder), "until": .string(until.iso8601)])
            })
        }
    }
}
