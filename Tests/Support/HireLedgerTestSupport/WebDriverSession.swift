import CurlHTTP
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HireLedgerCore

/// A headless Chromium driven through chromedriver (shared by the planner page test, `bench page`
/// and tools/screenshot.sh) with the W3C WebDriver JSON protocol over
/// loopback HTTP (the project's CurlHTTP transport; no Selenium). Starts its own chromedriver
/// process on a free port and ends it in `close()`.
public final class WebDriverSession: @unchecked Sendable {
    let driver: Process
    let base: String
    let sessionId: String
    let http: CurlTransport

    public struct Failure: Error, CustomStringConvertible { public let description: String }

    public static let chromedriver = "/usr/bin/chromedriver"
    public static let chromium = "/usr/bin/chromium"

    /// Whether the browser test can run here (CI installs both through tools/setup.sh).
    public static var available: Bool {
        FileManager.default.isExecutableFile(atPath: chromedriver) && FileManager.default.isExecutableFile(atPath: chromium)
    }

    public static func start(width: Int = 1440, height: Int = 900) async throws -> WebDriverSession {
        let port = try freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromedriver)
        process.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let http = try CurlTransport(configuration: .init(timeout: 60))
        let base = "http://127.0.0.1:\(port)"
        var ready = false
        for _ in 0..<200 {
            if let r = try? await http.send(HTTPRequest(url: base + "/status")), r.status == 200 { ready = true; break }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard ready else {
            process.terminate()
            throw Failure(description: "chromedriver did not answer on \(base) within 10 s")
        }
        let capabilities: JSONValue = ["capabilities": ["alwaysMatch": [
            "browserName": "chrome",
            "goog:chromeOptions": ["binary": .string(chromium),
                                   "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                            .string("--window-size=\(width),\(height)"), "--hide-scrollbars"]],
            "goog:loggingPrefs": ["browser": "ALL"],
        ]]]
        let created = try await Self.call(http, "POST", base + "/session", capabilities)
        guard let id = created["sessionId"]?.stringValue else {
            process.terminate()
            throw Failure(description: "chromedriver gave no session: \(created.canonicalString)")
        }
        return WebDriverSession(driver: process, base: base, sessionId: id, http: http)
    }

    private init(driver: Process, base: String, sessionId: String, http: CurlTransport) {
        self.driver = driver
        self.base = base
        self.sessionId = sessionId
        self.http = http
    }

    static func call(_ http: CurlTransport, _ method: String, _ url: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        let r = try await http.send(HTTPRequest(method: method, url: url, headers: [("Content-Type", "application/json")],
                                                body: body.map { $0.canonicalBytes() } ?? []))
        let json = try JSONValue.parse(r.body)
        guard (200..<300).contains(r.status) else {
            throw Failure(description: "WebDriver \(method) \(url) answered \(r.status): \(json["value"]?["message"]?.stringValue ?? json.canonicalString)")
        }
        return json["value"] ?? .null
    }

    @discardableResult
    public func call(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        try await Self.call(http, method, base + "/session/\(sessionId)" + path, body)
    }

    public func navigate(_ url: String) async throws { try await call("POST", "/url", ["url": .string(url)]) }

    public var currentURL: String { get async throws { try await call("GET", "/url").stringValue ?? "" } }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its value.
    public func execute(_ script: String, _ args: [JSONValue] = []) async throws -> JSONValue {
        try await call("POST", "/execute/sync", ["script": .string(script), "args": .array(args)])
    }

    /// Runs `script` whose last argument is a callback taking the result.
    public func executeAsync(_ script: String, _ args: [JSONValue] = []) async throws -> JSONValue {
        try await call("POST", "/execute/async", ["script": .string(script), "args": .array(args)])
    }

    /// Waits until `script` returns true.
    public func waitFor(_ script: String, _ args: [JSONValue] = [], seconds: Double = 30) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await execute(script, args) == .bool(true) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure(description: "timed out after \(seconds) s waiting for: \(script)")
    }

    public func deleteCookies() async throws { try await call("DELETE", "/cookie") }

    /// The browser console since the last call (chromedriver's log endpoint).
    public func consoleEntries() async throws -> [JSONValue] {
        try await call("POST", "/se/log", ["type": "browser"]).arrayValue ?? []
    }

    public func screenshotPNG() async throws -> Data {
        let b64 = try await call("GET", "/screenshot").stringValue ?? ""
        return Data(base64Encoded: b64) ?? Data()
    }

    /// Ends the session (chromedriver quits its Chromium) and the chromedriver process.
    public func close() async {
        _ = try? await http.send(HTTPRequest(method: "DELETE", url: base + "/session/\(sessionId)", timeout: 15))
        // Foundation's waitUntilExit can block an async test forever on Linux; signal and reap by pid.
        let pid = driver.processIdentifier
        _ = kill(pid, SIGKILL)
        for _ in 0..<100 {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) != 0 { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// A port nothing listens on now (the kernel's pick for port 0).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        defer { Glibc.close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0 else { throw Failure(description: "bind() failed") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
