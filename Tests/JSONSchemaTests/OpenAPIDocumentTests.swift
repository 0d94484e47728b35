import HireLedgerCore
import JSONSchema
import Testing

struct OpenAPIDocumentTests {
    let doc = ReferenceData.openAPI

    @Test func theSuccessBranchIsTheOneWithoutErrorInfo() throws {
        let pointer = try doc.responseSchemaPointer(path: "/candidate.list")
        #expect(pointer.description == "/paths/~1candidate.list/post/responses/200/content/application~1json/schema/oneOf/0")
        let errorBranch = try doc.responseSchemaPointer(path: "/candidate.list", branch: .error)
        #expect(errorBranch.tokens.suffix(2) == ["oneOf", "1"])
        #expect(try doc.responseSchema(path: "/candidate.list")
            == ["$ref": "urn:ashby-openapi#/paths/~1candidate.list/post/responses/200/content/application~1json/schema/oneOf/0"])
    }

    /// 160 paths; assessment.update's 200 response has no body schema.
    @Test func everyOperationWithA200BodyHasASuccessSchemaThatCompiles() throws {
        var checked = 0
        for path in doc.paths {
            guard (try? doc.responseSchemaPointer(path: path, branch: .whole)) != nil else { continue }
            _ = try doc.responseValidator(path: path)
            checked += 1
        }
        #expect(checked == 159)
    }

    @Test func aOneOfWithoutAnErrorBranchIsAllSuccess() throws {
        let pointer = try doc.responseSchemaPointer(path: "/hiringTeamRole.list")
        #expect(pointer.tokens.last == "schema")
        let v = try doc.responseValidator(path: "/hiringTeamRole.list")
        #expect(v.isValid(["success": true, "results": ["Recruiter"]]))
    }

    @Test func anAshbyErrorBodyMatchesTheErrorBranchAndNotTheSuccessBranch() throws {
        let body = try JSONValue.parse(##"""
        {"success": false, "errors": ["invalid_input"],
         "errorInfo": {"code": "invalid_input", "message": "Request payload is malformed", "requestId": "01JSJ8FDK5ZN4XQBZP7DBKK7ZC"}}
        """##)
        #expect(try doc.responseValidator(path: "/candidate.info", branch: .error).isValid(body))
        #expect(try doc.responseValidator(path: "/candidate.info", branch: .whole).isValid(body))
        #expect(try doc.responseValidator(path: "/candidate.info").validate(body).map(\.keyword) == ["required"])
    }

    @Test func aMissingOperationOrResponseNamesTheMissingStep() throws {
        let noPath = #expect(throws: SchemaError.self) { try doc.responseSchema(path: "/candidate.nope") }
        #expect(noPath?.message.contains("missing \"/candidate.nope\"") == true)
        let noContent = #expect(throws: SchemaError.self) { try doc.responseSchema(path: "/assessment.update") }
        #expect(noContent?.message.contains("missing \"content\"") == true)
    }

    @Test func aResponseWithoutOneOfIsItsOwnSuccessBranch() throws {
        let pointer = try doc.responseSchemaPointer(path: "/assessment.start")
        #expect(pointer.tokens.last == "schema")
        #expect(throws: SchemaError.self) { try doc.responseSchemaPointer(path: "/assessment.start", branch: .error) }
    }

    @Test func aDocumentWithoutPathsIsRefused() {
        #expect(throws: SchemaError.self) { try OpenAPIDocument(json: ["openapi": "3.1.0"]) }
    }
}
