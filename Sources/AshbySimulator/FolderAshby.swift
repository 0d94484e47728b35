import Foundation
import HireLedgerCore
import Synchronization

/// An Ashby stand-in that serves a folder of JSON arrays (an export of one's own account, or any
/// Ashby-shaped records) through Ashby's list endpoints, with Ashby's pagination and `syncToken`:
/// `ashby-sim --files DIR [--day1 DIR2]`, `bench sync --files DIR`.
///
/// Input layout: one file per entity type, each a JSON array of records exactly as Ashby's list
/// endpoint returns them (each an object with a string `id`), named after the type or the endpoint:
/// `applications.json` or `application.list.json`, `candidates.json`, `jobs.json`, `openings.json`,
/// `offers.json`, `jobPostings.json`, `departments.json`, `locations.json`, `users.json`,
/// `interviewPlans.json`, `interviewStages.json` (served per `interviewPlanId`), `interviewSchedules.json`,
/// `interviews.json`, `archiveReasons.json`, `closeReasons.json`, `sources.json`, `candidateTags.json`,
/// `customFields.json`. A missing file is an empty list; any other `.json` file is refused (a typo
/// would otherwise go unnoticed). Records are served byte for byte as they are in the file.
///
/// Snapshots: the folder is snapshot 0; `advance(to:)` (`POST /_sim/advance`) serves the next folder.
/// A `syncToken` names the snapshot it was issued on; an incremental request returns the records of the
/// current snapshot that are new or whose bytes differ from the token's snapshot (Ashby does not list
/// deletions incrementally; a full pass shows them). `application.listHistory` answers the
/// `applicationHistory` member of the application's record when it has one, else an empty list.
///
/// Requests need Basic auth with `key`. Pages hold up to `limit` records (default and maximum 100).
public final class FolderAshby: AshbyResponder, Sendable {
    /// File stem (entity type) → list endpoint, and whether the endpoint takes a `syncToken`.
    public static let endpoints: [(type: String, method: String, syncToken: Bool)] = [
        ("departments", "department.list", true), ("locations", "location.list", true), ("users", "user.list", true),
        ("interviewPlans", "interviewPlan.list", true), ("interviewStages", "interviewStage.list", false),
        ("archiveReasons", "archiveReason.list", false), ("closeReasons", "closeReason.list", false),
        ("sources", "source.list", false), ("candidateTags", "candidateTag.list", true),
        ("customFields", "customField.list", true), ("jobs", "job.list", true), ("openings", "opening.list", true),
        ("jobPostings", "jobPosting.list", false), ("candidates", "candidate.list", true),
        ("applications", "application.list", true), ("offers", "offer.list", true), ("interviews", "interview.list", true),
        ("interviewSchedules", "interviewSchedule.list", true),
    ]

    /// One list's records: each record's bytes, its id, and for stages the plan id.
    struct Listing: Sendable {
        var body: [UInt8]
        var items: [(id: String, range: Range<Int>, hash: UInt64)]
        var index: [String: Int]
    }
    struct Snapshot: Sendable {
        var directory: String
        var lists: [String: Listing]
        var records: Int
    }

    public let key: String
    private let snapshots: Mutex<[Snapshot]>
    /// Folders `POST /_sim/advance` serves next, in order, already loaded (so a request never reads files).
    private let queued: Mutex<[Snapshot]>

    /// Loads `directory` as snapshot 0 and the `then` folders, served one by one on `POST /_sim/advance`.
    /// Throws `FolderAshbyError` naming the file and what is wrong.
    public init(directory: String, then: [String] = [], key: String = "files_" + String(UInt64.random(in: .min ... .max), radix: 16)) throws {
        self.key = key
        snapshots = Mutex([try FolderAshby.load(directory)])
        queued = Mutex(try then.map { try FolderAshby.load($0) })
    }

    /// Serves `directory` from now on (the next snapshot); reads it on the calling thread.
    public func advance(to directory: String) throws {
        let next = try FolderAshby.load(directory)
        snapshots.withLock { $0.append(next) }
    }

