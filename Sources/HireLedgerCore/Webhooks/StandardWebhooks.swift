/// The message format of Standard Webhooks (https://www.standardwebhooks.com): which bytes are signed
/// and how signatures travel in headers. Pure: the HMAC itself is computed by `WebhookSigner` in the
/// engine, with a maintained crypto library.
///
/// Headers: `webhook-id` (the message id; for HireLedger the event id `<storeId>:<seq>`),
/// `webhook-timestamp` (Unix seconds when the attempt was signed) and `webhook-signature`, a
/// space-separated list of `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`, one per secret in
/// use (two while a rotated secret is still valid).
public enum StandardWebhooks {
    public static let idHeader = "webhook-id"
    public static let timestampHeader = "webhook-timestamp"
    public static let signatureHeader = "webhook-signature"
    /// The only signature version this implementation writes (symmetric HMAC-SHA256).
    public static let signatureVersion = "v1"

    /// The bytes that are signed: `{id}.{timestamp}.{body}`.
    public static func signedContent(id: String, timestamp: Int64, body: some Collection<UInt8>) -> [UInt8] {
        var out = Array("\(id).\(timestamp).".utf8)
        out.append(contentsOf: body)
        return out
    }

    /// The `webhook-signature` value for the given MACs, in the given order.
    public static func signatureHeaderValue(macs: [[UInt8]]) -> String {
        macs.map { signatureVersion + "," + Base64Codec.encode($0) }.joined(separator: " ")
    }

    /// The `v1` signatures in a `webhook-signature` value (decoded MACs); other versions and malformed
    /// entries are skipped, as the specification asks of verifiers.
    public static func parseSignatures(_ header: String) -> [[UInt8]] {
        header.split(separator: " ").compactMap { entry -> [UInt8]? in
            let parts = entry.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == signatureVersion[...] else { return nil }
            return Base64Codec.decode(String(parts[1]))
        }
    }

    /// Compares two MACs in time that does not depend on where they first differ.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
