/// An Ashby API key permission ("module: Read/Write"), with Ashby's three spellings.
public enum AshbyPermission: String, CaseIterable, Sendable, Hashable, Comparable {
    case jobsRead, jobsWrite
    case candidatesRead, candidatesWrite
    case interviewsRead, interviewsWrite
    case hiringProcessMetadataRead, hiringProcessMetadataWrite
    case organizationRead, organizationWrite
    case offersRead, offersWrite
    case apiKeysRead, apiKeysWrite
    case approvalsRead, reportsRead

    /// The six read permissions a sync key needs.
    public static let syncReadSet: Set<AshbyPermission> = [
        .jobsRead, .candidatesRead, .interviewsRead, .hiringProcessMetadataRead, .organizationRead, .offersRead,
    ]

    /// The spec's name, e.g. `jobsRead`.
    public var specName: String { rawValue }

    /// The `apiKey.info` scope string, e.g. `jobs:read`.
    public var scope: String {
        let (module, access) = parts
        return "\(module):\(access.lowercased())"
    }

    /// The admin UI's name, e.g. `Jobs: Read`.
    public var displayName: String {
        let (module, access) = parts
        let names = ["jobs": "Jobs", "candidates": "Candidates", "interviews": "Interviews",
                     "hiringProcessMetadata": "Hiring Process Metadata", "organization": "Organization",
                     "offers": "Offers", "apiKeys": "API Keys", "approvals": "Approvals", "reports": "Reports"]
        return "\(names[module] ?? module): \(access)"
    }

    private var parts: (String, String) {
        let raw = rawValue
        if raw.hasSuffix("Read") { return (String(raw.dropLast(4)), "Read") }
        return (String(raw.dropLast(5)), "Write")
    }

    /// Parses any of the three spellings.
    public init?(name: String) {
        if let p = AshbyPermission(rawValue: name) { self = p; return }
        guard let p = AshbyPermission.allCases.first(where: { $0.scope == name || $0.displayName == name }) else {
            return nil
        }
        self = p
    }

    public static func < (a: AshbyPermission, b: AshbyPermission) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
