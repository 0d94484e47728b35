import AshbyAPI
import AshbySimulator
import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import Testing

/// The files stand-in (`FolderAshby`, `ashby-sim --files`, `bench sync --files`): a folder of JSON arrays
/// served with Ashby's pagination and syncToken over loopback, synced into a real store.
struct FilesModeSyncTests {
    static func write(_ directory: String, _ files: [String: String]) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in files {
            #expect(FileManager.default.createFile(atPath: directory + "/" + name, contents: Data(text.utf8)))
        }
    }

    static func candidate(_ id: String, _ name: String) -> String {
        #"{"id":"\#(id)","name":"\#(name)","emailAddresses":[],"phoneNumbers":[],"socialLinks":[],"tags":[],"applicationIds":[],"fileHandles":[],"profileUrl":"https://example.invalid/\#(id)","updatedAt":"2026-03-01T09:00:00.000Z"}"#
    }

    static let jobs = #"""
        [{"id":"j1","title":"Engineer","status":"Open","employmentType":"FullTime","confidential":false,"updatedAt":"2026-03-01T09:00:00.000Z"},
         {"id":"j2","title":"Designer","status":"Closed","employmentType":"FullTime","confidential":false,"updatedAt":"2026-03-01T09:00:00.000Z"}]
        """#

    @Test func aFolderIsServedPageByPageAndItsRecordsRoundTripIntoState() async throws {
        try await withTemporaryDirectory { root in
            let day0 = root + "/day0", day1 = root + "/day1"
            let day0Candidates = (1...5).map { Self.candidate("c\($0)", "Person \($0)") }
            try Self.write(day0, ["candidates.json": "[" + day0Candidates.joined(separator: ",\n") + "]", "job.list.json": Self.jobs])
            // The next day: c2 and c4 renamed, c6 new, the rest as they were.
            var day1Candidates = day0Candidates
            day1Candidates[1] = Self.candidate("c2", "Person Two")
            day1Candidates[3] = Self.candidate("c4", "Person Four")
            day1Candidates.append(Self.candidate("c6", "Person 6"))
            try Self.write(day1, ["candidates.json": "[" + day1Candidates.joined(separator: ",") + "]", "jobs.json": Self.jobs])

            let folder = try FolderAshby(directory: day0, then: [day1])
            let server = SimulatorServer(responder: folder)
            let url = try await server.start()
            do {
                let store = try openTestStore(root + "/store")
                let client = AshbyClient(baseURL: url, apiKey: try APIKey(folder.key), transport: try CurlTransport())
                let service = SyncService(store: store, client: client)
                let options = SyncOptions(types: [.jobs, .candidates], pageSize: 2)
                let first = try await service.sync(options)
                let candidates = try #require(first.runs.first { $0.entityType == "candidates" })
                #expect(candidates.mode == .full && candidates.records == 5 && candidates.pages == 3)
                for text in day0Candidates + (try JSONValue.parse(Array(Self.jobs.utf8))).arrayValue!.map({ String(decoding: $0.canonicalBytes(), as: UTF8.self) }) {
                    let record = try JSONValue.parse(Array(text.utf8))
                    let kind: EntityKind = record.string("title") == nil ? .candidate : .job
                    let stored = try store.currentRecord(EntityKey(kind, record.string("id")!))
                    #expect(stored == RecordNormalizer.standard.normalize(record, kind: kind).value, "\(kind) \(record.string("id")!)")
                }
                #expect(try store.syncToken(endpoint: "candidate.list") != nil)

                // The second folder: an incremental pass gets exactly the changed and new records.
                let control = try CurlTransport()
                let advanced = try await control.send(HTTPRequest(method: "POST", url: url + "/_sim/advance",
                                                                  headers: [("Content-Type", "application/json")], body: Array("{}".utf8)))
                #expect(advanced.status == 200)
                let second = try await service.sync(options)
                let incremental = try #require(second.runs.first { $0.entityType == "candidates" })
                #expect(incremental.mode == .incremental && incremental.records == 3 && incremental.pages == 2)
                #expect(second.runs.first { $0.entityType == "jobs" }?.records == 0)
                #expect(try store.currentRecord(EntityKey(.candidate, "c2"))?.string("name") == "Person Two")
                #expect(try store.currentRecord(EntityKey(.candidate, "c6"))?.string("name") == "Person 6")
                let types = try store.events(after: first.lastPosition).map(\.type.wireName)
                #expect(types.sorted() == ["record.candidate.created", "record.candidate.updated", "record.candidate.updated"])
                #expect(try store.currentRecord(EntityKey(.candidate, "c4"))?.string("name") == "Person Four")
                // Nothing changed since: nothing more.
                #expect(try await service.sync(options).appendedEvents == 0)
            } catch {
                await server.stop()
                throw error
            }
            await server.stop()
        }
    }

    @Test(arguments: [
        (["candidates.json": #"{"results": []}"#], "candidates.json: must hold one JSON array"),
        (["candidates.json": #"[{"id": "c1"}, {"name": "no id"}]"#], "candidates.json: item 1 is not a record"),
        (["candidates.json": #"[{"id": "c1"}, {"id": "c1"}]"#], "the id c1 appears twice"),
        (["candidates.json": #"[{"id": "c1"},"#], "candidates.json: not valid JSON"),
        (["candidate.json": "[]"], "candidate.json: not an entity type this stand-in serves"),
    ])
    func aFolderThatCannotBeServedIsRefusedNamingTheFileAndTheProblem(files: [String: String], message: String) throws {
        let directory = NSTemporaryDirectory() + "hireledger-files-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.write(directory, files)
        let error = try #require(throws: FolderAshbyError.self) { try FolderAshby(directory: directory) }
        #expect(error.description.contains(message), "\(error)")
    }
}
