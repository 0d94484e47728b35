import CurlHTTP
import HireLedgerCore

/// The HTTP transport webhook deliveries go through in `serve` and `deliver`.
public enum WebhookTransport {
    /// A `CurlTransport` that follows no redirects and, under `.publicOnly`, refuses at connect time
    /// every address the policy refuses (checked on the address actually connected, after DNS, so a
    /// name that resolves to a private address later is still refused).
    public static func make(timeout: Double, policy: WebhookAddressPolicy) throws -> CurlTransport {
        var configuration = CurlTransport.Configuration(timeout: timeout, followRedirects: false)
        if policy == .publicOnly {
            configuration.connectGuard = { address in policy.refusal(forAddress: address) }
        }
        return try CurlTransport(configuration: configuration)
    }
}
