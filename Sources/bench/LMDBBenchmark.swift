import Foundation
import LMDB

/// `bench lmdb [events] [batch]`: append, point-read and scan figures for the LMDB wrapper.
@Sendable func lmdbBenchmark(_ arguments: [String]) async throws {
    let events = arguments.first.flatMap(Int.init) ?? 100_000
    let batch = arguments.dropFirst().first.flatMap(Int.init) ?? 1000
    let valueSize = 1024
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("model name") }?
        .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown"
    #if DEBUG
    let mode = "debug"
    #else
    let mode = "release"
    #endif
    print("LMDB wrapper benchmark: \(events) events x \(valueSize) B, \(batch) per write txn; \(mode) build, "
        + "\(ProcessInfo.processInfo.activeProcessorCount) CPUs (\(cpu)), LMDB 0.9.24")

    let value = [UInt8](repeating: 0x5A, count: valueSize)
    let clock = ContinuousClock()
    func time(_ body: () throws -> Void) rethrows -> Duration {
        let start = clock.now
        try body()
        return clock.now - start
    }
    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
    func rate(_ count: Int, _ d: Duration) -> String { String(format: "%.0f k/s", Double(count) / seconds(d) / 1000) }

    for (label, options) in [
        ("fsync per commit, 1 GiB map", Environment.Options()),
        ("noSync, 1 GiB map", Environment.Options(noSync: true)),
        ("noSync, 64 KiB map grown on demand", Environment.Options(mapSize: 64 << 10, noSync: true)),
    ] {
        let directory = NSTemporaryDirectory() + "hireledger-lmdb-bench-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let env = try Environment.open(directory: directory, options: options)
        let log = try env.openDatabase(name: "log", flags: .create)

        let appendTime = try time {
            var next: UInt64 = 0
            while next < UInt64(events) {
                let first = next, last = min(first + UInt64(batch), UInt64(events))
                try env.write { txn in
                    for seq in first..<last { try txn.put(log, seq, value, flags: .append) }
                }
                next = last
            }
            try env.sync(force: true)
        }
        let info = try env.info()
        print(String(format: "  %@: append %@ (%.1f MB/s), %.2f s; file %.1f MB, map %.1f MB", label,
                     rate(events, appendTime), Double(events * valueSize) / seconds(appendTime) / 1e6,
                     seconds(appendTime), Double(info.usedBytes) / 1e6, Double(info.mapSize) / 1e6))
        guard label.hasPrefix("noSync, 1 GiB") else { continue }

        var generator = SystemRandomNumberGenerator()
        let keys = (0..<events).map { _ in UInt64.random(in: 0..<UInt64(events), using: &generator) }
        var checksum = 0
        let getTime = try time {
            for key in keys { checksum &+= try env.read { txn in try txn.get(log, key)?.count ?? 0 } }
        }
        let withValueTime = try time {
            for key in keys { checksum &+= try env.read { txn in try txn.withValue(log, key) { Int($0[0]) } ?? 0 } }
        }
        let oneTxnTime = try time {
            try env.read { txn in
                for key in keys { checksum &+= try txn.withValue(log, key) { Int($0[0]) } ?? 0 }
            }
        }
        var scanned = 0
        let scanTime = try time {
            try env.read { txn in
                _ = try txn.scan(log) { _, bytes in scanned += bytes.count }
            }
        }
        let reverseTime = try time {
            try env.read { txn in
                _ = try txn.scan(log, reverse: true) { _, bytes in scanned += bytes.count }
            }
        }
        print("    point get (copy), one read txn each:     \(rate(events, getTime))")
        print("    point withValue (zero-copy), txn each:   \(rate(events, withValueTime))")
        print("    point withValue, all in one read txn:    \(rate(events, oneTxnTime))")
        print(String(format: "    full scan forward: %.1f ms (%.1f GB/s); reverse: %.1f ms  [checksum %d]",
                     seconds(scanTime) * 1000, Double(events * valueSize) / seconds(scanTime) / 1e9,
                     seconds(reverseTime) * 1000, checksum &+ scanned))
    }
}
