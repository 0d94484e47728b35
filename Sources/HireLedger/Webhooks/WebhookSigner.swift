import Crypto
import HireLedgerCore

/// Signs and verifies Standard Webhooks messages (HMAC-SHA256 via swift-crypto; the message format is
/// `StandardWebhooks` in the core).
public enum WebhookSigner {
    /// The HMAC-SHA256 of `{id}.{timestamp}.{body}` under `secret`.
    public static func mac(secret: WebhookSecret, id: String, timestamp: Int64, body: [UInt8]) -> [UInt8] {
        let content = StandardWebhooks.signedContent(id: id, timestamp: timestamp, body: body)
        return Array(HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: secret.key)))
    }

    /// The three Standard Webhooks headers for one message, with one `v1` signature per secret (in the
    /// order given: the newest first during a rotation overlap).
    public static func headers(secrets: [WebhookSecret], id: String, timestamp: Int64,
                               body: [UInt8]) -> [(name: String, value: String)] {
        let macs = secrets.map { mac(secret: $0, id: id, timestamp: timestamp, body: body) }
        return [(StandardWebhooks.idHeader, id),
                (StandardWebhooks.timestampHeader, String(timestamp)),
                (StandardWebhooks.signatureHeader, StandardWebhooks.signatureHeaderValue(macs: macs))]
    }

    /// Checks a received message the way a Standard Webhooks receiver must: the timestamp is within
    /// `tolerance` seconds of `now`, and at least one `v1` signature matches (constant-time compare).
    public static func verify(secret: WebhookSecret, id: String, timestamp: String, signatureHeader: String,
                              body: [UInt8], now: Timestamp, tolerance: Int64 = 300) throws(WebhookVerificationError) {
        guard let ts = Int64(timestamp) else { throw .badTimestamp }
        let nowSeconds = now.millisecondsSinceEpoch / 1000
        guard abs(nowSeconds - ts) <= tolerance else { throw .timestampOutOfTolerance(seconds: nowSeconds - ts) }
        let expected = mac(secret: secret, id: id, timestamp: ts, body: body)
        let given = StandardWebhooks.parseSignatures(signatureHeader)
        guard !given.isEmpty else { throw .noSignature }
        guard given.contains(where: { StandardWebhooks.constantTimeEqual($0, expected) }) else { throw .noMatchingSignature }
    }
}

/// Why a received webhook was refused by `WebhookSigner.verify`.
public enum WebhookVerificationError: Error, Sendable, Equatable, CustomStringConvertible {
    case badTimestamp
    case timestampOutOfTolerance(seconds: Int64)
    case noSignature
    case noMatchingSignature

    public var description: String {
        switch self {
        case .badTimestamp: return "webhook-timestamp is not a whole number of Unix seconds"
        case .timestampOutOfTolerance(let s): return "webhook-timestamp is \(s) s away from now, outside the tolerance (replay protection)"
        case .noSignature: return "webhook-signature holds no v1 signature"
        case .noMatchingSignature: return "no v1 signature in webhook-signature matches the secret"
        }
    }
}
