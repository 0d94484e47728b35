import HireLedgerCore
import Testing

/// Webhook URLs: the SSRF guard at registration in every spelling a host can take, and masking.
struct WebhookURLTests {
    /// Every one of these reaches this machine, the private network or a metadata service.
    static let refused = [
        "http://169.254.169.254/latest/meta-data/", "http://metadata.google.internal/computeMetadata/v1/",
        "http://METADATA.GOOGLE.INTERNAL./", "http://metadata.goog/", "http://localhost:8787/v1/subscriptions",
        "http://LocalHost./", "http://api.localhost/", "http://127.0.0.1:22/", "http://127.255.255.254/",
        "http://[::1]/", "http://[0:0:0:0:0:0:0:1]/", "http://[::ffff:7f00:1]/", "http://[::7f00:1]/",
        "http://[64:ff9b::7f00:1]/", "http://[2002:7f00:1::]/", "http://[fd00:ec2::254]/",
        "http://[fc00::1]/", "http://[fe80::1]/", "http://[::]/", "http://[ff02::1]/",
        "http://0.0.0.0/", "http://10.1.2.3/", "http://172.16.0.1/",
        "http://172.31.255.255/", "http://192.168.1.1/", "http://100.64.0.1/", "http://169.254.1.1/", "http://224.0.0.1/",
        "http://255.255.255.255/", "http://user:pw@127.0.0.1/", "https://x@[::1]:8443/hooks",
    ]

    /// Other spellings of special addresses: ambiguous, so refused whatever the policy.
    static let ambiguous = ["http://2130706433/", "http://0x7f000001/", "http://0177.0.0.1/", "http://0x7f.1/", "http://0x7F.0.0.1/",
                            "http://017700000001/", "http://0/", "http://127.1/", "http://3232235777/", "http://[::ffff:127.0.0.1]/",
                            "http://[::127.0.0.1]/", "http://[fe80::1%25eth0]/", "http://010.0.0.1/", "http://1.2.3.4./"]

    static let notHTTP = ["ftp://example.com/", "file:///etc/passwd", "gopher://example.com/", "javascript://x", "example.com/hooks",
                          "//example.com/", "dict://127.0.0.1:11211/"]

    static let invalidHosts = ["http://256.1.1.1/", "http://1.2.3.4.5/", "http://0x1ffffffff/", "http://1.2.3.09/", "http://[::1::2]/",
                               "http://[12345::]/", "http://exa%6dple.com/", "http://example.com:0/", "http://example.com:65536/",
                               "http://example.com:8o/", "http:///path", "http://:80/"]

    static let accepted = ["https://example.com/hooks/hireledger", "http://93.184.216.34/", "https://[2606:4700:4700::1111]/x",
                           "http://1.1.1.1:8080/x?y=1", "https://hooks.example.co.uk:8443/a/b#c", "http://8.8.8.8/", "http://172.32.0.1/",
                           "http://192.169.0.1/", "http://100.128.0.1/", "https://user:pass@example.com/h", "http://example.com./",
                           "HTTPS://Example.COM:65535/x?y#z", "http://a-b.example/",
                           // A delimiter followed by an emoji modifier or combining mark still delimits.
                           "http://example.com:16783?\u{1F3FB}x", "http://example.com/\u{301}?a#\u{1F3FB}"]

    @Test(arguments: refused)
    func specialUseAddressesAndNamesAreRefusedUnlessTheOperatorAllowsThem(url: String) {
        let problem = WebhookURL.problem(url)
        #expect(problem != nil, "\(url) was accepted")
        #expect(problem?.contains("--allow-private-webhooks") == true, "\(problem ?? "")")
        #expect(WebhookURL.problem(url, policy: .allowPrivate) == nil, "\(url): \(WebhookURL.problem(url, policy: .allowPrivate) ?? "")")
    }

    @Test(arguments: notHTTP + invalidHosts + ambiguous)
    func otherSchemesAndMalformedHostsAreRefusedUnderEitherPolicy(url: String) {
        #expect(WebhookURL.problem(url) != nil, "\(url)")
        #expect(WebhookURL.problem(url, policy: .allowPrivate) != nil, "\(url)")
    }

    @Test(arguments: accepted)
    func publicHostsAreAccepted(url: String) {
        #expect(WebhookURL.problem(url) == nil, "\(url): \(WebhookURL.problem(url) ?? "")")
    }

    @Test func numericSpellingsAreReadAsLibcurlAndBrowsersReadThem() {
        let loopback: [UInt8] = [127, 0, 0, 1]
        for host in ["2130706433", "0x7f000001", "0177.0.0.1", "0x7f.1", "127.1", "127.0.1", "017700000001", "127.0.0.1."] {
            #expect(WebhookURL.hostAddress(host) == .address(loopback), "\(host)")
        }
        #expect(WebhookURL.hostAddress("::ffff:127.0.0.1") == .address([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]))
        #expect(WebhookURL.hostAddress("example.com") == .name("example.com"))
        #expect(WebhookURL.hostAddress("1.example") == .name("1.example"))
        #expect(WebhookURL.hostAddress("example.1") == .invalidNumeric)
    }

    @Test func theConnectTimeCheckClassifiesRawAddresses() {
        let policy = WebhookAddressPolicy.publicOnly
        #expect(policy.refusal(forAddress: [169, 254, 169, 254])?.contains("metadata") == true)
        #expect(policy.refusal(forAddress: [127, 0, 0, 53]) != nil)
        #expect(policy.refusal(forAddress: [0xfd, 0, 0x0e, 0xc2] + [UInt8](repeating: 0, count: 10) + [2, 0x54]) != nil)
        #expect(policy.refusal(forAddress: [93, 184, 216, 34]) == nil)
        #expect(policy.refusal(forAddress: [0x26, 0x06, 0x47, 0] + [UInt8](repeating: 0, count: 11) + [1]) == nil)
        #expect(WebhookAddressPolicy.allowPrivate.refusal(forAddress: [127, 0, 0, 1]) == nil)
    }

    @Test func maskingHidesCredentialsQueryValuesAndFragments() {
        #expect(WebhookURL.masked("https://user:hunter2@example.com:8443/h/x?token=abc&x=1&flag#frag")
                == "https://***@example.com:8443/h/x?token=***&x=***&***#***")
        #expect(WebhookURL.masked("https://example.com/hooks") == "https://example.com/hooks")
        #expect(WebhookURL.masked("http://[::1]:80/?a=") == "http://[::1]:80/?a=***")
        #expect(WebhookURL.masked("not a url?token=x") == "***")
        let message = "HTTP POST http://127.0.0.1:1/h?token=s3cret failed: connectionRefused"
        #expect(WebhookURL.maskingURLs(in: message) == "HTTP POST http://127.0.0.1:1/h?token=*** failed: connectionRefused")
    }
}
