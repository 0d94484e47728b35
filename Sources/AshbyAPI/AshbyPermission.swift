/// A permission an Ashby API key can hold, named as the spec's "Requires the X permission" lines do
/// (`rawValue`, e.g. `offersRead`), as `apiKey.info` lists it (`scope`, e.g. `offers:read`) and as
/// Ashby's admin screen shows it (`adminName`, e.g. "Offers: Read").
///
/// HireLedger needs exactly the six read permissions in `required`; everything else, and every write
/// permission in particular, is unnecessary for it (ASHBY_API.md §4, §7).
public enum AshbyPermission: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case jobsRead, candidatesRead, interviewsRead, hiringProcessMetadataRead, organizationRead, offersRead
    case apiKeysRead, approvalsRead, reportsRead, notetakerRead
    case jobsWrite, candidatesWrite, interviewsWrite, hiringProcessMetadataWrite, organizationWrite, offersWrite
    case apiKeysWrite, approvalsWrite

    /// The six read permissions a HireLedger key must hold, in the order `doctor` reports them.
    public static let required: [AshbyPermission] = [
        .jobsRead, .candidatesRead, .interviewsRead, .hiringProcessMetadataRead, .organizationRead, .offersRead,
    ]

    public var isRequired: Bool { AshbyPermission.required.contains(self) }
    public var isWrite: Bool { rawValue.hasSuffix("Write") }

    /// The module part of the name: `offers`, `hiringProcessMetadata`, `apiKeys`.
    public var module: String { String(rawValue.dropLast(isWrite ? 5 : 4)) }

    /// The scope string `apiKey.info` reports, e.g. `offers:read`.
    public var scope: String { module + (isWrite ? ":write" : ":read") }

    /// The wording of Ashby's admin screen (Admin → Integrations → API Keys), e.g. "Offers: Read".
    public var adminName: String {
        let moduleName: String
        switch module {
        case "jobs": moduleName = "Jobs"
        case "candidates": moduleName = "Candidates"
        case "interviews": moduleName = "Interviews"
        case "hiringProcessMetadata": moduleName = "Hiring Process Metadata"
        case "organization": moduleName = "Organization"
        case "offers": moduleName = "Offers"
        case "apiKeys": moduleName = "API Keys"
        case "approvals": moduleName = "Approvals"
        case "reports": moduleName = "Reports"
        case "notetaker": moduleName = "Notetaker"
        default: moduleName = module
        }
        return moduleName + (isWrite ? ": Write" : ": Read")
    }

    /// What to tell an admin to do when this permission is missing.
    public var grantInstruction: String {
        "Grant '\(adminName)' to this API key in Ashby: Admin → Integrations → API Keys"
    }

    /// What HireLedger cannot record without this permission (for the six required ones), or why it
    /// does not need it (for the rest).
    public var consequenceIfMissing: String {
        switch self {
        case .jobsRead: return "jobs, openings (headcount plans, target hire and start dates) and job postings"
        case .candidatesRead: return "candidates, applications and their stage history: the whole pipeline"
        case .interviewsRead:
            return "interview plans and stages (stage names and types, so hires are not detected), interviews and interview schedules"
        case .hiringProcessMetadataRead:
            return "archive reasons, close reasons, sources, candidate tags and custom field definitions"
        case .organizationRead: return "departments, locations and users (headcount by department or location, recruiter names)"
        case .offersRead: return "offers, committed headcount and start dates"
        case .apiKeysRead: return "nothing HireLedger records; it only lets `doctor` list the key's scopes"
        default: return "nothing: HireLedger never uses it"
        }
    }

    /// Parses a permission from either spelling: `offers:read` (scope) or `offersRead` (spec name).
    /// Also accepts the spec's one-off `candidateWrite`. Nil for anything else.
    public init?(name: String) {
        if let direct = AshbyPermission(rawValue: name) { self = direct; return }
        if name == "candidateWrite" { self = .candidatesWrite; return }
        guard let match = AshbyPermission.allCases.first(where: { $0.scope == name }) else { return nil }
        self = match
    }

    public var description: String { adminName }
}
