import Foundation
import HireLedger
import HireLedgerCore
import NATSClient

/// `bench publish --nats URL [--events N]`: a log of N events (default 100 000) in a temporary store
/// (fsync on) published to JetStream by `JetStreamPublisher.publishOnce()`, each run into a new stream
/// (file storage, one replica) on the server at URL (tools/bench-publish.sh starts a `nats-server -js`
/// on loopback for it): once with one message in flight (each publish waits for its ack: no batching of
/// acks) and once per pipeline depth given (default 16, 256 and 1024 in flight). The cursor is committed
/// every 1024 acks. Server and publisher share the machine's cores, so the figures are a floor.
enum PublishBench {
    static func run(_ arguments: [String]) async throws {
        var events = 100_000
        var url: String?
        var pipelines = [1, 16, 256, 1024]
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--events" where i + 1 < arguments.count: events = Int(arguments[i + 1]) ?? events; i += 2
            case "--nats" where i + 1 < arguments.count: url = arguments[i + 1]; i += 2
            case "--pipelines" where i + 1 < arguments.count:
                pipelines = arguments[i + 1].split(separator: ",").compactMap { Int($0) }; i += 2
            default:
                print("usage: bench publish --nats URL [--events N] [--pipelines 1,16,256,1024]")
                exit(2)
            }
        }
        guard let url else {
            print("bench publish needs --nats URL of a nats-server -js (tools/bench-publish.sh starts one)")
            exit(2)
        }
        let natsURL = try NATSURL(url)
        let dir = Bench.temporaryPath("publish")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try LedgerStore.open(directory: dir)
        try Bench.appendStageChanges(store, count: events)
        let size = try store.event(at: LogPosition(1))!.cloudEvent(source: "urn:hireledger:store:\(store.storeId)").canonicalBytes().count
        print("publish benchmark: \(events) events (~\(size) bytes of CloudEvent JSON each), JetStream file storage, 1 replica, fsync on for the cursor")
        print("machine: \(Bench.machine()); build: \(Bench.buildMode); server: \(natsURL.redacted)")
        let run = UUID().uuidString.prefix(8)
        for pipeline in pipelines {
            let options = JetStreamPublisherOptions(stream: "BENCH_\(run)_P\(pipeline)", account: "bench", maxAge: 0,
                                                    pipeline: pipeline, commitEvery: 1024)
            let publisher = JetStreamPublisher(store: store, url: natsURL, options: options)
            let start = DispatchTime.now().uptimeNanoseconds
            let report = try await publisher.publishOnce()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            precondition(report.published == events && report.cursor == LogPosition(UInt64(events)), "not everything was published")
            print(String(format: "%@ %5d in flight: %8.0f events/s (%d events, %.2f s)",
                         pipeline == 1 ? "no batching of acks," : "ack batching,       ", pipeline,
                         Double(events) / seconds, events, seconds))
            // Leave the server as it was.
            let c = try await NATSConnection.connect(natsURL)
            _ = try? await JetStream(connection: c).api("STREAM.DELETE.\(options.stream)")
            c.close()
        }
    }
}
