import ArgumentParser
import CurlHTTP
import HireLedger
import HireLedgerCore

/// `hireledger deliver`: sends the log to webhook subscribers.
struct DeliverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver",
        abstract: "Deliver events to webhook subscribers (continuously, or --once for cron).",
        discussion: """
            Each subscription gets its events in order, at least once; its cursor is kept in the store, so \
            a killed or restarted deliver picks up where it stopped. Failed deliveries are retried with \
            exponential backoff for 24 h, then the subscription is disabled ('subscribe failures ID'). \
            --once exits 1 when a delivery failed or a subscription was disabled.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @Flag(help: "Deliver everything due now, then exit.") var once = false
    @Option(help: "Seconds one delivery may take before it counts as failed.") var timeout: Double = 10

    func validate() throws {
        if timeout <= 0 { throw ValidationError("--timeout must be positive; got \(timeout).") }
    }

    func run() async throws {
        let store = try LedgerStore.openExisting(storeOptions.path)
        let subscriptions = try SubscriptionStore(store: store)
        let transport = try CurlTransport(configuration: CurlTransport.Configuration(timeout: timeout, followRedirects: false))
        let dispatcher = WebhookDispatcher(store: store, subscriptions: subscriptions, transport: transport, requestTimeout: timeout)
        if once {
            let r = try await dispatcher.deliverOnce()
            var line = "delivered \(r.delivered) events in \(r.requests) requests; \(r.failedAttempts) failed attempts"
            if let next = r.nextAttemptAt { line += "; next retry \(next.iso8601)" }
            Terminal.writeOut(line + "\n")
            for id in r.disabled { Terminal.writeError("subscription \(id) was disabled; see 'hireledger subscribe list'\n") }
            // Cron and systemd must see a run that did not deliver everything due.
            if r.failedAttempts > 0 || !r.disabled.isEmpty {
                Terminal.writeError("deliver --once: \(r.failedAttempts) deliveries failed; see 'hireledger subscribe failures ID'\n")
                throw ExitCode(1)
            }
        } else {
            Terminal.writeError("delivering to webhook subscribers; stop with Ctrl-C\n")
            try await dispatcher.run()
        }
    }
}
