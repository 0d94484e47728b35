import ArgumentParser
import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerServer
import LMDB
import Logging
import NATSClient

/// `hireledger serve`: the HTTP API (event feed, SSE stream, views on both time axes) over one store.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the store over HTTP: events (paged and as Server-Sent Events), views, record state and webhook subscriptions; deliver webhooks.",
        discussion: """
            Listens on 127.0.0.1 by default. Every route but /healthz and /metrics needs \
            'Authorization: Bearer <token>'; the token is generated on first run into <store>/api-token \
            (mode 0600), or read from --token-file. Listening beyond loopback requires --token-file. \
            The API is described in schemas/api/openapi.json. Unless --no-webhooks is given, it also \
            delivers webhooks (as 'hireledger deliver' does; run only one of them per store), woken as \
            soon as it sees new events. The planner page is at / (sign in with the login link printed \
            on a terminal, or paste the token at /login). With --sync-every it syncs the store on a \
            schedule (Ashby with ASHBY_API_KEY or --api-key-file, else the embedded simulator, like \
            'hireledger sync'), never two syncs at once on one store. Stops cleanly on SIGINT or SIGTERM.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "Address to listen on (loopback unless --token-file is given).") var host: String = "127.0.0.1"
    @Option(help: "TCP port (0: any free port).") var port: Int = 8787
    @Option(name: .customLong("token-file"), help: "A file holding the bearer token (default: <store>/api-token, created on first run).")
    var tokenFile: String?
    @Option(help: "Seconds between SSE heartbeats on an idle stream.") var heartbeat: Int = 15
    @Option(name: .customLong("poll-ms"), help: "Milliseconds between checks for events appended by other processes.")
    var pollMilliseconds: Int = 250
    @Flag(name: .customLong("no-webhooks"), help: "Do not deliver webhooks from this process (e.g. 'hireledger deliver' runs elsewhere).")
    var noWebhooks = false
    @Option(name: .customLong("webhook-timeout"), help: "Seconds one webhook delivery may take before it counts as failed (up to 300).")
    var webhookTimeout: Double = 10
    @Flag(name: .customLong("allow-private-webhooks"),
          help: "Accept and deliver to loopback, private and link-local webhook receivers (on-premises receivers, tests); refused by default.")
    var allowPrivateWebhooks = false
    @Option(name: .customLong("lease-seconds"),
            help: "Seconds the store's delivery lease lasts unless renewed (a killed deliverer is replaced after this); 5 to 3600.")
    var leaseSeconds: Double = 30

    @Option(name: .customLong("sync-every"), help: "Sync the store on a schedule in this process: 6h, 30m, 90s or 1d (first sync at start).")
    var syncEvery: String?
    @OptionGroup var connection: ConnectionOptions
    @Option(name: .customLong("publish-nats"), help: "Also publish the log to NATS JetStream at this URL (as 'hireledger publish' with its defaults; or $HIRELEDGER_NATS_URL with --publish-nats env). With --deployment: every account, each to hireledger.<account>.<event type> from its own cursor.")
    var publishNATS: String?
    @Option(help: "Serve every account of this deployment file under /v1/accounts/<name>/ and sync each on its schedule (see 'hireledger accounts').")
    var deployment: String?
    @Option(name: .customLong("admin-token-file"), help: "With --deployment: the admin token file (default: the file's admin_token_file, or admin-token beside it).")
    var adminTokenFile: String?
    @Flag(name: .customLong("skip-store-check"),
          help: "With --deployment: open the stores without verifying each first (a faster start, but a store damaged so that liblmdb crashes on it then ends the whole process).")
    var skipStoreCheck = false
    @OptionGroup var backups: ScheduledBackups.Options

    func validate() throws {
        try backups.validate()
        if !(webhookTimeout > 0 && webhookTimeout <= 300) {
            throw ValidationError("--webhook-timeout must be more than 0 and at most 300 seconds; got \(webhookTimeout).")
        }
        if !(leaseSeconds >= 5 && leaseSeconds <= 3600) { throw ValidationError("--lease-seconds must be 5 to 3600; got \(leaseSeconds).") }
        // A request may start only while the lease has more than the timeout left; renewals every third
        // of the lease keep at least two thirds of it left.
        if leaseSeconds * 2 / 3 <= webhookTimeout + 0.5 {
            throw ValidationError("--lease-seconds must be more than 1.5 × (--webhook-timeout + 0.5 s), so a delivery fits in what a renewal leaves; got \(leaseSeconds) with --webhook-timeout \(webhookTimeout).")
        }
        if let syncEvery, Self.duration(syncEvery) == nil {
            throw ValidationError("--sync-every takes a duration such as 6h, 30m, 90s or 1d (at least 1s); got '\(syncEvery)'.")
        }
    }

    /// `90s`, `30m`, `6h` or `1d` as a duration; nil when malformed or under a second.
    static func duration(_ text: String) -> Duration? {
        guard let unit = text.last, let n = Int(text.dropLast()), n >= 1 else { return nil }
        switch unit {
        case "s": return .seconds(n)
        case "m": return n <= 1_000_000 ? .seconds(n * 60) : nil
        case "h": return n <= 100_000 ? .seconds(n * 3600) : nil
        case "d": return n <= 10_000 ? .seconds(n * 86400) : nil
        default: return nil
        }
    }

    /// One scheduled sync: takes the store's sync lock (a running `hireledger sync` makes this run
    /// fail as skipped), connects as `sync` would, syncs, and reports what it appended.
    static func scheduledSync(store: LedgerStore, connection: ConnectionOptions) -> SyncScheduler.Sync {
        { @Sendable in
            guard let lock = try SyncLock.tryAcquire(storeDirectory: store.path) else {
                throw CLIError("another sync is running on this store (sync.lock is held); this scheduled sync was skipped")
            }
            defer { lock.release() }
            let conn = try await AshbyConnection.open(connection, quiet: true)
            do {
                let clock: any LedgerClock = conn.simulator.map { sim in ClosureLedgerClock { sim.now } } ?? SystemLedgerClock()
                let report = try await SyncService(store: store, client: conn.client, clock: clock).sync(SyncOptions(fullPassIntervalDays: 7))
                await conn.close()
                return SyncScheduler.Outcome(events: report.appendedEvents, summary: "\(report.appendedEvents) new events from \(conn.label)")
            } catch {
                await conn.close()
                throw error
            }
        }
    }

    func run() async throws {
        if let deployment { return try await runDeployment(deployment) }
        let policy: WebhookAddressPolicy = allowPrivateWebhooks ? .allowPrivate : .publicOnly
        let options = ServerOptions(host: host, port: port, tokenFile: tokenFile, heartbeatSeconds: heartbeat,
                                    pollMilliseconds: pollMilliseconds, webhookAddressPolicy: policy)
        do { try options.validate() } catch { throw CLIError(error.description) }
        let logger = try LogSetup.logger("hireledger.serve")
        let store = try LedgerStore.openExisting(storeOptions.path)
        try await Self.checkPages(store)
        let token: APIToken
        let tokenPath = tokenFile ?? (store.path as NSString).appendingPathComponent(APIToken.defaultFileName)
        do {
            if tokenFile != nil {
                token = try APIToken.load(from: tokenPath)
            } else {
                let (t, created) = try APIToken.loadOrCreate(at: tokenPath)
                token = t
                if created { Terminal.writeError("Created a new API token in \(tokenPath) (mode 0600).\n") }
            }
        } catch {
            throw CLIError(error.description)
        }
        // The token alone guards the API: beyond loopback it must be strong and private; on loopback a
        // weak one is only warned about.
        let problems = APIToken.audit(path: tokenPath)
        if !problems.isEmpty {
            if ServerOptions.isLoopback(host) {
                for p in problems { Terminal.writeError("warning: \(p).\n") }
            } else {
                throw CLIError("refusing to listen on \(host): " + problems.joined(separator: "; ") + ".")
            }
        }
        var webhooks: WebhookDeliveries?
        if !noWebhooks {
            let transport = try WebhookTransport.make(timeout: webhookTimeout, policy: policy)
            webhooks = try WebhookDeliveries(store: store, transport: transport,
                                             source: options.eventSource ?? "urn:hireledger:store:\(store.storeId)",
                                             requestTimeout: webhookTimeout, addressPolicy: policy,
                                             lease: DelivererLease(store: store, role: "serve", duration: leaseSeconds),
                                             logger: try LogSetup.logger("hireledger.webhooks"))
        }
        if let publishNATS { try startPublisher(store: store, urlText: publishNATS) }
        let schedule = syncEvery.flatMap(Self.duration).map { SyncScheduler(interval: $0, sync: Self.scheduledSync(store: store, connection: connection)) }
        let assets = PlannerAssets.load()
        let api = try LedgerAPI(store: store, token: token, options: options, webhooks: webhooks, syncSchedule: schedule,
                                plannerAssets: assets)
        // The views catch up in the background (`ProjectionService`, started by the API): requests
        // never wait for a fold, only for the first publication after startup.
        if let schedule = try backups.schedule() { ScheduledBackups.start(store: store, schedule: schedule) }
        let app = api.application(onListening: { port in
            logger.info("listening", metadata: ["host": .string(host), "port": .stringConvertible(port),
                                                "store_id": .string(store.storeId), "webhooks": .stringConvertible(!noWebhooks)])
            let shownHost = host.contains(":") ? "[\(host)]" : host
            let base = "http://\(shownHost):\(port)"
            // The link holds the token (in its fragment): only on an interactive terminal, never into a log file.
            let signIn = Terminal.stderrIsTTY ? "sign in: \(token.loginLink(base: base))" : "sign in at \(base)/login with the token in \(tokenPath)"
            Terminal.writeError("""
                Planner page: \(base)/ (\(signIn))\(assets.hasChartJS ? "" : "; charts need Chart.js: apt-get install libjs-chart.js").
                \(schedule.map { _ in "Syncing every \(syncEvery!) (first sync now); the page shows how the last one went." } ?? "No scheduled sync (add --sync-every 6h for one).")
                HireLedger API on http://\(shownHost):\(port) (store \(store.path)).
                Send 'Authorization: Bearer <token>' with the token in \(tokenPath). OpenAPI: schemas/api/openapi.json.
                Health: /healthz, metrics: /metrics (no token). \(noWebhooks ? "Webhooks: not delivered (--no-webhooks)." : "Webhooks: delivered by this process.") Ctrl-C stops.

                """)
        }, logger: logger)
        try await app.runService()
    }

    /// The page walk (`PageCheck`) before serving: a damaged page could crash liblmdb inside a request
    /// (which ends the server with exit 65), so a store whose pages are damaged is refused at start,
    /// naming the pages and the way out. It reads the data file with `pread` (it cannot crash) on a
    /// thread of its own, holding a read transaction so the pages it walks are not reused meanwhile.
    /// Values are checked by their checksums on every read (a mismatch answers a 503 problem).
    static func checkPages(_ store: LedgerStore) async throws {
        let report: PageCheck.Report = try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    continuation.resume(returning: try store.environment.read { txn in
                        PageCheck.run(directory: store.environment.path, txnid: txn.snapshotID)
                    })
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
        guard report.isClean else {
            throw StoreDamageReport(path: store.path, findings: report.findings.map { "page walk: \($0)" })
        }
    }

    /// Runs a `JetStreamPublisher` beside the server: its own task, reconnecting on its own; it only reads
    /// the store (and commits its cursor on the writer thread), so it never holds up syncing or requests.
    /// A failure retrying cannot fix (credentials, stream mismatch) is reported and stops publishing only.
    private func startPublisher(store: LedgerStore, urlText: String) throws {
        let url = try PublishCommand.natsURL(option: urlText == "env" ? nil : urlText, file: nil)
        let options = JetStreamPublisherOptions(account: JetStreamPublisherOptions.defaultAccount(forStorePath: storeOptions.path))
        let problems = options.problems()
        if !problems.isEmpty { throw CLIError(problems.joined(separator: "\n")) }
        let publisher = JetStreamPublisher(store: store, url: url, options: options, pollInterval: Double(pollMilliseconds) / 1000) { line in
            Terminal.writeError("hireledger serve: publish: \(line)\n")
        }
        Task.detached {
            do { try await publisher.run() } catch is CancellationError {} catch {
                Terminal.writeError("hireledger serve: publishing to NATS stopped: \(error)\n")
            }
        }
    }
}
