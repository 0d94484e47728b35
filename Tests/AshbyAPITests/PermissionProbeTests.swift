import AshbyAPI
import HireLedgerCore
import Testing

struct PermissionProbeTests {
    private func transport(granting granted: Set<AshbyPermission>, keyInfo: JSONValue? = nil,
                           permissionStatus: Int = 403) -> RecordedAshbyTransport {
        let transport = RecordedAshbyTransport()
        for probe in PermissionProbe.probes {
            transport.on("/" + probe.method, body: probe.body, reply: granted.contains(probe.permission)
                ? .json(successList([record(1)], more: true, cursor: "next"))
                : .json(errorEnvelope("missing_endpoint_permission", message: "API key does not have the required permission"),
                        status: permissionStatus))
        }
        transport.on("/apiKey.info", body: [:], reply: keyInfo.map { .json(["success": true, "results": $0]) }
            ?? .json(errorEnvelope("missing_endpoint_permission"), status: permissionStatus))
        return transport
    }

    @Test(arguments: [403, 200])
    func reportsMissingPermissionsWithWhatStopsWorking(permissionStatus: Int) async throws {
        let transport = transport(granting: [.jobsRead, .candidatesRead, .interviewsRead, .organizationRead],
                                  permissionStatus: permissionStatus)
        let report = try await PermissionProbe(client: makeClient(transport)).run()

        #expect(report.entries.map(\.permission) == AshbyPermission.required)
        #expect(report.entries.allSatisfy { $0.required })
        #expect(report.missingRequired == [.hiringProcessMetadataRead, .offersRead])
        #expect(!report.allRequiredGranted)
        #expect(report.keyInfo == nil)
        #expect(report.keyInfoNote?.contains("API Keys: Read") == true)
        let offers = try #require(report.entries.first { $0.permission == .offersRead })
        #expect(offers.status == .missing && offers.probedWith == "offer.list")
        #expect(offers.consequence == "offers, committed headcount and start dates")
        let text = report.summaryLines.joined(separator: "\n")
        #expect(text.contains("MISSING  Offers: Read"))
        #expect(text.contains("Grant 'Hiring Process Metadata: Read' to this API key"))
        #expect(text.contains("ok       Jobs: Read"))
        #expect(!text.contains(testKeyText))
        // One request per probe plus apiKey.info, with the documented cheap bodies.
        #expect(transport.requests.map(\.path) == PermissionProbe.probes.map { "/" + $0.method } + ["/apiKey.info"])
        #expect(transport.requests(to: "/archiveReason.list").map(\.body) == [[:]])
        #expect(transport.requests(to: "/offer.list").map(\.body) == [["limit": 1]])
    }

    @Test func keyInfoListsScopesAndFlagsWritePermissions() async throws {
        let info: JSONValue = ["title": "HireLedger", "createdAt": "2026-05-01T00:00:00.000Z",
                               "scopes": ["jobs:read", "candidates:read", "interviews:read", "hiringProcessMetadata:read",
                                          "organization:read", "offers:read", "apiKeys:read", "candidates:write", "brandNew:read"]]
        let transport = transport(granting: Set(AshbyPermission.required), keyInfo: info)
        let report = try await PermissionProbe(client: makeClient(transport)).run()
        #expect(report.allRequiredGranted && report.missingRequired.isEmpty)
        #expect(report.keyInfo?.title == "HireLedger")
        #expect(report.unneededWritePermissions == [.candidatesWrite])
        #expect(report.keyInfo?.unrecognizedScopes == ["brandNew:read"])
        let text = report.summaryLines.joined(separator: "\n")
        #expect(text.contains("WARNING") && text.contains("Candidates: Write"))
    }

    @Test func anInvalidKeyFailsTheWholeProbe() async {
        let transport = RecordedAshbyTransport(acceptedKeys: ["another-key"])
        await #expect {
            _ = try await PermissionProbe(client: makeClient(transport)).run()
        } throws: { error in
            guard case AshbyError.invalidKey = error else { return false }
            return true
        }
        #expect(transport.requests.count == 1)
    }

    @Test func otherProbeFailuresAreUndeterminedNotMissing() async throws {
        let transport = RecordedAshbyTransport()
        transport.on("/job.list", reply: .json(errorEnvelope("invalid_input", message: "limit: expected number")))
        transport.on("/apiKey.info", reply: .json(errorEnvelope("missing_endpoint_permission"), status: 403))
        transport.on("/candidate.list", reply: .json(successList([], more: false)))
        transport.on("/interview.list", reply: .json(successList([], more: false)))
        transport.on("/archiveReason.list", reply: .json(successList([], more: false)))
        transport.on("/department.list", reply: .json(successList([], more: false)))
        transport.on("/offer.list", reply: .json(successList([], more: false)))
        let report = try await PermissionProbe(client: makeClient(transport)).run()
        #expect(report.undetermined == [.jobsRead])
        #expect(report.missingRequired.isEmpty && !report.allRequiredGranted)
    }
}
