#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AshbyAPI
import CurlHTTP
import HireLedgerCore
import Testing

/// The secret used by every test client; tests assert it never shows up in error text.
let testKeyText = "hlk_SECRET_1f2e3d4c5b6a79880011"

func testKey() -> APIKey { try! APIKey(testKeyText) }

/// A client over `transport` with a manual clock and a seeded retry policy.
func makeClient(_ transport: any HTTPTransport, clock: ManualAshbyClock = ManualAshbyClock(),
                retry: RetryPolicy = RetryPolicy.ashbyClient(maxAttempts: 4, baseDelay: 1, maxDelay: 8, jitter: 0, totalBudget: 120, seed: 7))
    -> AshbyClient {
    AshbyClient(baseURL: "https://api.ashbyhq.test", apiKey: testKey(), transport: transport, retryPolicy: retry, clock: clock)
}

/// An Ashby error body as the simulator guidance describes it: both `errors` and `errorInfo`.
func errorEnvelope(_ code: String, message: String = "Something went wrong", requestId: String = "01TESTREQUEST") -> JSONValue {
    ["success": false, "errors": [.string(code)],
     "errorInfo": ["code": .string(code), "message": .string(message), "requestId": .string(requestId)]]
}

func successList(_ records: [JSONValue], more: Bool, cursor: String? = nil, syncToken: String? = nil) -> JSONValue {
    var object: JSONObject = ["success": true, "results": .array(records), "moreDataAvailable": .bool(more)]
    if let cursor { object["nextCursor"] = .string(cursor) }
    if let syncToken { object["syncToken"] = .string(syncToken) }
    return .object(object)
}

func record(_ id: Int) -> JSONValue {
    ["id": .string("00000000-0000-0000-0000-\(String(repeating: "0", count: 12 - String(id).count))\(id)"),
     "updatedAt": "2026-05-28T21:08:49.002Z"]
}

/// Locates the recorded real Ashby responses: `$HIRELEDGER_REFERENCE_DIR/ashby-recorded`, else
/// `../shared/reference/ashby-recorded` beside the package checkout.
enum Reference {
    static var recordedDirectory: String {
        if let env = getenv("HIRELEDGER_REFERENCE_DIR") { return String(cString: env) + "/ashby-recorded" }
        // #filePath = <package>/Tests/AshbyAPITests/TestSupport.swift
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        parts.removeLast()  // the package folder; the shared reference sits beside it
        return parts.joined(separator: "/") + "/shared/reference/ashby-recorded"
    }

    /// The path of one recording; records a test issue when the file is missing.
    static func recording(_ name: String) -> String {
        let path = recordedDirectory + "/" + name
        if access(path, R_OK) != 0 {
            Issue.record("Reference recording \(path) not found; set HIRELEDGER_REFERENCE_DIR to the folder holding ashby-recorded/")
        }
        return path
    }

    /// The parsed recording.
    static func load(_ name: String) throws -> JSONValue {
        let path = recording(name)
        guard let file = fopen(path, "rb") else { throw ReferenceMissing(path: path) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n == 0 { break }
            bytes += buffer[0..<n]
        }
        return try JSONValue.parse(bytes)
    }

    struct ReferenceMissing: Error { let path: String }
}

/// A transport error that says whether a retry may help, like CurlHTTP's `HTTPTransportError`.
struct FakeTransportError: RetryableError, CustomStringConvertible {
    var isRetryable: Bool
    var description: String { isRetryable ? "connection reset by peer" : "unsupported protocol" }
}

/// A transport that fails the test if it is ever called.
struct UnreachableTransport: HTTPTransport {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        Issue.record("unexpected request to \(request.url)")
        return HTTPResponse(status: 500)
    }
}

/// Creates a fresh temporary directory.
func makeTemporaryDirectory() -> String {
    var template = Array("/tmp/hireledger-ashbyapi-XXXXXX".utf8CString)
    let result = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(result != nil, "mkdtemp failed")
    return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

/// Writes `text` to `path` with permission bits `mode`.
func writeFile(_ path: String, _ text: String, mode: mode_t) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
    precondition(fd >= 0, "cannot create \(path)")
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    fchmod(fd, mode)
    close(fd)
}

/// A thread-safe list for collecting callbacks (progress reports) in tests.
final class CallbackLog<Element: Sendable>: @unchecked Sendable {
    // Invariant: `items` is only touched while `mutex` is held.
    private var items: [Element] = []
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init() { pthread_mutex_init(mutex, nil) }
    deinit { pthread_mutex_destroy(mutex); mutex.deallocate() }
    func append(_ item: Element) { pthread_mutex_lock(mutex); items.append(item); pthread_mutex_unlock(mutex) }
    var all: [Element] { pthread_mutex_lock(mutex); defer { pthread_mutex_unlock(mutex) }; return items }
}
