import CurlHTTP
import Foundation
import HireLedgerTestSupport
import Testing

/// `CurlTransport.Configuration.connectGuard`: the address actually connected to is vetted after DNS,
/// so a host name that resolves to a refused address is refused too (the webhook SSRF guard's second half).
struct ConnectGuardTests {
    /// Refuses loopback (127/8 and ::1), as the webhook policy does; records what it was asked.
    final class LoopbackRefuser: @unchecked Sendable {
        let lock = NSLock()
        var seen: [[UInt8]] = []
        var check: @Sendable ([UInt8]) -> String? {
            { address in
                self.lock.withLock { self.seen.append(address) }
                let loopback = (address.count == 4 && address[0] == 127) || address == [UInt8](repeating: 0, count: 15) + [1]
                return loopback ? "loopback is not allowed here" : nil
            }
        }
    }

    @Test(arguments: ["127.0.0.1", "localhost"])
    func aRefusedAddressFailsWithAddressRefusedAndNothingReachesTheServer(host: String) async throws {
        let server = try LoopbackHTTPServer(guardSeconds: 300) { _ in .respond(status: 204, headers: [], body: []) }
        defer { server.stop() }
        let refuser = LoopbackRefuser()
        let transport = try CurlTransport(configuration: .init(connectGuard: refuser.check))
        let url = "http://\(host):\(server.port)/hook?token=s3cret"
        do {
            _ = try await transport.send(HTTPRequest(method: "POST", url: url, body: Array("{}".utf8)))
            Issue.record("the request to \(host) went through")
        } catch let error as HTTPTransportError {
            #expect(error.kind == .addressRefused)
            #expect(error.detail.contains("loopback is not allowed here"))
            #expect(!error.isRetryable)
        }
        #expect(!refuser.lock.withLock { refuser.seen }.isEmpty, "the guard was never asked")
    }

    @Test func anAllowedAddressConnectsNormally() async throws {
        let server = try LoopbackHTTPServer(guardSeconds: 300) { _ in .respond(status: 204, headers: [], body: []) }
        defer { server.stop() }
        let transport = try CurlTransport(configuration: .init(connectGuard: { _ in nil }))
        let response = try await transport.send(HTTPRequest(method: "POST", url: server.baseURL + "/", body: Array("{}".utf8)))
        #expect(response.status == 204)
    }
}
