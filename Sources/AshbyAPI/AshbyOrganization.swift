import HireLedgerCore

/// Which Ashby organization an API key reads, as the API itself reports it.
///
/// Ashby has no "organization.info" endpoint. Two reads name the organization without needing more
/// than the six permissions HireLedger requires: every feedback form definition carries its
/// `organizationId` (`feedbackFormDefinition.list`, Hiring Process Metadata: Read; every account has
/// at least the default form), and `brand.list` (Organization: Read) lists the organization's brands,
/// whose ids are as stable as the organization. The organization id is preferred; the brand ids are
/// the fallback for a key without Hiring Process Metadata: Read. The key itself is never part of it.
public struct AshbyOrganization: Sendable, Hashable, CustomStringConvertible {
    /// How the organization was identified.
    public enum Evidence: String, Sendable, Hashable {
        /// The `organizationId` of the feedback form definitions.
        case organizationId
        /// The sorted ids of the organization's brands.
        case brands
    }

    public var evidence: Evidence
    /// The organization id, or the brand ids joined with `,`.
    public var value: String
    /// A human name when one is known (the first brand's name), for messages only.
    public var name: String?

    public init(evidence: Evidence, value: String, name: String? = nil) {
        self.evidence = evidence
        self.value = value
        self.name = name
    }

    public var description: String {
        let named = name.map { " (\($0))" } ?? ""
        switch evidence {
        case .organizationId: return "Ashby organization \(value)\(named)"
        case .brands: return "Ashby organization with brands \(value)\(named)"
        }
    }
}

extension AshbyClient {
    /// Asks Ashby which organization this key reads (`AshbyOrganization`): one `feedbackFormDefinition.list`
    /// request, and a `brand.list` request when that one is refused or names no organization.
    ///
    /// Returns nil when neither answers with an identity (the key lacks both permissions, or the
    /// account has neither forms nor brands). Throws `AshbyError` for anything but a missing
    /// permission (an invalid key, an unreachable server), which the caller should report as it is.
    public func organization() async throws -> AshbyOrganization? {
        if let id = try await organizationIdFromForms() {
            return AshbyOrganization(evidence: .organizationId, value: id)
        }
        do {
            let page = try await listPage(.brandList, pageSize: AshbyEndpoint.maximumPageSize)
            let brands = page.records.compactMap { b in b.string("id").map { (id: $0, name: b.string("name")) } }
            guard !brands.isEmpty else { return nil }
            return AshbyOrganization(evidence: .brands, value: brands.map(\.id).sorted().joined(separator: ","),
                                     name: brands.first?.name)
        } catch let error as AshbyError {
            guard case .missingPermission = error else { throw error }
            return nil
        }
    }

    /// The `organizationId` of the first feedback form definition; nil when there is none or the key
    /// may not list them.
    private func organizationIdFromForms() async throws -> String? {
        do {
            let page = try await listPage(.feedbackFormDefinitionList, pageSize: 1)
            return page.records.lazy.compactMap { $0.string("organizationId") }.first { !$0.isEmpty }
        } catch let error as AshbyError {
            guard case .missingPermission = error else { throw error }
            return nil
        }
    }
}
