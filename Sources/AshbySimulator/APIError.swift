/// A logical API error: Ashby's error code, a message, and the HTTP status it travels with
/// (200 for everything Ashby reports inside the envelope).
struct APIError: Error {
    var code: String
    var message: String
    var status: Int = 200

    static func invalidInput(_ message: String) -> APIError { APIError(code: "invalid_input", message: message) }
    static func notFound(_ code: String, _ message: String) -> APIError { APIError(code: code, message: message) }
}
