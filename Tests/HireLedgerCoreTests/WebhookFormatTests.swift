import HireLedgerCore
import Testing

struct WebhookFormatTests {
    @Test func base64RoundTripsEveryLengthAndMatchesRFC4648Vectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(Base64Codec.encode(Array(plain.utf8)) == encoded)
            #expect(Base64Codec.decode(encoded) == Array(plain.utf8))
        }
        for n in 0..<70 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base64Codec.decode(Base64Codec.encode(bytes)) == bytes)
        }
    }

    @Test(arguments: ["Zm9", "Zm=v", "Z===", "Zm9v!A==", "=Zm9"])
    func base64RefusesMalformedText(text: String) {
        #expect(Base64Codec.decode(text) == nil)
    }

    @Test func secretsParseAndNeverShowTheKey() throws {
        // The example secret of the Standard Webhooks specification.
        let secret = try WebhookSecret(encoded: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        #expect(secret.key.count == 24)
        #expect(secret.encoded == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        #expect(!secret.description.contains("MfKQ"))
        #expect(throws: WebhookSecretError.missingPrefix) { try WebhookSecret(encoded: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") }
        #expect(throws: WebhookSecretError.wrongKeySize(3)) { try WebhookSecret(encoded: "whsec_Zm9v") }
    }

    @Test func signatureHeaderListsOneEntryPerMacAndParsesBack() {
        let macs: [[UInt8]] = [[1, 2, 3], [4, 5, 6, 7]]
        let header = StandardWebhooks.signatureHeaderValue(macs: macs)
        #expect(header == "v1,AQID v1,BAUGBw==")
        #expect(StandardWebhooks.parseSignatures(header + " v2,xyz garbage") == macs)
        #expect(StandardWebhooks.signedContent(id: "msg_1", timestamp: 1_614_265_330, body: Array("{}".utf8)) == Array("msg_1.1614265330.{}".utf8))
    }

    @Test(arguments: [("https://example.com/hook", true), ("http://127.0.0.1:8080/x?token=1", true), ("ftp://example.com/", false),
                      ("file:///etc/passwd", false), ("example.com/hook", false), ("https:///nohost", false), ("https://exa mple.com/", false)])
    func webhookURLsMustBeHTTP(url: String, ok: Bool) {
        // Loopback receivers need the operator's opt-in (WebhookURLTests covers the address policy).
        #expect((WebhookURL.problem(url, policy: .allowPrivate) == nil) == ok)
    }
}
