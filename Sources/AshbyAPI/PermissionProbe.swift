import HireLedgerCore

/// Checks which of the six required read permissions an API key holds, by calling one cheap endpoint
/// per permission (ASHBY_API.md §7), and lists the key's scopes when `apiKey.info` answers.
///
/// `apiKey.info` needs 'API Keys: Read', which HireLedger does not require, so for most keys it is
/// refused; the probe calls are the authoritative answer either way. Makes seven requests, one at a time.
public struct PermissionProbe: Sendable {
    /// The request that tests one permission.
    public struct Probe: Sendable {
        public var permission: AshbyPermission
        public var method: String
        public var body: JSONValue
    }

    /// One cheap call per required permission.
    public static let probes: [Probe] = [
        Probe(permission: .jobsRead, method: "job.list", body: ["limit": 1]),
        Probe(permission: .candidatesRead, method: "candidate.list", body: ["limit": 1]),
        Probe(permission: .interviewsRead, method: "interview.list", body: ["limit": 1]),
        Probe(permission: .hiringProcessMetadataRead, method: "archiveReason.list", body: [:]),
        Probe(permission: .organizationRead, method: "department.list", body: ["limit": 1]),
        Probe(permission: .offersRead, method: "offer.list", body: ["limit": 1]),
    ]

    public let client: AshbyClient

    public init(client: AshbyClient) { self.client = client }

    /// Runs every probe and `apiKey.info`.
    ///
    /// Throws only when the key itself is rejected (`AshbyError.unauthorized`/`.invalidKey`) or Ashby
    /// cannot be reached (`.transport`), since then no permission can be judged. Any other failure of
    /// a probe is reported as `.undetermined` with its message.
    public func run() async throws -> PermissionReport {
        var entries: [PermissionReport.Entry] = []
        for probe in PermissionProbe.probes {
            let status: PermissionReport.Status
            do {
                _ = try await client.post(probe.method, body: probe.body)
                status = .granted
            } catch let error as AshbyError {
                switch error {
                case .missingPermission: status = .missing
                case .unauthorized, .invalidKey, .transport: throw error
                default: status = .undetermined(error.description)
                }
            }
            entries.append(PermissionReport.Entry(permission: probe.permission, required: true, status: status,
                                                  probedWith: probe.method))
        }

        var keyInfo: AshbyKeyInfo?
        var keyInfoNote: String?
        do {
            keyInfo = try await client.apiKeyInfo()
        } catch let error as AshbyError {
            switch error {
            case .missingPermission:
                keyInfoNote = "The key's other scopes can't be listed: apiKey.info needs 'API Keys: Read', which "
                    + "HireLedger does not need (that is fine). The probes above are what counts."
            case .unauthorized, .invalidKey, .transport: throw error
            default:
                keyInfoNote = "apiKey.info failed, so the key's other scopes can't be listed: \(error.description)"
            }
        }
        return PermissionReport(entries: entries, keyInfo: keyInfo, keyInfoNote: keyInfoNote, keyFingerprint: client.apiKey.fingerprint)
    }
}

/// What `PermissionProbe` found. Rendering is the caller's job; `summaryLines` is a plain default.
public struct PermissionReport: Sendable {
    public enum Status: Sendable, Hashable {
        case granted
        case missing
        /// The probe failed for another reason (message attached); re-run `doctor`.
        case undetermined(String)
    }

    public struct Entry: Sendable {
        public var permission: AshbyPermission
        public var required: Bool
        public var status: Status
        /// The endpoint the probe called.
        public var probedWith: String
        /// What HireLedger cannot record without this permission.
        public var consequence: String { permission.consequenceIfMissing }
    }

    /// One entry per required permission, in `AshbyPermission.required` order.
    public var entries: [Entry]
    /// `apiKey.info`'s answer, when the key may call it.
    public var keyInfo: AshbyKeyInfo?
    /// Why `keyInfo` is nil.
    public var keyInfoNote: String?
    public var keyFingerprint: String

    public var missingRequired: [AshbyPermission] { entries.filter { $0.status == .missing }.map(\.permission) }
    public var undetermined: [AshbyPermission] {
        entries.filter { if case .undetermined = $0.status { return true } else { return false } }.map(\.permission)
    }
    /// True when every required permission was confirmed granted.
    public var allRequiredGranted: Bool { entries.allSatisfy { $0.status == .granted } }
    /// Write permissions the key holds (known only when `apiKey.info` answered). HireLedger never
    /// writes; an admin should remove them.
    public var unneededWritePermissions: [AshbyPermission] { keyInfo?.writePermissions ?? [] }

    /// A plain-text report, one line per finding.
    public var summaryLines: [String] {
        var lines = ["API key \(keyFingerprint):"]
        for entry in entries {
            switch entry.status {
            case .granted: lines.append("  ok       \(entry.permission.adminName)")
            case .missing:
                lines.append("  MISSING  \(entry.permission.adminName): without it HireLedger cannot record \(entry.consequence). "
                    + entry.permission.grantInstruction + ".")
            case .undetermined(let why): lines.append("  ?        \(entry.permission.adminName): could not check (\(why))")
            }
        }
        if let keyInfo {
            let title = keyInfo.title.map { "'\($0)' " } ?? ""
            lines.append("  Key \(title)scopes: \(keyInfo.scopes.joined(separator: ", "))")
            if !unneededWritePermissions.isEmpty {
                lines.append("  WARNING  the key can write (\(unneededWritePermissions.map(\.adminName).joined(separator: ", "))); "
                    + "HireLedger only reads. Remove write permissions in Ashby: Admin → Integrations → API Keys.")
            }
        } else if let keyInfoNote {
            lines.append("  " + keyInfoNote)
        }
        return lines
    }
}