    /// Records per snapshot.
    public var recordCounts: [Int] { snapshots.withLock { $0.map(\.records) } }

    static func load(_ directory: String) throws -> Snapshot {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw FolderAshbyError("cannot read the folder \(directory): \(error.localizedDescription)")
        }
        var lists: [String: Listing] = [:]
        var total = 0
        for name in names.sorted() where name.hasSuffix(".json") {
            let stem = String(name.dropLast(5))
            guard let endpoint = endpoints.first(where: { $0.type == stem || $0.method == stem }) else {
                throw FolderAshbyError("\(directory)/\(name): not an entity type this stand-in serves; name files after one of "
                    + endpoints.map { "\($0.type).json" }.joined(separator: ", ") + " (or the endpoint, e.g. application.list.json)")
            }
            guard lists[endpoint.method] == nil else {
                throw FolderAshbyError("\(directory): \(endpoint.type) is given twice (\(endpoint.type).json and \(endpoint.method).json)")
            }
            let path = directory + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else { throw FolderAshbyError("\(path): cannot be read") }
            let listing = try listing(path: path, bytes: [UInt8](data))
            total += listing.items.count
            lists[endpoint.method] = listing
        }
        return Snapshot(directory: directory, lists: lists, records: total)
    }

    /// Locates each record of a file holding one JSON array (scanned as `{"results": <file>}`, not parsed).
    static func listing(path: String, bytes: [UInt8]) throws -> Listing {
        let prefix = Array(#"{"results":"#.utf8)
        let body = prefix + bytes + Array("}".utf8)
        let layout: JSONObjectLayout?
        do { layout = try JSONObjectLayout.scan(body, elementsOf: "results", elementKey: "id") } catch {
            throw FolderAshbyError("\(path): not valid JSON at byte \(max(0, error.offset - prefix.count)) (\(error.reason))")
        }
        guard let elements = layout?.elements else { throw FolderAshbyError("\(path): must hold one JSON array of records") }
        var items: [(id: String, range: Range<Int>, hash: UInt64)] = []
        var index: [String: Int] = [:]
        items.reserveCapacity(elements.count)
        for (i, element) in elements.enumerated() {
            guard body[element.range.lowerBound] == UInt8(ascii: "{"), let id = element.key, !id.isEmpty else {
                throw FolderAshbyError("\(path): item \(i) is not a record with a string \"id\"")
            }
            guard index.updateValue(items.count, forKey: id) == nil else {
                throw FolderAshbyError("\(path): the id \(id) appears twice")
            }
            let hash = body.withUnsafeBytes { ContentHash(bytes: UnsafeRawBufferPointer(rebasing: $0[element.range])).value }
            items.append((id, element.range, hash))
        }
        return Listing(body: body, items: items, index: index)
    }

    // MARK: - Requests

    public func handle(method: String, path: String, headers: [String: String], body: [UInt8]) -> SimulatorResponse {
        if path.hasPrefix("/_sim/") { return control(method: method, path: path, body: body) }
        requests.withLock { $0 += 1 }
        var lower: [String: String] = [:]
        for (k, v) in headers { lower[k.lowercased()] = v }
        guard let auth = lower["authorization"], auth.hasPrefix("Basic "),
              let decoded = Base64Codec.decode(String(auth.dropFirst(6)).trimmingWhitespace()),
              String(decoding: decoded, as: UTF8.self).split(separator: ":", omittingEmptySubsequences: false).first.map(String.init) == key
        else { return failure("unauthorized", "Missing or unknown API key", status: 401) }
        guard method == "POST" else { return failure("method_not_allowed", "Ashby endpoints accept POST only", status: 405) }
        let name = String(path.dropFirst())
        let parameters: JSONObject
        do { parameters = try JSONValue.parse(body.isEmpty ? Array("{}".utf8) : body).objectValue ?? [:] } catch {
            return failure("invalid_input", "Request payload is malformed")
        }
        var response = answer(name, path: path, parameters)
        response.delayMillis = latencyMillis.withLock { $0 }
        return response
    }

    /// Milliseconds added to every API reply (`POST /_sim/latency {"millis": N}`).
    public var latency: Int {
        get { latencyMillis.withLock { $0 } }
        set { latencyMillis.withLock { $0 = max(0, newValue) } }
    }
    private let latencyMillis = Mutex(0)

    private func answer(_ name: String, path: String, _ parameters: JSONObject) -> SimulatorResponse {
        if name == "application.listHistory" { return history(parameters) }
        guard let endpoint = FolderAshby.endpoints.first(where: { $0.method == name }) else {
            // Endpoints outside the folder's lists answer like an empty account.
            return name.hasSuffix(".list") ? page(items: [], body: [], more: false, cursor: nil, token: nil)
                : failure("endpoint_not_found", "Unknown endpoint \(path)", status: 404)
        }
        return list(endpoint.method, syncTokenSupported: endpoint.syncToken, parameters)
    }

    private func list(_ method: String, syncTokenSupported: Bool, _ p: JSONObject) -> SimulatorResponse {
        let snapshots = self.snapshots.withLock { $0 }
        let current = snapshots.count - 1
        let limit = min(max(p["limit"]?.intValue ?? 100, 1), 100)
        // The cursor carries the snapshot and token it was made for, and the offset.
        var offset = 0
        var since: Int? = nil
        if let cursor = p["cursor"]?.stringValue {
            let parts = cursor.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0] == "fc", Int(parts[1]) == current, let o = Int(parts[3]), o >= 0 else {
                return failure("cursor_invalid", "Invalid cursor")
            }
            offset = o
            since = parts[2].isEmpty ? nil : Int(parts[2])
        } else if let token = p["syncToken"]?.stringValue {
            guard syncTokenSupported else { return failure("invalid_input", "\(method) takes no syncToken") }
            guard token.hasPrefix("fs"), let g = Int(token.dropFirst(2)), g >= 0, g <= current else {
                return failure("sync_token_invalid", "Invalid sync token")
            }
            since = g
        }
        let listing = snapshots[current].lists[method] ?? Listing(body: [], items: [], index: [:])
        let plan = method == "interviewStage.list" ? p["interviewPlanId"]?.stringValue : nil
        // A whole listing pages straight through the file's order; a filtered one (changes since a token,
        // one plan's stages) is worked out once and kept for the pages that follow.
        let selected: [Int]?
        if since == nil && plan == nil {
            selected = nil
        } else {
            let key = "\(method)|\(current)|\(since.map(String.init) ?? "")|\(plan ?? "")"
            if let cached = selections.withLock({ $0[key] }) {
                selected = cached
            } else {
                var indices = Array(listing.items.indices)
                if let plan {
                    indices = indices.filter { i in
                        (try? JSONValue.parse(Array(listing.body[listing.items[i].range])))?.string("interviewPlanId") == plan
                    }
                }
                if let since {
                    let old = snapshots[since].lists[method]
                    indices = indices.filter { i in
                        let item = listing.items[i]
                        guard let old, let j = old.index[item.id] else { return true }
                        return old.items[j].hash != item.hash
                    }
                }
                selections.withLock { $0[key] = indices }
                selected = indices
            }
        }
        let count = selected?.count ?? listing.items.count
        let end = min(count, offset + limit)
        let pageItems = offset < end ? (selected.map { Array($0[offset..<end]) } ?? Array(offset..<end)) : []
        let more = end < count
        let cursor = more ? "fc.\(current).\(since.map(String.init) ?? "").\(end)" : nil
        let token = !more && syncTokenSupported ? "fs\(current)" : nil
        return page(items: pageItems.map { listing.items[$0].range }, body: listing.body, more: more, cursor: cursor, token: token)
    }

    private func history(_ p: JSONObject) -> SimulatorResponse {
        guard let id = p["applicationId"]?.stringValue else { return failure("invalid_input", "applicationId is required") }
        let snapshots = self.snapshots.withLock { $0 }
        guard let listing = snapshots.last?.lists["application.list"], let i = listing.index[id] else {
            return failure("application_not_found", "Application not found")
        }
        let record = try? JSONValue.parse(Array(listing.body[listing.items[i].range]))
        let entries = record?["applicationHistory"]?.arrayValue ?? []
        let body = JSONValue.object(["success": true, "results": .array(entries), "moreDataAvailable": false])
        return SimulatorResponse(status: 200, headers: [("content-type", "application/json; charset=utf-8")], body: body.canonicalBytes())
    }

    private func page(items: [Range<Int>], body: [UInt8], more: Bool, cursor: String?, token: String?) -> SimulatorResponse {
        var out: [UInt8] = Array(#"{"success":true,"results":["#.utf8)
        out.reserveCapacity(items.reduce(64) { $0 + $1.count + 1 })
        for (n, range) in items.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out += body[range]
        }
        out += Array(#"],"moreDataAvailable":"#.utf8) + Array((more ? "true" : "false").utf8)
        if let cursor { out += Array(#","nextCursor":""#.utf8) + Array(cursor.utf8) + [UInt8(ascii: "\"")] }
        if let token { out += Array(#","syncToken":""#.utf8) + Array(token.utf8) + [UInt8(ascii: "\"")] }
        out.append(UInt8(ascii: "}"))
        return SimulatorResponse(status: 200, headers: [("content-type", "application/json; charset=utf-8")], body: out)
    }

    private func failure(_ code: String, _ message: String, status: Int = 200) -> SimulatorResponse {
        let body: JSONValue = ["success": false, "errors": [.string(code)],
                               "errorInfo": ["code": .string(code), "message": .string(message)]]
        return SimulatorResponse(status: status, headers: [("content-type", "application/json; charset=utf-8")], body: body.canonicalBytes())
    }

    private func control(method: String, path: String, body: [UInt8]) -> SimulatorResponse {
        func reply(_ v: JSONValue, status: Int = 200) -> SimulatorResponse {
            SimulatorResponse(status: status, headers: [("content-type", "application/json; charset=utf-8")], body: v.canonicalBytes())
        }
        switch (method, path) {
        case ("POST", "/_sim/advance"):
            guard let next = queued.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else {
                return reply(["error": "no further folder to serve (ashby-sim --files DIR --day1 DIR2)"], status: 400)
            }
            let number = snapshots.withLock { $0.append(next); return $0.count - 1 }
            return reply(["now": .string(FolderAshby.wallNow().iso8601), "snapshot": JSONValue(number),
                          "directory": .string(next.directory)])
        case ("POST", "/_sim/latency"):
            guard let millis = (try? JSONValue.parse(body.isEmpty ? Array("{}".utf8) : body))?["millis"]?.intValue,
                  (0...600_000).contains(millis) else { return reply(["error": "latency takes {\"millis\": N}, N from 0 to 600000"], status: 400) }
            latency = millis
            return reply(["millis": JSONValue(millis)])
        case ("GET", "/_sim/status"), ("POST", "/_sim/status"):
            let s = snapshots.withLock { $0 }
            return reply(["now": .string(FolderAshby.wallNow().iso8601), "snapshot": JSONValue(s.count - 1),
                          "directory": .string(s.last!.directory), "records": JSONValue(s.last!.records),
                          "requests": JSONValue(requests.withLock { $0 })])
        default:
            return reply(["error": .string("unknown control endpoint \(method) \(path) for a files stand-in")], status: 404)
        }
    }

    private let requests = Mutex(0)
    /// Filtered listings already worked out, by endpoint, snapshot, token snapshot and plan.
    private let selections = Mutex([String: [Int]]())

    static func wallNow() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
    }
}

/// A folder the files stand-in cannot serve, with the file and the reason.
public struct FolderAshbyError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
