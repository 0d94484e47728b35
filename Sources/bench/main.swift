import Foundation
// Benchmarks, built in release mode by tools/bench-*.sh. Each benchmark lives in its own file as a
// function `(arguments) async throws -> Void`; this file only dispatches on the first argument.

let arguments = Array(CommandLine.arguments.dropFirst())
let benchmarks: [String: @Sendable ([String]) async throws -> Void] = [
    "json": { try JSONBench.run($0) },
    "curl": { try await CurlBench.run($0) },
    "sim": { try await SimulatorBench.run($0) },
    "lmdb": lmdbBenchmark,
    "sync": { try await SyncBench.run($0) },
    "projections": { try ProjectionBench.run($0) },
    "webhooks": { try await WebhookBench.run($0) },
    "server": { try await ServerBench.run($0) },
    "views": { try ProjectionBench.runStore($0) },
    "series": { try PlannerBench.series($0) },
    "page": { try await PlannerBench.page($0) },
    "publish": { try await PublishBench.run($0) },
    "accounts": { try await AccountsBench.run($0) },
    "files-export": { try await FilesExport.run($0) },
]

guard let name = arguments.first, let run = benchmarks[name] else {
    print("usage: bench <name> [options]; benchmarks: \(benchmarks.keys.sorted().joined(separator: ", "))")
    exit(2)
}
#if !DEBUG
#else
print("warning: debug build; figures are meaningless (use tools/bench-*.sh)")
#endif
// An error (a bad flag, a usage request, a failed step) is printed and exits 1, never trapped: a
// top-level throw would end the process by a signal.
do {
    try await run(Array(arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("bench \(name): \(error)\n".utf8))
    exit(1)
}
