import CJemalloc
import Foundation
import HireLedger
import HireLedgerCore

/// What the benchmarks share: the line naming the machine and build, temporary stores, the synthetic
/// log of stage changes the delivery benchmarks send, and the timing of sync steps.
enum Bench {
    /// Where a store's bytes go: the pages (branch, leaf, overflow) of each database and the pages no
    /// database uses (LMDB's free list, reused by later writes), in MB of the file.
    static func storeBreakdown(_ store: LedgerStore) throws -> String {
        let info = try store.environment.info()
        var used = 2  // the two meta pages
        var parts: [String] = []
        for (name, stats) in info.databases.sorted(by: { $0.key < $1.key }) {
            let pages = stats.branchPages + stats.leafPages + stats.overflowPages
            used += pages
            if pages > 0 { parts.append(String(format: "%@ %.1f", name, Double(pages * info.pageSize) / 1e6)) }
        }
        let free = max(0, Int(info.lastPageNumber) + 1 - used)
        return parts.joined(separator: ", ") + String(format: ", free pages %.1f (MB)", Double(free * info.pageSize) / 1e6)
    }

    static var buildMode: String {
        #if DEBUG
        "debug (figures meaningless)"
        #else
        "release"
        #endif
    }

    /// "AMD EPYC, nproc 2, load 1.52 1.93 1.97": the load average says how busy the shared machine was.
    static func machine() -> String {
        "\(cpuModel()), nproc \(ProcessInfo.processInfo.activeProcessorCount), load \(loadAverage()), allocator \(allocator())"
    }

    /// The malloc serving this process: jemalloc's version when it is the one linked (Package.swift,
    /// CJemalloc), else glibc's.
    static func allocator() -> String {
        var version: UnsafePointer<CChar>?
        var size = MemoryLayout<UnsafePointer<CChar>?>.size
        guard mallctl("version", &version, &size, nil, 0) == 0, let version else { return "glibc malloc" }
        return "jemalloc " + String(String(cString: version).prefix { $0 != "-" })
    }

    static func cpuModel() -> String {
        (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?
            .trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
    }

    static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "unknown"
    }

    /// A new path in the temporary directory, `hireledger-bench-NAME-<uuid>`; the caller removes it.
    static func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "hireledger-bench-\(name)-\(UUID().uuidString)"
    }

    /// Appends `count` `application.stage_changed` events, one application each, observed a
    /// millisecond apart from 2026-03-01: the log the publish and webhook benchmarks deliver.
    static func appendStageChanges(_ store: LedgerStore, count: Int) throws {
        let t0 = Timestamp(iso8601: "2026-03-01T09:00:00Z")!
        var appended = 0
        while appended < count {
            let n = min(5000, count - appended)
            try store.append((0..<n).map { k in
                let id = "a\(appended + k)"
                return PendingEvent(type: .domain(.applicationStageChanged), subject: EntityKey(.application, id),
                                    observedAt: t0.adding(milliseconds: Int64(appended + k)), occurredAt: t0, occurredAtInferred: false,
                                    data: ["applicationId": .string(id), "fromStage": ["id": "s1", "title": "Screen"],
                                           "toStage": ["id": "s2", "title": "Onsite"], "jobId": "j1"])
            })
            appended += n
        }
    }

    /// VmRSS and VmHWM of this process.
    static func residentMemory() -> String {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> String {
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) } ?? "?"
        }
        return "RSS \(field("VmRSS")), peak \(field("VmHWM"))"
    }
}

/// Runs and reports the sync steps of one `SyncService` (`bench sync`, `bench sync --files`): per step
/// its time, records and pages listed, events appended, write transactions, bytes this process wrote
/// to disk, peak memory (`MemorySampler`) and the passes by type.
struct SyncSteps {
    let service: SyncService
    let store: LedgerStore
    let memory: MemorySampler

    /// Prints the machine line, starts the memory sampler and the Ashby stand-in `start` makes (`where`
    /// says where it runs), and prints how long the stand-in took to be ready and the memory then.
    static func start(_ where: String, _ start: () async throws -> SimulatorEndpoint) async throws -> (SimulatorEndpoint, MemorySampler) {
        print("machine: \(Bench.machine()); build: \(Bench.buildMode)")
        let memory = MemorySampler()
        memory.start()
        let t0 = ContinuousClock.now
        let endpoint = try await start()
        print("stand-in: ready in \(SyncBench.format((ContinuousClock.now - t0).inSeconds)) s (\(`where`) \(endpoint.url))")
        print("memory before syncing: \(memory.report())")
        return (endpoint, memory)
    }

    func run(_ title: String, _ options: SyncOptions) async throws -> SyncReport {
        memory.resetPeak()
        let written = ProcessIO.writeBytes(), transactions = try store.environment.info().lastTransactionID
        let t0 = ContinuousClock.now
        let report = try await service.sync(options)
        let s = (ContinuousClock.now - t0).inSeconds
        let records = report.runs.reduce(0) { $0 + $1.records }
        let pages = report.runs.reduce(0) { $0 + $1.pages }
        print("\(title): \(SyncBench.format(s)) s, \(records) records in \(pages) pages, \(Int(Double(records) / max(s, 1e-9))) records/s, "
            + "\(report.appendedEvents) events appended; \(try store.environment.info().lastTransactionID - transactions) write "
            + "transactions, \(FilesSyncBench.mb(ProcessIO.writeBytes() - written)) written to disk; peak \(memory.report())")
        print("    per type: " + report.runs.map { "\($0.entityType) \($0.mode.rawValue) \($0.records)r/\($0.events)e" }.joined(separator: ", "))
        return report
    }
}
