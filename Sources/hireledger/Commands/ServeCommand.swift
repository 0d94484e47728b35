import ArgumentParser
import CurlHTTP
import Foundation
import HireLedger
import HireLedgerServer

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
            soon as it sees new events. Stops cleanly on SIGINT or SIGTERM.
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
    @Option(name: .customLong("webhook-timeout"), help: "Seconds one webhook delivery may take before it counts as failed.")
    var webhookTimeout: Double = 10
    @OptionGroup var backups: ScheduledBackups.Options

    func validate() throws {
        if webhookTimeout <= 0 { throw ValidationError("--webhook-timeout must be positive; got \(webhookTimeout).") }
        try backups.validate()
    }

    func run() async throws {
        let options = ServerOptions(host: host, port: port, tokenFile: tokenFile, heartbeatSeconds: heartbeat,
                                    pollMilliseconds: pollMilliseconds)
        do { try options.validate() } catch { throw CLIError(error.description) }
        let store = try LedgerStore.openExisting(storeOptions.path)
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
        var webhooks: WebhookDeliveries?
        if !noWebhooks {
            let transport = try CurlTransport(configuration: CurlTransport.Configuration(timeout: webhookTimeout, followRedirects: false))
            webhooks = try WebhookDeliveries(store: store, transport: transport,
                                             source: options.eventSource ?? "urn:hireledger:store:\(store.storeId)",
                                             requestTimeout: webhookTimeout)
        }
        let api = try LedgerAPI(store: store, token: token, options: options, webhooks: webhooks)
        // Bring the views up to the log's end in the background, so the first view request does not pay
        // for folding what was synced since the last checkpoint. On a thread of its own: the folds are
        // synchronous LMDB reads that must not hold a cooperative-pool thread; requests that come
        // first simply wait for the same runner.
        let views = api.views
        Thread.detachNewThread {
            do { try views.catchUpAll() } catch {
                Terminal.writeError("hireledger serve: catching up the views failed (\(error)); view requests will retry.\n")
            }
        }
        if let schedule = try backups.schedule() { ScheduledBackups.start(store: store, schedule: schedule) }
        let app = api.application(onListening: { port in
            let shownHost = host.contains(":") ? "[\(host)]" : host
            Terminal.writeError("""
                HireLedger API on http://\(shownHost):\(port) (store \(store.path)).
                Send 'Authorization: Bearer <token>' with the token in \(tokenPath). OpenAPI: schemas/api/openapi.json.
                Health: /healthz, metrics: /metrics (no token). \(noWebhooks ? "Webhooks: not delivered (--no-webhooks)." : "Webhooks: delivered by this process.") Ctrl-C stops.

                """)
        })
        try await app.runService()
    }
}
