import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `nats-server -js` (Debian's `nats-server`, installed by tools/setup.sh) for tests: on a free
/// loopback port, with its JetStream store in a directory of its own, stopped (or killed) by the test.
/// `restart()` starts it again on the same port and store, as an operator's restart would.
///
/// Thread rules: `lock` guards `process`.
public final class NATSServerProcess: @unchecked Sendable {
    public let port: Int
    public let storeDirectory: String
    public let logPath: String
    private let extraArguments: [String]
    private let lock = NSLock()
    private var process: Process?

    /// `nats://127.0.0.1:<port>` (without credentials).
    public var url: String { "nats://127.0.0.1:\(port)" }

    /// The executable, or nil when nats-server is not installed.
    public static var executable: String? {
        for dir in ["/usr/bin", "/usr/sbin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: dir + "/nats-server") {
            return dir + "/nats-server"
        }
        return nil
    }

    /// Starts the server and waits until it accepts connections.
    /// - Parameter extraArguments: e.g. `["--user", "u", "--pass", "p"]` or `["--auth", "token"]`.
    public init(directory: String, extraArguments: [String] = []) throws {
        guard Self.executable != nil else {
            throw NATSServerSetupError("nats-server is not installed; run tools/setup.sh (Debian package nats-server)")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        storeDirectory = directory + "/jetstream"
        logPath = directory + "/nats-server.log"
        port = try Self.freePort()
        self.extraArguments = extraArguments
        try start()
    }

    /// Starts (again) on the same port and store directory.
    public func restart() throws { try start() }

    private func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.executable!)
        p.arguments = ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", storeDirectory, "-l", logPath] + extraArguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        lock.withLock { process = p }
        // Ready when JetStream has started and the client port accepts connections.
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if !p.isRunning {
                throw NATSServerSetupError("nats-server exited at start (status \(p.terminationStatus)); log: \((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "-")")
            }
            // nats-server opens its client port after JetStream has started.
            if Self.accepts(port: port) { return }
            usleep(20_000)
        }
        p.terminate()
        throw NATSServerSetupError("nats-server did not become ready within 15 s on port \(port)")
    }

    /// SIGTERM, and waits for the exit (JetStream flushes its store).
    public func stop() {
        guard let p = lock.withLock({ process }) else { return }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
    }

    /// SIGKILL, and waits for the exit.
    public func kill() {
        guard let p = lock.withLock({ process }) else { return }
        if p.isRunning { Glibc.kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
    }

    /// A port the kernel hands out for a moment; nats-server binds it right after.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, len) } }
        guard bound == 0 else { throw NATSServerSetupError("no free loopback port: \(String(cString: strerror(errno)))") }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

public struct NATSServerSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
