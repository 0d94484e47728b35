/// A Standard Webhooks signing secret: `whsec_` followed by the base64 of the key bytes. The HMAC key
/// is the decoded bytes, not the text.
///
/// `description` never shows the key, so a secret that ends up in a log or an error message leaks
/// nothing; `encoded` is the only way to get the text, for showing it once to the person who asked.
public struct WebhookSecret: Sendable, Hashable, CustomStringConvertible {
    /// The prefix every encoded secret carries.
    public static let prefix = "whsec_"
    /// Key sizes Standard Webhooks accepts (bytes).
    public static let keySizes = 24...64

    /// The HMAC key.
    public let key: [UInt8]

    /// A secret from raw key bytes. Precondition: `key.count` in `keySizes` (a programmer error otherwise).
    public init(key: [UInt8]) {
        precondition(WebhookSecret.keySizes.contains(key.count), "webhook secret keys are 24 to 64 bytes")
        self.key = key
    }

    /// Parses `whsec_<base64>`.
    public init(encoded text: String) throws(WebhookSecretError) {
        guard text.hasPrefix(WebhookSecret.prefix) else { throw .missingPrefix }
        guard let key = Base64Codec.decode(String(text.dropFirst(WebhookSecret.prefix.count))) else { throw .notBase64 }
        guard WebhookSecret.keySizes.contains(key.count) else { throw .wrongKeySize(key.count) }
        self.key = key
    }

    /// A new secret of 32 random bytes from `generator`.
    public static func random(using generator: inout some RandomNumberGenerator) -> WebhookSecret {
        WebhookSecret(key: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// `whsec_<base64>`: the form given to the receiver. Show it once; never log it.
    public var encoded: String { WebhookSecret.prefix + Base64Codec.encode(key) }

    public var description: String { "whsec_<redacted \(key.count) bytes>" }
}

/// Why a text is not a Standard Webhooks secret. The messages never repeat the text itself.
public enum WebhookSecretError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingPrefix
    case notBase64
    case wrongKeySize(Int)

    public var description: String {
        switch self {
        case .missingPrefix:
            return "a webhook secret must start with \"whsec_\" followed by base64 (as Standard Webhooks defines); "
                + "omit the secret to have one generated"
        case .notBase64:
            return "the part of the webhook secret after \"whsec_\" is not valid padded base64"
        case .wrongKeySize(let n):
            return "a webhook secret must decode to 24 to 64 bytes; this one decodes to \(n)"
        }
    }
}
