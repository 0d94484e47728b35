import AshbySimulator
import Foundation
import HireLedgerCore
import Testing

/// Calls the simulator without sockets, the way a client would over HTTP.
struct Caller {
    let sim: SimulatedAshby
    var key: String

    init(_ sim: SimulatedAshby, key: String? = nil) {
        self.sim = sim
        self.key = key ?? sim.fullAccessKey
    }

    var authHeader: String { "Basic " + Data("\(key):".utf8).base64EncodedString() }

    func raw(_ endpoint: String, _ body: JSONValue = [:]) -> SimulatorResponse {
        sim.handle(path: "/\(endpoint)", headers: ["Authorization": authHeader, "Content-Type": "application/json"],
                   body: body.canonicalBytes())
    }

    /// The parsed body; records an issue if it is not JSON.
    func call(_ endpoint: String, _ body: JSONValue = [:]) throws -> JSONValue {
        let r = raw(endpoint, body)
        return try JSONValue.parse(r.body)
    }

    /// Every result of a paginated list, following `nextCursor` until `moreDataAvailable` is false.
    /// Returns the results and the final page's sync token.
    func walk(_ endpoint: String, _ params: [String: JSONValue] = [:], limit: Int = 100,
              cursorOnly: Bool = true) throws -> (results: [JSONValue], syncToken: String?, pages: Int) {
        var results: [JSONValue] = []
        var cursor: String? = nil
        var pages = 0
        while true {
            var p = params
            p["limit"] = JSONValue(limit)
            if let cursor {
                p["cursor"] = .string(cursor)
                if cursorOnly { p["syncToken"] = nil }
            }
            let page = try call(endpoint, .object(JSONObject(p.map { ($0.key, $0.value) })))
            pages += 1
            guard page["success"]?.boolValue == true else {
                throw WalkError(endpoint: endpoint, body: page)
            }
            results += page["results"]?.arrayValue ?? []
            if page["moreDataAvailable"]?.boolValue == true {
                cursor = page.string("nextCursor")
                #expect(cursor != nil, "\(endpoint): moreDataAvailable without nextCursor")
                #expect(absent(page["syncToken"]), "\(endpoint): syncToken before the last page")
            } else {
                return (results, page.string("syncToken"), pages)
            }
        }
    }
}

struct WalkError: Error, CustomStringConvertible {
    var endpoint: String
    var body: JSONValue
    var description: String { "\(endpoint) failed: \(body)" }
    var code: String? { body["errorInfo"]?.string("code") }
}

extension JSONValue {
    var ids: [String] { arrayValue?.ids ?? [] }
}

extension Array where Element == JSONValue {
    var ids: [String] { compactMap { $0.string("id") } }
}

/// True when the key is missing (JSONValue is nil-literal-expressible, so `== nil` would mean `.null`).
func absent(_ v: JSONValue?) -> Bool {
    if case .none = v { return true }
    return false
}

func errorCode(_ v: JSONValue) -> String? { v["errorInfo"]?.string("code") }

/// Shapes for comparing a response with a recorded one: per key, the set of value kinds seen and the
/// nested shape, merged over every array item.
indirect enum Shape {
    case object([String: (kinds: Set<String>, shape: Shape?)])
    case array(Shape?)
    case scalar

    static func of(_ v: JSONValue) -> Shape? {
        switch v {
        case .object(let o):
            var d: [String: (kinds: Set<String>, shape: Shape?)] = [:]
            for m in o.members { d[m.key] = ([kindName(m.value)], Shape.of(m.value)) }
            return .object(d)
        case .array(let items):
            return .array(items.compactMap(Shape.of).reduce(nil) { merge($0, $1) })
        default: return nil
        }
    }

    /// Keys the reference README lists as null in real responses although the spec types them.
    static let nullableInRealAPI: Set<String> = [
        "creditedToUser", "source", "timezone", "archiveReason", "submitterClientIp", "submitterUserAgent",
        "customRequisitionId", "openedAt", "closedAt", "instructionsHtml", "instructionsPlain", "externalName",
        "parentId", "extraData", "applicationDeadline", "descriptionOpening", "descriptionClosing",
    ]

    static func kindName(_ v: JSONValue) -> String {
        switch v {
        case .null: "null"
        case .bool: "bool"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    static func merge(_ a: Shape?, _ b: Shape?) -> Shape? {
        switch (a, b) {
        case (nil, _): return b
        case (_, nil): return a
        case (.object(let x)?, .object(let y)?):
            var d = x
            for (k, v) in y {
                if let e = d[k] { d[k] = (e.kinds.union(v.kinds), merge(e.shape, v.shape)) } else { d[k] = v }
            }
            return .object(d)
        case (.array(let x)?, .array(let y)?): return .array(merge(x, y))
        default: return a
        }
    }

    /// Differences between `recorded` and `ours`: recorded keys missing in ours, kinds ours uses that the
    /// recording does not (null is allowed where the recording has null; any kind where it has only null),
    /// and keys ours has that the recording lacks (unless `allowedExtra`).
    static func differences(recorded: Shape?, ours: Shape?, path: String, allowedExtra: Set<String>) -> [String] {
        switch (recorded, ours) {
        case (.object(let r)?, .object(let o)?):
            var out: [String] = []
            for (k, rv) in r.sorted(by: { $0.key < $1.key }) {
                let p = path + "." + k
                guard let ov = o[k] else { out.append("missing \(p)"); continue }
                let rk = rv.kinds.subtracting(["null"])
                if !rk.isEmpty {
                    let oursTyped = ov.kinds.subtracting(["null"])
                    if !oursTyped.isSubset(of: rk) { out.append("\(p): ours \(ov.kinds.sorted()) vs recorded \(rv.kinds.sorted())") }
                    if ov.kinds.contains("null") && !rv.kinds.contains("null") && !Shape.nullableInRealAPI.contains(k) {
                        out.append("\(p): ours null, recorded only \(rv.kinds.sorted())")
                    }
                }
                out += differences(recorded: rv.shape, ours: ov.shape, path: p, allowedExtra: allowedExtra)
            }
            for k in o.keys.sorted() where r[k] == nil && !allowedExtra.contains(path + "." + k) {
                out.append("extra \(path).\(k)")
            }
            return out
        case (.array(let r)?, .array(let o)?):
            return differences(recorded: r, ours: o, path: path + "[]", allowedExtra: allowedExtra)
        default:
            return []
        }
    }
}
