// swift-tools-version: 6.1
import PackageDescription

// HireLedger: an Ashby ATS account as a replayable, append-only history.
// Targets, folders and what is in which: docs/ARCHITECTURE.md. Swift 6 language mode (strict concurrency)
// throughout.

let package = Package(
    name: "HireLedger",
    // Linux is where HireLedger runs; macOS 15 is declared because the one lock type used throughout is
    // the standard library's `Synchronization.Mutex`, which needs it (macOS 14 would need a pthread
    // wrapper beside it, which is what this declaration avoids).
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hireledger", targets: ["hireledger"]),
        .executable(name: "ashby-sim", targets: ["ashby-sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        // HMAC-SHA256 for Standard Webhooks signatures: a maintained implementation (BoringSSL on
        // Linux, CryptoKit on Apple systems) rather than hand-written crypto.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        // The `hireledger serve` HTTP API (SSE streaming, graceful shutdown through service-lifecycle).
        // NIO-based, so it costs minutes on a clean build; only HireLedgerServer and its tests use it.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        // Already in the graph through Hummingbird; named so the server can end SSE streams on graceful shutdown.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        // Structured logs (`serve`, `deliver`, the sync engine's outcome) and metrics. Both are already in
        // the graph through Hummingbird; named so the targets that log and measure can import them.
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.4.1"),
        // `/metrics`: the Prometheus exposition of what swift-metrics records (histograms included).
        // Adds only swift-atomics to the graph.
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Property tests (tests only): hostile query parameters and flags with extreme values.
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        // The deployment file of `serve --deployment` (many accounts): a maintained TOML parser (toml++).
        .package(url: "https://github.com/LebJe/TOMLKit.git", exact: "0.6.0"),
    ],
    targets: [
        // MARK: C libraries
        .systemLibrary(name: "CLMDB", path: "Sources/CLMDB", pkgConfig: "lmdb",
                       providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        // The store's value compression (format 4): zstd with dictionaries trained per kind of value.
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        // The executables' memory allocator. Linking libjemalloc puts it before libc in the executable's
        // libraries, so its malloc and free serve the whole process, the Swift runtime's allocations
        // included. Why (release, files mode, large export, alternated with glibc's malloc on this 2-core
        // machine): first sync 15.4-16.6 s against 17.0-19.8 s, total CPU 0.87-0.99x, peak heap 171 MB
        // against 194 MB; view rebuilds no slower (README, "Memory allocator"). The three executables
        // depend on it; libraries and tests do not.
        .systemLibrary(name: "CJemalloc", path: "Sources/CJemalloc", pkgConfig: "jemalloc",
                       providers: [.apt(["libjemalloc-dev"])]),

        // MARK: libraries
        .target(name: "HireLedgerCore"),
        .target(name: "LMDB", dependencies: ["CLMDB", "HireLedgerCore"]),  // Core: XXH64 for value checksums
        .target(name: "CurlHTTP", dependencies: ["CCurl"]),
        // A NATS + JetStream client of the project's own (POSIX sockets on a dedicated thread; system
        // libraries only): no maintained Swift NATS client is in the package set (NATSConnection.swift).
        .target(name: "NATSClient"),
        .target(name: "AshbyAPI", dependencies: ["HireLedgerCore", "CurlHTTP"]),
        // The simulator serves HTTP/1.1 itself (SimulatorServer: POSIX sockets, a thread per connection):
        // the demo's thousands of requests a minute made a general server library its bottleneck.
        .target(name: "AshbySimulator", dependencies: ["HireLedgerCore"]),
        .target(name: "HireLedger", dependencies: [
            "HireLedgerCore", "LMDB", "AshbyAPI", "CurlHTTP", "CZstd", .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            "NATSClient",
        ]),
        .target(name: "HireLedgerServer", dependencies: [
            "HireLedger", "HireLedgerCore", "CurlHTTP", "LMDB",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            // The planner page's session cookie is an HMAC of the API token (already in the graph for webhooks).
            .product(name: "Crypto", package: "swift-crypto"),
            "AshbyAPI", .product(name: "TOMLKit", package: "TOMLKit"),
        ], resources: [
            // The planner page, compiled into the binary (no resource bundle to lose when it is copied).
            .embedInCode("PlannerWeb/planner.html"), .embedInCode("PlannerWeb/login.html"),
            .embedInCode("PlannerWeb/planner.js"), .embedInCode("PlannerWeb/login.js"), .embedInCode("PlannerWeb/planner.css"),
        ]),

        // MARK: executables
        .executableTarget(name: "hireledger", dependencies: [
            "HireLedger", "HireLedgerCore", "AshbyAPI", "AshbySimulator", "CurlHTTP", "LMDB", "HireLedgerServer",
            "NATSClient", "CJemalloc",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "ashby-sim", dependencies: [
            "AshbySimulator", "CJemalloc",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Benchmarks: `tools/bench.sh` builds this in release mode and runs it. Never run by `swift test`.
        // It uses the test-support loopback server and SSE client, never linked into a product.
        .executableTarget(name: "bench", dependencies: [
            "HireLedger", "HireLedgerCore", "AshbyAPI", "AshbySimulator", "CurlHTTP", "LMDB", "HireLedgerServer",
            "HireLedgerTestSupport",
            "NATSClient", "CJemalloc",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: tests (one target per source target)
        // Test-support targets, used by tests and bench only and never linked into a product: the one
        // loopback HTTP server (webhook receiver, transport tests, benchmarks), the SSE client, and the
        // JSON Schema validator (event, view and API schemas, Ashby's OpenAPI document).
        // Also the headless-browser driver behind `bench page` and tools/screenshot.sh.
        .target(name: "HireLedgerTestSupport", dependencies: ["AshbySimulator", "CurlHTTP", "HireLedgerCore"], path: "Tests/Support/HireLedgerTestSupport"),
        .target(name: "JSONSchema", dependencies: ["HireLedgerCore"], path: "Tests/Support/JSONSchema"),
        .testTarget(name: "HireLedgerCoreTests", dependencies: ["HireLedgerCore"]),
        .testTarget(name: "LMDBTests", dependencies: ["LMDB"]),
        .testTarget(name: "CurlHTTPTests", dependencies: [
            "CurlHTTP", "HireLedgerTestSupport",
        ]),
        .testTarget(name: "AshbySimulatorTests", dependencies: ["AshbySimulator", "HireLedgerCore", "CurlHTTP", "JSONSchema"]),
        .testTarget(name: "AshbyAPITests", dependencies: ["AshbyAPI", "AshbySimulator", "HireLedgerCore", "CurlHTTP"]),
        .testTarget(name: "JSONSchemaTests", dependencies: ["JSONSchema", "HireLedgerCore"]),
        .testTarget(name: "HireLedgerTests", dependencies: [
            "HireLedger", "HireLedgerCore", "LMDB", "AshbyAPI", "AshbySimulator", "CurlHTTP", "JSONSchema",
            "HireLedgerTestSupport", .product(name: "Logging", package: "swift-log"),
            .product(name: "PropertyBased", package: "swift-property-based"),
            "NATSClient",
        ]),
        .testTarget(name: "NATSClientTests", dependencies: ["NATSClient", "HireLedgerTestSupport"]),
        .testTarget(name: "HireLedgerServerTests", dependencies: [
            "HireLedgerServer", "HireLedger", "HireLedgerCore", "AshbySimulator", "AshbyAPI", "CurlHTTP", "JSONSchema",
            "HireLedgerTestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
