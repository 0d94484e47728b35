import CurlHTTP
import Foundation
import HireLedgerTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

struct CurlTransportTests {
    /// Echo: status 201, the body back, and what the server saw of the request in X-Seen-* headers.
    private static let echo: @Sendable (LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Reply = { request in
        .respond(status: 201, headers: [
            ("Content-Type", "application/json"),
            ("X-Seen-Method", request.method),
            ("X-Seen-Path", request.path),
            ("X-Seen-Custom", request.header("X-Custom") ?? "-"),
            ("X-Seen-Content-Type", request.header("Content-Type") ?? "-"),
            ("X-Seen-Expect", request.header("Expect") ?? "-"),
            ("X-Seen-Accept-Encoding", request.header("Accept-Encoding") ?? "-"),
        ], body: request.body)
    }

    private func error(from body: () async throws -> HTTPResponse) async -> (any Error)? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error
        }
    }

    @Test func postRoundTripsStatusHeadersAndBody() async throws {
        let server = try LoopbackHTTPServer(guardSeconds: 300, handler: Self.echo)
        defer { server.stop() }
        let transport = try CurlTransport()
        let json = Array(#"{"limit":100,"cursor":"abc\u0000def","note":"héllo"}"#.utf8)
        let response = try await transport.send(HTTPRequest(
            method: "POST", url: server.baseURL + "/candidate.list?x=1",
            headers: [("Content-Type", "application/json"), ("X-Custom", "value with spaces")],
            body: json))

        #expect(response.status == 201)
        #expect(response.body == json)
        #expect(response.header("content-type") == "application/json")
        #expect(response.header("X-SEEN-METHOD") == "POST")
        #expect(response.header("x-seen-path") == "/candidate.list?x=1")
        #expect(response.header("x-seen-custom") == "value with spaces")
        #expect(response.header("x-seen-content-type") == "application/json")
        #expect(response.header("x-seen-expect") == "-")
    }

    @Test func getAndOtherMethodsSendTheirMethodAndBody() async throws {
        let server = try LoopbackHTTPServer(guardSeconds: 300, handler: Self.echo)
        defer { server.stop() }
        let transport = try CurlTransport()
        let get = try await transport.send(HTTPRequest(url: server.baseURL + "/get"))
        #expect(get.header("x-seen-method") == "GET")
        #expect(get.body.isEmpty)
        let put = try await transport.send(HTTPRequest(method: "put", url: server.baseURL + "/put", body: [1, 2, 3]))
        #expect(put.header("x-seen-method") == "PUT")
        #expect(put.body == [1, 2, 3])
        let emptyPost = try await transport.send(HTTPRequest(method: "POST", url: server.baseURL + "/p"))
        #expect(emptyPost.header("x-seen-method") == "POST")
        #expect(emptyPost.body.isEmpty)
        // libcurl's default form content type is suppressed when the caller sets none.
        #expect(emptyPost.header("x-seen-content-type") == "-")
    }

    @Test func httpErrorStatusIsAResponseNotAnError() async throws {
        let server = try LoopbackHTTPServer(guardSeconds: 300) { _ in .respond(status: 503, headers: [("Retry-After", "2")], body: Array("busy".utf8)) }
        defer { server.stop() }
        let response = try await CurlTransport().send(HTTPRequest(method: "POST", url: server.baseURL + "/"))
        #expect(response.status == 503)
        #expect(response.header("retry-after") == "2")
        #expect(response.body == Array("busy".utf8))
    }

    @Test func gzipEncodedBodyArrivesDecoded() async throws {
        let plain = Array(String(repeating: #"{"id":"0f3c","name":"Ada Lovelace"},"#, count: 4000).utf8)
        let encoded = Gzip.storedMember(plain)
        let server = try LoopbackHTTPServer(guardSeconds: 300) { request in
            guard request.header("Accept-Encoding")?.contains("gzip") == true else {
                return .respond(status: 400, body: Array("client did not offer gzip".utf8))
            }
            return .respond(status: 200, headers: [("Content-Encoding", "gzip")], body: encoded)
        }
        defer { server.stop() }
        let response = try await CurlTransport().send(HTTPRequest(method: "POST", url: server.baseURL + "/"))
        #expect(response.status == 200)
        #expect(response.header("content-encoding") == "gzip")
        #expect(encoded != plain)
        // Compared as one Bool so a failure does not print 150 kB of bytes.
        let decodedMatches = response.body == plain
        #expect(decodedMatches, "client got \(response.body.count) bytes, expected the \(plain.count) decoded bytes")
    }

    @Test func slowServerTimesOutWithTimedOutError() async throws {
        let server = try LoopbackHTTPServer(guardSeconds: 300) { _ in .hang }
        defer { server.stop() }
        let transport = try CurlTransport()
        let url = server.baseURL + "/slow"
        let error = await error { try await transport.send(HTTPRequest(method: "POST", url: url, timeout: 0.3)) }
        let transportError = try #require(error as? HTTPTransportError)
        // Had the timeout not fired, the server would give up after 10 s and curl would report 52.
        #expect(transportError.kind == .timedOut)
        #expect(transportError.curlCode == 28)
        #expect(transportError.isRetryable)
        #expect(transportError.description.contains(url))
    }

    @Test func refusedConnectionGivesClearErrorWithoutCredentials() async throws {
        // A port that was just bound and released: nobody listens there.
        let (fd, port) = try LoopbackHTTPServer.bindLoopback()
        close(fd)
        let transport = try CurlTransport()
        let error = await error {
            try await transport.send(HTTPRequest(
                method: "POST", url: "http://apikey:s3cret@127.0.0.1:\(port)/candidate.list",
                headers: [("Authorization", "Basic c2VjcmV0LWtleQ==")]))
        }
        let transportError = try #require(error as? HTTPTransportError)
        #expect(transportError.kind == .connectionRefused)
        #expect(transportError.curlCode == 7)
        #expect(transportError.isRetryable)
        let text = transportError.description
        #expect(text.contains("POST http://127.0.0.1:\(port)/candidate.list"))
        #expect(text.contains("Couldn't connect to server"))
        #expect(!text.contains("s3cret"))
        #expect(!text.contains("apikey"))
        #expect(!text.contains("c2VjcmV0LWtleQ"))
    }

    @Test func sequentialRequestsReuseOneConnection() async throws {
        let server = try LoopbackHTTPServer(guardSeconds: 300, handler: Self.echo)
        defer { server.stop() }
        let transport = try CurlTransport()
        for i in 0..<100 {
            let body = Array(#"{"page":\#(i)}"#.utf8)
            let response = try await transport.send(HTTPRequest(
                method: "POST", url: server.baseURL + "/list", headers: [("Content-Type", "application/json")],
                body: body))
            #expect(response.body == body)
        }
        #expect(server.acceptedConnections == 1)
        let statistics = transport.statistics
        #expect(statistics.requestsCompleted == 100)
        #expect(statistics.requestsFailed == 0)
        #expect(statistics.connectionsOpened == 1)
    }

    @Test func cancellingTheTaskAbortsTheTransferAndThrowsCancellationError() async throws {
        let server = try LoopbackHTTPServer(guardSeconds: 300) { _ in .hang }
        defer { server.stop() }
        let transport = try CurlTransport(configuration: .init(timeout: 30))
        let url = server.baseURL + "/hang"
        let task = Task { try await transport.send(HTTPRequest(method: "POST", url: url)) }
        #expect(await server.events.first(.requestReceived(path: "/hang")))
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        // The connection was really dropped, not merely abandoned: the server saw the client close it
        // (a transfer left running would only end by the server's 10 s guard, which reports nothing).
        #expect(await server.events.first(.clientClosedWhileHanging(path: "/hang")))
    }

    @Test func alreadyCancelledTaskSendsNothing() async throws {
        let server = try LoopbackHTTPServer(guardSeconds: 300, handler: Self.echo)
        defer { server.stop() }
        let transport = try CurlTransport()
        let url = server.baseURL
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await transport.send(HTTPRequest(url: url))
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(server.acceptedConnections == 0)
    }

    @Test func concurrentRequestsFromManyTasksAllCompleteCorrectly() async throws {
        let server = try LoopbackHTTPServer(guardSeconds: 300, handler: Self.echo)
        defer { server.stop() }
        let transport = try CurlTransport(configuration: .init(maximumConnectionsPerHost: 4))
        let url = server.baseURL
        let bodies = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            for i in 0..<32 {
                group.addTask {
                    let body = Array("request \(i) ".utf8) + [UInt8](repeating: UInt8(i), count: i * 1000)
                    let response = try await transport.send(HTTPRequest(method: "POST", url: url + "/\(i)", body: body))
                    #expect(response.header("x-seen-path") == "/\(i)")
                    return (i, response.body)
                }
            }
            var results: [Int: [UInt8]] = [:]
            for try await (i, body) in group { results[i] = body }
            return results
        }
        #expect(bodies.count == 32)
        for (i, body) in bodies {
            #expect(body == Array("request \(i) ".utf8) + [UInt8](repeating: UInt8(i), count: i * 1000))
        }
        #expect(server.acceptedConnections <= 4)
    }

    @Test func serverClosingWithoutAnswerIsARetryableReset() async throws {
        let server = try LoopbackHTTPServer(guardSeconds: 300) { _ in .closeWithoutResponse }
        defer { server.stop() }
        let url = server.baseURL + "/drop"
        let error = await error { try await CurlTransport().send(HTTPRequest(method: "POST", url: url)) }
        let transportError = try #require(error as? HTTPTransportError)
        #expect(transportError.kind == .connectionReset)
        #expect(transportError.curlCode == 52)
        #expect(transportError.isRetryable)
        #expect(transportError.description.contains(url))
    }

    @Test func truncatedBodyIsARetryableError() async throws {
        let server = try LoopbackHTTPServer(guardSeconds: 300) { _ in .truncated(declaredLength: 1000, body: Array("{\"partial\":".utf8)) }
        defer { server.stop() }
        let error = await error { try await CurlTransport().send(HTTPRequest(method: "POST", url: server.baseURL)) }
        let transportError = try #require(error as? HTTPTransportError)
        #expect(transportError.kind == .connectionReset)
        #expect(transportError.curlCode == 18)
        #expect(transportError.isRetryable)
    }

    @Test func keepAliveConnectionClosedByServerIsReplacedTransparently() async throws {
        let server = try LoopbackHTTPServer(guardSeconds: 300) { request in .respond(status: 200, body: request.body, closeAfter: true) }
        defer { server.stop() }
        let transport = try CurlTransport()
        for i in 0..<3 {
            let response = try await transport.send(HTTPRequest(method: "POST", url: server.baseURL, body: [UInt8(i)]))
            #expect(response.body == [UInt8(i)])
        }
        #expect(server.acceptedConnections == 3)
    }

    @Test func transportsCanBeCreatedUsedAndDroppedRepeatedly() async throws {
        // Each transport owns a driver thread and a multi handle; dropping it must tear both down
        // without touching freed handles (a crash here is URLSession's _MultiHandle bug family).
        let server = try LoopbackHTTPServer(guardSeconds: 300, handler: Self.echo)
        defer { server.stop() }
        for i in 0..<20 {
            let transport = try CurlTransport()
            let response = try await transport.send(HTTPRequest(method: "POST", url: server.baseURL, body: [UInt8(i)]))
            #expect(response.body == [UInt8(i)])
        }
        #expect(server.acceptedConnections == 20)
    }

    @Test func oversizedResponseFailsWithResponseTooLarge() async throws {
        let server = try LoopbackHTTPServer(guardSeconds: 300) { _ in .respond(status: 200, body: [UInt8](repeating: 7, count: 100_000)) }
        defer { server.stop() }
        let transport = try CurlTransport(configuration: .init(maximumResponseBytes: 10_000))
        let error = await error { try await transport.send(HTTPRequest(url: server.baseURL)) }
        let transportError = try #require(error as? HTTPTransportError)
        #expect(transportError.kind == .responseTooLarge)
        #expect(!transportError.isRetryable)
        #expect(transportError.description.contains("10000 bytes"))
    }

    @Test func headerValueWithLineBreakIsRejectedWithoutEchoingIt() async throws {
        let server = try LoopbackHTTPServer(guardSeconds: 300, handler: Self.echo)
        defer { server.stop() }
        let url = server.baseURL
        let error = await error {
            try await CurlTransport().send(HTTPRequest(
                url: url, headers: [("Authorization", "Bearer tok\r\nX-Injected: 1")]))
        }
        let transportError = try #require(error as? HTTPTransportError)
        #expect(transportError.kind == .invalidRequest)
        #expect(transportError.curlCode == nil)
        #expect(!transportError.description.contains("tok"))
        #expect(transportError.description.contains("Authorization"))
        #expect(server.acceptedConnections == 0)
    }

    @Test func malformedURLIsAnInvalidRequest() async throws {
        let error = await error { try await CurlTransport().send(HTTPRequest(url: "ftp://example.invalid/file")) }
        let transportError = try #require(error as? HTTPTransportError)
        #expect(transportError.kind == .invalidRequest)
        #expect(transportError.curlCode == 1)
        #expect(!transportError.isRetryable)
    }

    @Test(arguments: [
        ("https://user:pass@api.ashbyhq.com/candidate.list", "https://api.ashbyhq.com/candidate.list"),
        ("http://key:@127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.0.0.1:8080/a@b?c=d@e", "http://127.0.0.1:8080/a@b?c=d@e"),
        ("https://api.ashbyhq.com/x", "https://api.ashbyhq.com/x"),
        ("not a url", "not a url"),
    ])
    func redactionRemovesOnlyUserInfo(url: String, expected: String) {
        #expect(HTTPTransportError.redacting(url: url) == expected)
    }

    @Test(arguments: [(7, true), (28, true), (6, true), (52, true), (55, true), (56, true), (18, true),
                      (16, true), (92, true), (35, false), (60, false), (1, false), (42, false)])
    func retryableCurlCodes(code: Int, retryable: Bool) {
        let error = HTTPTransportError(kind: HTTPTransportError.classify(curlCode: code), curlCode: code,
                                       method: "POST", url: "http://h/", detail: "d")
        #expect(error.isRetryable == retryable)
    }
}
