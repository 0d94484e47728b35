import Foundation
import HireLedgerCore
import Testing

/// schemas/api/openapi.json stands alone: no reference leaves the document, and its bundled
/// components are exactly the standalone schema files (`schemas/tools/bundle_openapi.py --check`).
struct OpenAPIBundleTests {
    @Test func theDocumentHasNoExternalReferences() throws {
        var external: [String] = []
        func walk(_ v: JSONValue) {
            switch v {
            case .object(let o):
                for member in o {
                    if member.key == "$ref", let ref = member.value.stringValue, !ref.hasPrefix("#/") { external.append(ref) }
                    walk(member.value)
                }
            case .array(let a): a.forEach(walk)
            default: break
            }
        }
        walk(try loadJSON("schemas/api/openapi.json"))
        #expect(external.isEmpty, "\(external)")
    }

    @Test func theBundledComponentsAreTheSchemaFiles() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "schemas/tools/bundle_openapi.py", "--check"]
        p.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "schemas/api/openapi.json is stale: run python3 schemas/tools/bundle_openapi.py")
    }
}
