import Foundation
import Testing
@testable import HireLedgerCore

/// The recorded Ashby responses in `shared/reference/ashby-recorded/` (see its README).
///
/// Found through `HIRELEDGER_REFERENCE_DIR` (the `reference` folder) or, by default, relative to this
/// file: `<repo>/Tests/HireLedgerCoreTests/` → `<repo>/../shared/reference`.
enum ReferenceData {
    static var directory: URL {
        if let dir = ProcessInfo.processInfo.environment["HIRELEDGER_REFERENCE_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir, isDirectory: true)
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../shared/reference", isDirectory: true).standardized
    }

    static var recordedDirectory: URL { directory.appendingPathComponent("ashby-recorded", isDirectory: true) }

    /// File names of the recordings; empty when the folder is missing (`referenceFolderIsPresent` fails then).
    static let recordedFileNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: recordedDirectory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }()

    static func recorded(_ name: String) throws -> [UInt8] {
        let url = recordedDirectory.appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw MissingReference(path: url.path)
        }
        return [UInt8](data)
    }

    struct MissingReference: Error, CustomStringConvertible {
        let path: String
        var description: String {
            "reference file \(path) is missing: the tests expect shared/reference beside the repository, "
                + "or set HIRELEDGER_REFERENCE_DIR to the reference folder"
        }
    }
}

struct JSONReferenceDataTests {
    @Test func referenceFolderIsPresent() {
        #expect(ReferenceData.recordedFileNames.count >= 31,
                "expected the 31 recorded Ashby responses in \(ReferenceData.recordedDirectory.path); the tests expect shared/reference beside the repository, or set HIRELEDGER_REFERENCE_DIR")
    }

    @Test(arguments: ReferenceData.recordedFileNames)
    func recordedResponseRoundTripsThroughCanonicalForm(_ name: String) throws {
        let original = try JSONValue.parse(try ReferenceData.recorded(name))
        let canonical = original.canonicalBytes()
        let reparsed = try JSONValue.parse(canonical)
        #expect(reparsed == original)
        #expect(reparsed.canonicalBytes() == canonical)
        #expect(reparsed.contentHash == original.contentHash)
        // The recordings are pretty-printed: the canonical form is smaller and has no newline.
        #expect(!canonical.contains(0x0A))
    }

    @Test(arguments: ReferenceData.recordedFileNames.prefix(8), [1, 2, 3] as [UInt64])
    func recordedResponseWithShuffledKeysAndSpacingHasSameCanonicalBytes(_ name: String, seed: UInt64) throws {
        let original = try JSONValue.parse(try ReferenceData.recorded(name))
        var rng = TestRandom(seed: seed)
        let rewritten = LooseJSONWriter.write(original, using: &rng)
        let reparsed = try JSONValue.parse(rewritten)
        #expect(reparsed == original)
        #expect(reparsed.canonicalBytes() == original.canonicalBytes())
        #expect(reparsed.contentHash == original.contentHash)
    }
}
