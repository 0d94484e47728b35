import AshbyAPI
import HireLedgerCore
import Testing

struct AshbyErrorMappingTests {
    private func failure(replying reply: RecordedAshbyTransport.Reply, method: String = "candidate.list",
                         body: JSONValue = ["limit": 100]) async -> AshbyError? {
        let transport = RecordedAshbyTransport()
        transport.on("/" + method, reply: reply)
        do {
            _ = try await makeClient(transport).post(method, body: body)
            Issue.record("expected \(method) to fail")
            return nil
        } catch let error as AshbyError {
            #expect(!error.description.contains(testKeyText), "key leaked into: \(error)")
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    @Test func syncTokenExpiredAsksForAFullSync() async {
        let error = await failure(replying: .json(errorEnvelope("sync_token_expired")))
        guard case .syncTokenExpired(endpoint: "candidate.list")? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(error!.requiresFullResync)
        #expect(error!.description.contains("full sync"))
    }

    @Test func syncTokenExpiredIsRecognisedFromTheLegacyErrorsArrayAlone() async {
        let error = await failure(replying: .json(["success": false, "errors": ["sync_token_expired"]]))
        guard case .syncTokenExpired? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func incrementalSyncTooLargeAsksForAFullSync() async {
        let error = await failure(replying: .json(["success": false,
                                                  "errorInfo": ["code": "incremental_sync_too_large", "message": "Too many pages"]]))
        guard case .incrementalSyncTooLarge(endpoint: "candidate.list")? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(error!.requiresFullResync)
    }

    @Test(arguments: [403, 200])
    func missingPermissionNamesThePermissionInTheAdminScreensWords(status: Int) async {
        let error = await failure(
            replying: .json(errorEnvelope("missing_endpoint_permission", message: "API key does not have the required permission"),
                            status: status),
            method: "offer.list")
        guard case .missingPermission(permission: .offersRead?, endpoint: "offer.list", requestId: "01TESTREQUEST")? = error else {
            Issue.record("got \(String(describing: error))"); return
        }
        #expect(error!.description.contains("Grant 'Offers: Read' to this API key in Ashby: Admin → Integrations → API Keys"))
        #expect(error!.description.contains("offers, committed headcount and start dates"))
        #expect(error!.description.contains("01TESTREQUEST"))
    }

    @Test func missingPermissionOutsideTheCatalogueReadsThePermissionFromTheMessage() async {
        let error = await failure(
            replying: .json(errorEnvelope("missing_endpoint_permission", message: "jobsRead permission is required"), status: 403),
            method: "jobBoard.list", body: [:])
        guard case .missingPermission(permission: .jobsRead?, endpoint: "jobBoard.list", requestId: _)? = error else {
            Issue.record("got \(String(describing: error))"); return
        }
    }

    @Test func forbiddenWithoutPermissionCodeMeansAnInvalidKey() async {
        let error = await failure(replying: .raw(Array("Forbidden: invalid API key".utf8), status: 403))
        guard case .invalidKey(endpoint: "candidate.list", requestId: nil)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(error!.isAuthenticationFailure)
        #expect(error!.description.contains("wrong, revoked or deactivated"))
    }

    @Test func unauthorizedMeansNoKeyArrived() async {
        let error = await failure(replying: .raw(Array("Unauthorized".utf8), status: 401))
        guard case .unauthorized(endpoint: "candidate.list")? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(error!.description.contains("401"))
    }

    @Test func wrongKeyAgainstACheckingServerIsInvalidKey() async throws {
        let transport = RecordedAshbyTransport(acceptedKeys: ["the-right-key"])
        transport.on("/candidate.list", reply: .json(successList([], more: false)))
        await #expect {
            _ = try await makeClient(transport).post("candidate.list", body: [:])
        } throws: { error in
            guard case AshbyError.invalidKey = error else { return false }
            return !"\(error)".contains(testKeyText)
        }
    }

    @Test func otherCodesKeepCodeMessageAndRequestId() async {
        let error = await failure(replying: .json(errorEnvelope("invalid_input", message: "interviewPlanId: Invalid input: expected string",
                                                                requestId: "01JSJ8FDK5ZN4XQBZP7DBKK7ZC")))
        guard case .api(endpoint: "candidate.list", code: "invalid_input", message: let message?, requestId: "01JSJ8FDK5ZN4XQBZP7DBKK7ZC")? = error else {
            Issue.record("got \(String(describing: error))"); return
        }
        #expect(message.contains("expected string"))
    }

    @Test func errorItemsMayBeObjects() async {
        let error = await failure(replying: .json(["success": false,
                                                  "errors": [["message": "must be a string", "parameter": "cursor"]]]))
        guard case .api(endpoint: _, code: "unknown_error", message: "cursor: must be a string", requestId: nil)? = error else {
            Issue.record("got \(String(describing: error))"); return
        }
    }

    @Test func nonEnvelopeJSONIsMalformedWithAMaskedShape() async {
        let error = await failure(replying: .json(["name": "Jane Candidate", "email": "jane@example.com"]))
        guard case .malformedResponse(endpoint: "candidate.list", offset: nil, reason: _, excerpt: let excerpt, attempts: 1, failures: _)? = error else {
            Issue.record("got \(String(describing: error))"); return
        }
        #expect(!excerpt.contains("Jane") && !excerpt.contains("jane@"))
        #expect(excerpt.contains("email: string"))
    }

    @Test func listResultsThatAreNotAnArrayAreMalformed() async {
        let transport = RecordedAshbyTransport()
        transport.on("/candidate.list", reply: .json(["success": true, "results": ["id": "x"]]))
        await #expect {
            _ = try await makeClient(transport).listPage(.candidateList)
        } throws: { error in
            guard case AshbyError.malformedResponse(endpoint: "candidate.list", offset: nil, reason: let reason, excerpt: _, attempts: 1, failures: _) = error else {
                return false
            }
            return reason.contains("results")
        }
    }

    @Test func nonRetryableTransportErrorsFailAtOnce() async {
        let error = await failure(replying: .failure(FakeTransportError(isRetryable: false)))
        guard case .transport(endpoint: "candidate.list", underlying: _, attempts: 1, failures: _)? = error else {
            Issue.record("got \(String(describing: error))"); return
        }
        #expect(error!.description.contains("unsupported protocol"))
    }

    /// Every error path, with a server that echoes the credentials back in every field it can.
    @Test func theKeyNeverAppearsInAnyErrorDescription() async {
        let header = "Basic aGxrX1NFQ1JFVF8xZjJlM2Q0YzViNmE3OTg4MDAxMTo="
        let echo = "you sent \(testKeyText) / \(header)"
        let replies: [RecordedAshbyTransport.Reply] = [
            .json(errorEnvelope("sync_token_expired", message: echo)),
            .json(errorEnvelope("incremental_sync_too_large", message: echo)),
            .json(errorEnvelope("missing_endpoint_permission", message: echo), status: 403),
            .json(errorEnvelope("missing_endpoint_permission", message: echo), status: 200),
            .json(errorEnvelope("invalid_input", message: echo, requestId: testKeyText)),
            .json(["success": false, "errors": [.string(echo), ["message": .string(echo), "parameter": .string(testKeyText)]]]),
            .raw(Array(echo.utf8), status: 401),
            .raw(Array(echo.utf8), status: 403, headers: [("x-ashby-request-id", testKeyText)]),
            .raw(Array(echo.utf8), status: 429),
            .raw(Array(echo.utf8), status: 503, headers: [("x-ashby-request-id", testKeyText)]),
            .raw(Array(echo.utf8), status: 404),
            .raw(Array("{\"success\":true,\"results\":[\"\(testKeyText)".utf8), status: 200),
            .raw(Array("\(testKeyText)".utf8), status: 200),
            .json(["success": true, "results": .string(testKeyText)]),
            .failure(FakeTransportError(isRetryable: true)),
            .failure(FakeTransportError(isRetryable: false)),
        ]
        var seen = 0
        for reply in replies {
            let transport = RecordedAshbyTransport()
            transport.on("/candidate.list", reply: reply)
            let client = makeClient(transport, retry: RetryPolicy.ashbyClient(maxAttempts: 2, baseDelay: 0, jitter: 0, seed: 1))
            do {
                _ = try await client.listPage(.candidateList)
                Issue.record("expected a failure for \(reply)")
            } catch {
                seen += 1
                let text = "\(error) \(String(reflecting: error))"
                #expect(!text.contains(testKeyText), "key leaked: \(text)")
                #expect(!text.contains("aGxrX1NFQ1JFVF8xZjJlM2Q0YzViNmE3OTg4MDAxMTo="), "encoded key leaked: \(text)")
            }
        }
        #expect(seen == replies.count)
    }
}
