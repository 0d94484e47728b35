import AshbyAPI
import HireLedgerCore
import Testing

/// Missing-permission answers in every shape Ashby (or a proxy in front of it) sends, refused tokens and
/// cursors, and retry reports that list every attempt.
struct AshbyRefusalShapeTests {
    private static func missingPermission(_ error: any Error) -> AshbyPermission?? {
        guard case AshbyError.missingPermission(let permission, _, _)? = error as? AshbyError else { return nil }
        return .some(permission)
    }

    @Test(arguments: [
        "API key does not have the required permission",
        "Forbidden: missing_endpoint_permission",
        "candidatesRead permission is required",
        "403 Forbidden - the API key lacks the Candidates: Read permission",
    ])
    func aPlainText403NamesThePermission(body: String) async {
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", reply: .raw(Array(body.utf8), status: 403, headers: [("Content-Type", "text/plain")]))
        await #expect {
            _ = try await makeClient(transport).listPage(.candidateList)
        } throws: { error in
            Self.missingPermission(error) == .some(.candidatesRead)
                && "\(error)".contains("Candidates: Read") && !"\(error)".contains(testKeyText)
        }
    }

    @Test(arguments: [
        ["errors": ["missing_endpoint_permission"]] as JSONValue,
        ["errorInfo": ["code": "missing_endpoint_permission", "message": "offersRead permission is required"]],
        ["error": "API key does not have the required permission"],
        ["success": false, "errors": ["forbidden"], "errorInfo": ["code": "forbidden", "message": "offersRead permission is required"]],
    ])
    func aJSON403WithOrWithoutSuccessNamesThePermission(body: JSONValue) async {
        let transport = RecordedAshbyTransport()
        transport.on("/offer.list", reply: .json(body, status: 403))
        await #expect {
            _ = try await makeClient(transport).listPage(.offerList)
        } throws: { error in
            Self.missingPermission(error) == .some(.offersRead) && "\(error)".contains("Offers: Read")
        }
    }

    @Test(arguments: ["Forbidden", "Invalid or deactivated API key", "{\"message\":\"Unauthorized\"}"])
    func a403ThatSaysNothingOfPermissionsIsAnInvalidKey(body: String) async {
        let transport = RecordedAshbyTransport()
        transport.on("/job.list", reply: .raw(Array(body.utf8), status: 403))
        await #expect {
            _ = try await makeClient(transport).listPage(.jobList)
        } throws: { error in
            guard case AshbyError.invalidKey? = error as? AshbyError else { return false }
            return true
        }
    }

    /// doctor's probe: a plain-text 403 is a missing permission, so the report names it instead of aborting.
    @Test func theProbeReportsAPlainText403AsAMissingPermission() async throws {
        let transport = RecordedAshbyTransport()
        for probe in PermissionProbe.probes {
            transport.on("/" + probe.method, reply: probe.permission == .offersRead
                ? .raw(Array("API key does not have the required permission".utf8), status: 403)
                : .json(successList([record(1)], more: false)))
        }
        transport.on("/apiKey.info", reply: .raw(Array("API key does not have the required permission".utf8), status: 403))
        let report = try await PermissionProbe(client: makeClient(transport)).run()
        #expect(report.missingRequired == [.offersRead])
    }

    @Test(arguments: ["sync_token_expired", "incremental_sync_too_large", "invalid_input", "cursor_invalid",
                      "sync_token_invalid", "next_cursor_expired", "invalid_next_cursor"])
    func everyTokenRefusalCodeIsRecognised(code: String) async {
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", reply: .json(errorEnvelope(code)))
        await #expect {
            _ = try await makeClient(transport).listPage(.candidateList, syncToken: "tok")
        } throws: { error in
            (error as? AshbyError)?.refusedTokenCode == code
        }
    }

    @Test func otherAPIErrorsAreNotTokenRefusals() {
        #expect(AshbyError.api(endpoint: "job.list", code: "job_not_found", message: nil, requestId: nil).refusedTokenCode == nil)
        #expect(AshbyError.server(endpoint: "job.list", status: 503, attempts: 1, requestId: nil).refusedTokenCode == nil)
    }

    @Test func aRetryReportListsEveryAttemptsFailureInOrder() async {
        let transport = RecordedAshbyTransport()
        let truncated = Array("{\"success\":true,\"results\":[{\"id\":\"a\"".utf8)
        transport.on("/candidate.list", replies: [
            .failure(FakeTransportError(isRetryable: true)),
            .raw(truncated, status: 200),
            .raw([], status: 429, headers: [("Retry-After", "2")]),
            .raw([], status: 503),
        ])
        await #expect {
            _ = try await makeClient(transport).listPage(.candidateList)
        } throws: { error in
            guard case AshbyError.server(endpoint: "candidate.list", status: 503, attempts: 4, requestId: _, let failures)? =
                    error as? AshbyError else { return false }
            let text = "\(error)"
            return failures.count == 4 && failures[0].hasPrefix("no response") && failures[1].hasPrefix("malformed body")
                && failures[2] == "HTTP 429 (Retry-After 2 s)" && failures[3] == "HTTP 503"
                && text.contains("on the last of 4 attempts") && text.contains("1. no response")
                && text.contains("3. HTTP 429") && text.contains("4. HTTP 503")
        }
    }

    @Test func identicalFailuresKeepTheShortMessage() async {
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", reply: .raw([], status: 503))
        await #expect {
            _ = try await makeClient(transport).listPage(.candidateList)
        } throws: { error in
            "\(error)".contains("on all 4 attempts") && !"\(error)".contains("Attempts:")
        }
    }
}
