import Foundation
import HireLedgerCore
import JSONSchema

/// The shared reference data (/work/shared/reference): the Ashby OpenAPI document and recorded calls.
///
/// Found at `$HIRELEDGER_REFERENCE_DIR`, else at `../shared/reference` beside the repository checkout.
enum ReferenceData {
    struct Recording: Sendable, CustomStringConvertible {
        /// `<file name>#<index>` for files holding several calls of one endpoint.
        let name: String
        let endpoint: String
        let response: JSONValue
        var description: String { name }
    }

    static var directory: String {
        if let dir = ProcessInfo.processInfo.environment["HIRELEDGER_REFERENCE_DIR"] { return dir }
        // …/<checkout>/Tests/JSONSchemaTests/ReferenceData.swift → …/shared/reference
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return checkout.deletingLastPathComponent().appendingPathComponent("shared/reference").path
    }

    static func load(_ relativePath: String) throws -> JSONValue {
        let path = directory + "/" + relativePath
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReferenceDataMissing(path: path)
        }
        return try JSONValue.parse(Array(data))
    }

    static let openAPI: OpenAPIDocument = {
        // The document is part of the repository's shared data; without it these tests cannot run.
        do { return try OpenAPIDocument(json: load("ashby-openapi.json"), uri: "urn:ashby-openapi") } catch {
            fatalError("cannot load the Ashby OpenAPI document: \(error)")
        }
    }()

    /// Every recorded call, in file-name order (32 calls in 31 files).
    static func recordings() throws -> [Recording] {
        let dir = directory + "/ashby-recorded"
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") }.sorted()
        var out: [Recording] = []
        for file in files {
            let json = try load("ashby-recorded/" + file)
            guard let post = json["post"]?.objectValue else { continue }
            for member in post {
                let calls = member.value.arrayValue ?? [member.value]
                for (i, call) in calls.enumerated() {
                    guard let response = call["response"] else { continue }
                    let name = calls.count > 1 ? "\(file)#\(i)" : file
                    out.append(Recording(name: name, endpoint: member.key, response: response))
                }
            }
        }
        return out
    }
}

struct ReferenceDataMissing: Error, CustomStringConvertible {
    let path: String
    var description: String {
        "reference data not found at \(path); set HIRELEDGER_REFERENCE_DIR to the shared/reference directory"
    }
}
