@testable import HireLedgerCore

/// The seeded generator of the property tests, so a failing random case can be replayed from its seed.
typealias SeededGenerator = SplitMix64

/// Random JSON values with awkward keys (`/`, `~`, `~1`, empty, non-ASCII) and small arrays, and
/// near-copies of a value (a few edits), for the diff/apply oracle.
enum RandomJSON {
    static let keys = ["a", "b", "id", "", "x/y", "~", "~1", "a~0b", "é", "0", "-", "name", "stages"]

    /// A random value; objects' keys are drawn from `keys` (few keys make random paths reach something).
    static func value(_ g: inout SeededGenerator, depth: Int = 0, keys: [String] = keys) -> JSONValue {
        let leafOnly = depth >= 4
        switch Int.random(in: 0..<(leafOnly ? 5 : 8), using: &g) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &g))
        case 2: return JSONValue(Int.random(in: -3...3, using: &g))
        case 3: return .string(["", "x", "y", "Hired", "a/b"].randomElement(using: &g)!)
        case 4: return .number(JSONNumber(unchecked: ["1.0", "1", "-0.5e3"].randomElement(using: &g)!))
        case 5, 6:
            let n = Int.random(in: 0...4, using: &g)
            return .object(JSONObject((0..<n).map { _ in (keys.randomElement(using: &g)!, value(&g, depth: depth + 1, keys: keys)) }))
        default:
            let n = Int.random(in: 0...5, using: &g)
            return .array((0..<n).map { _ in value(&g, depth: depth + 1, keys: keys) })
        }
    }

    /// `v` with 1 to 3 random edits somewhere inside.
    static func nearCopy(_ v: JSONValue, _ g: inout SeededGenerator) -> JSONValue {
        var out = v
        for _ in 0..<Int.random(in: 1...3, using: &g) { out = edit(out, &g, depth: 0) }
        return out
    }

    private static func edit(_ v: JSONValue, _ g: inout SeededGenerator, depth: Int) -> JSONValue {
        let descend = Int.random(in: 0..<3, using: &g) > 0
        switch v {
        case .object(var o) where !o.isEmpty:
            let key = o.keys.randomElement(using: &g)!
            switch Int.random(in: 0..<4, using: &g) {
            case 0: o[key] = Optional<JSONValue>.none
            case 1: o[keys.randomElement(using: &g)!] = value(&g, depth: depth + 1)
            default: o[key] = descend ? edit(o[key]!, &g, depth: depth + 1) : value(&g, depth: depth + 1)
            }
            return .object(o)
        case .array(var a) where !a.isEmpty:
            let i = Int.random(in: 0..<a.count, using: &g)
            switch Int.random(in: 0..<4, using: &g) {
            case 0: a.remove(at: i)
            case 1: a.insert(value(&g, depth: depth + 1), at: Int.random(in: 0...a.count, using: &g))
            default: a[i] = descend ? edit(a[i], &g, depth: depth + 1) : value(&g, depth: depth + 1)
            }
            return .array(a)
        default:
            return value(&g, depth: depth)
        }
    }
}
