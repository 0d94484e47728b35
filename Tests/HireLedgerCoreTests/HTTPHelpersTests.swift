import HireLedgerCore
import Testing

/// The helpers every part shares: one Retry-After parser, one base64 (both alphabets), one trim, one
/// retry policy in its two configurations, URL masking, JSON Pointer lookups.
struct HTTPHelpersTests {
    let now = Timestamp(iso8601: "1994-11-06T08:49:30.000Z")!

    @Test(arguments: ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
                      "sun, 06 nov 1994 08:49:37 GMT", "  Sun, 06 Nov 1994 08:49:37 GMT\t"])
    func retryAfterReadsEveryHTTPDateFormRFC9110Allows(_ text: String) {
        #expect(HTTPRetryAfter.seconds(text, now: now) == 7)
    }

    @Test func retryAfterReadsDelaySecondsAndNeverWaitsNegative() {
        #expect(HTTPRetryAfter.seconds("120", now: now) == 120)
        #expect(HTTPRetryAfter.seconds(" 1.5 ", now: now) == 1.5)
        #expect(HTTPRetryAfter.seconds("-3", now: now) == 0)
        #expect(HTTPRetryAfter.seconds("Sat, 05 Nov 1994 08:49:37 GMT", now: now) == 0)
    }

    @Test(arguments: ["", "soon", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
                      "Sun, 06 Nov 1994 08:49:37 UTC", "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun Nov 6 08:49 1994", "nan", "1e", "Sun, 6 Nov 1994 08:49:37 GMT"])
    func retryAfterRefusesWhatIsNeitherForm(_ text: String) {
        #expect(HTTPRetryAfter.seconds(text, now: now) == nil)
    }

    @Test func rfc850TwoDigitYearsMoreThanFiftyYearsAheadAreInThePast() {
        let in2026 = Timestamp(iso8601: "2026-03-01T00:00:00.000Z")!
        // 26 → 2026; 80 → 2080 would be 54 years ahead, so 1980.
        #expect(HTTPRetryAfter.date("Sunday, 01-Mar-26 00:00:10 GMT", now: in2026) == Timestamp(iso8601: "2026-03-01T00:00:10.000Z"))
        #expect(HTTPRetryAfter.date("Saturday, 01-Mar-80 00:00:00 GMT", now: in2026) == Timestamp(iso8601: "1980-03-01T00:00:00.000Z"))
        #expect(HTTPRetryAfter.date("Friday, 01-Mar-75 00:00:00 GMT", now: in2026) == Timestamp(iso8601: "2075-03-01T00:00:00.000Z"))
    }

    @Test func urlSafeBase64MatchesRFC4648AndRoundTrips() {
        // RFC 4648 §10 vectors, in the URL-safe alphabet without padding.
        let vectors = ["": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(Base64Codec.encode(Array(plain.utf8), .urlSafe) == encoded)
            #expect(Base64Codec.decode(encoded, .urlSafe) == Array(plain.utf8))
        }
        let bytes: [UInt8] = [0xfb, 0xff, 0xbf, 0xfe]
        #expect(Base64Codec.encode(bytes) == "+/+//g==")
        #expect(Base64Codec.encode(bytes, .urlSafe) == "-_-__g")
        for n in 0..<70 {
            let input = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 53 &+ 7) }
            #expect(Base64Codec.decode(Base64Codec.encode(input, .urlSafe), .urlSafe) == input)
        }
        #expect(Base64Codec.decode("Zm9v+", .urlSafe) == nil)
        #expect(Base64Codec.decode("Zg==", .urlSafe) == nil)
        #expect(Base64Codec.decode("Zm9vY", .urlSafe) == nil)
        #expect(Base64Codec.decode("-_-__g==") == nil)
    }

    @Test func trimmingDropsUnicodeWhitespaceAndTheByteOrderMarkOnly() {
        #expect("\u{FEFF} key-123 \r\n".trimmingWhitespace() == "key-123")
        #expect("\t\u{00A0}a b\u{2003}".trimmingWhitespace() == "a b")
        #expect("   ".trimmingWhitespace() == "")
        #expect("x".dropFirst(0).trimmingWhitespace() == "x")
    }

    @Test func retryPolicyConfigurationsKeepTheirSchedules() {
        let ashby = RetryPolicy.ashbyClient(maxAttempts: 6, baseDelay: 0.5, maxDelay: 30, jitter: 0.5, totalBudget: 300, seed: 1)
        #expect((1...8).map { ashby.delay(afterFailures: $0, unit: 0) } == [0.5, 1, 2, 4, 8, 16, 30, 30])
        #expect(ashby.delay(afterFailures: 3, unit: 0.5) == 1.5)   // down by up to half, never up
        #expect(RetryPolicy.ashbyClient(baseDelay: 60, jitter: 0).delay(afterFailures: 1, unit: 0) == 30)
        #expect(RetryPolicy.ashbyClient(baseDelay: 0, jitter: 0).delay(afterFailures: 4, unit: 0.3) == 0)
        #expect(RetryPolicy.none.maxAttempts == 1)

        let hooks = RetryPolicy.webhookDelivery()
        #expect((1...12).map { hooks.baseDelay(afterFailures: $0) } == [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600])
        #expect(hooks.delay(afterFailures: 2, unit: 0) == 8 && hooks.delay(afterFailures: 2, unit: 0.5) == 10)
        #expect(hooks.maxAttempts == .max && hooks.giveUpAfter == 24 * 3600 && hooks.maxRetryAfter == 6 * 3600)
        // The keyed jitter of webhook deliveries is what it was before the two policies became one.
        #expect(hooks.delay(afterFailures: 3, subscription: "sub_1", position: LogPosition(42)) == 20 * (1 + 0.2 * (2 * Self.oldUnit(failures: 3, subscription: "sub_1", position: 42) - 1)))
    }

    /// The webhook jitter draw as `WebhookRetryPolicy` computed it.
    static func oldUnit(failures: Int, subscription: String, position: UInt64) -> Double {
        var h: UInt64 = 0x5eed_0f_4e_11ed_9e4 ^ (position &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(failures)
        for byte in subscription.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        var z = h &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }

    @Test(arguments: [
        ("https://user:pw@example.com/hooks?key=k", "https://example.com/…"),
        ("http://127.0.0.1:8080/a/b", "http://127.0.0.1:8080/…"),
        ("https://example.com", "https://example.com"),
        ("https://example.com/", "https://example.com/"),
        ("https://example.com?token=t", "https://example.com/…"),
        ("not a url", "<invalid URL>"),
    ])
    func webhookURLsAreMaskedToSchemeHostAndPort(_ pair: (String, String)) {
        #expect(WebhookURL.originOnly(pair.0) == pair.1)
    }

    @Test func jsonPointersResolveEscapeAndRefuseBadIndexes() throws {
        let doc = try JSONValue.parse(Array(#"{"a/b":{"m~n":[10,20,{"x":null}]},"":1}"#.utf8))
        #expect(JSONPointer("/a~1b/m~0n/1")?.resolve(in: doc) == 20)
        #expect(JSONPointer("/a~1b/m~0n/2/x")?.resolve(in: doc) == .some(.null))
        #expect(JSONPointer("/")?.resolve(in: doc) == 1)
        #expect(JSONPointer("")?.resolve(in: doc) == doc)
        #expect(JSONPointer("/a~1b/m~0n/01")?.resolve(in: doc) == nil)
        #expect(JSONPointer("/a~1b/m~0n/3")?.resolve(in: doc) == nil)
        #expect(JSONPointer("/missing")?.resolve(in: doc) == nil)
        #expect(JSONPointer("a") == nil && JSONPointer("/~2") == nil)
        #expect(JSONPointer(tokens: ["a/b", "m~n"]).description == "/a~1b/m~0n")
        #expect(JSONPointer.escape("~/") == "~0~1")
    }
}
