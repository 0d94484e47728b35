import CurlHTTP
import Foundation

/// The server tests' client: CurlHTTP's libcurl transport, one per test, plus Basic auth and JSON bodies.
struct LoopbackClient {
    let baseURL: String
    let transport: CurlTransport

    init(baseURL: String) throws {
        self.baseURL = baseURL
        transport = try CurlTransport(configuration: .init(connectTimeout: 5, timeout: 30))
    }

    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
    }

    func send(_ path: String, method: String = "POST", key: String?, body: String = "{}") async throws -> Reply {
        var headers: [(name: String, value: String)] = []
        if method == "POST" { headers.append(("Content-Type", "application/json")) }
        if let key { headers.append(("Authorization", "Basic " + Data("\(key):".utf8).base64EncodedString())) }
        let response = try await transport.send(HTTPRequest(method: method, url: baseURL + path, headers: headers,
                                                            body: method == "POST" ? Array(body.utf8) : []))
        var out: [String: String] = [:]
        for (name, value) in response.headers { out[name.lowercased()] = value }
        return Reply(status: response.status, headers: out, body: response.body)
    }
}
