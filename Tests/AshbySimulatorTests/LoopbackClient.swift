import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A minimal HTTP client for the server tests until CurlHTTP's transport lands: one shared URLSession
/// (never torn down, which avoids FoundationNetworking's teardown crashes), POST or GET, whole body.
struct LoopbackClient {
    let baseURL: String

    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
    }

    func send(_ path: String, method: String = "POST", key: String?, body: String = "{}") async throws -> Reply {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        if method == "POST" {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let key { request.setValue("Basic " + Data("\(key):".utf8).base64EncodedString(), forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields { headers[String(describing: k).lowercased()] = String(describing: v) }
        return Reply(status: http.statusCode, headers: headers, body: [UInt8](data))
    }
}
