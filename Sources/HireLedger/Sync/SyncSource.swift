import AshbyAPI
import HireLedgerCore

/// Where a store's records come from: one Ashby organization, or one simulated world. A store is
/// bound to the source of its first sync (`LedgerStore.boundSource`) and every later sync checks that it
/// reads the same one (`SyncService.sync`), so a cron job that lost its `ASHBY_API_KEY` cannot fill a
/// real account's store with the embedded simulator's records (and record the real ones as deleted).
///
/// Never holds the API key, nor anything derived from it.
public enum SyncSource: Sendable, Hashable, CustomStringConvertible {
    /// A real Ashby account (or a simulator reached over HTTP with a key, which answers as one). The
    /// organization is nil when the key may read neither feedback forms nor brands (`AshbyOrganization`).
    case ashby(AshbyOrganization?)
    /// HireLedger's embedded simulator: a world is its seed and size.
    case simulator(seed: UInt64, size: String)

    public var description: String {
        switch self {
        case .ashby(let organization?): return organization.description
        case .ashby(nil): return "an Ashby account whose organization this key cannot read"
        case .simulator(let seed, let size): return "the embedded Ashby simulator (seed \(seed), \(size) world)"
        }
    }

    /// The stored form (canonical JSON in `meta`).
    public var json: JSONValue {
        switch self {
        case .ashby(let organization):
            var object: JSONObject = ["kind": "ashby"]
            if let organization {
                object["evidence"] = .string(organization.evidence.rawValue)
                object["value"] = .string(organization.value)
                if let name = organization.name { object["name"] = .string(name) }
            }
            return .object(object)
        case .simulator(let seed, let size):
            return ["kind": "simulator", "seed": .string(String(seed)), "size": .string(size)]
        }
    }

    public init?(json: JSONValue) {
        switch json.string("kind") {
        case "ashby":
            guard let evidence = json.string("evidence") else { self = .ashby(nil); return }
            guard let kind = AshbyOrganization.Evidence(rawValue: evidence), let value = json.string("value") else { return nil }
            self = .ashby(AshbyOrganization(evidence: kind, value: value, name: json.string("name")))
        case "simulator":
            guard let seed = json.string("seed").flatMap(UInt64.init), let size = json.string("size") else { return nil }
            self = .simulator(seed: seed, size: size)
        default:
            return nil
        }
    }

    /// How a sync from `self` relates to a store bound to `bound`.
    public enum Match: Sendable, Hashable {
        /// The same source.
        case same
        /// Cannot be told apart with what this key may read (an organization read before, none now, or
        /// identified by other evidence); the sync goes on, and says so.
        case unverifiable
        /// The same source, now known better (it was bound without an organization): the binding is updated.
        case refines
        /// Another source: the sync is refused.
        case different
    }

    public func match(bound: SyncSource) -> Match {
        switch (bound, self) {
        case (.simulator(let s1, let z1), .simulator(let s2, let z2)):
            return s1 == s2 && z1 == z2 ? .same : .different
        case (.ashby(let a?), .ashby(let b?)):
            if a.evidence == b.evidence { return a.value == b.value ? .same : .different }
            // Brand ids bound, the organization id now readable: nothing to compare, but better evidence.
            return a.evidence == .brands ? .refines : .unverifiable
        case (.ashby(nil), .ashby(_?)): return .refines
        case (.ashby, .ashby(nil)): return .unverifiable
        default: return .different
        }
    }
}

/// A sync refused because the store belongs to another source. Nothing was written.
public struct SourceMismatchError: Error, Sendable, CustomStringConvertible {
    public var storePath: String
    /// What the store is bound to (nil: an unbound store whose log says it came from elsewhere).
    public var bound: SyncSource?
    public var attempted: SyncSource
    /// Why, when `bound` is nil.
    public var reason: String?

    public var description: String {
        let from = bound.map { "was synced from \($0)" } ?? "was synced from another source (\(reason ?? "unknown"))"
        var advice: String
        switch (bound, attempted) {
        case (.ashby?, .simulator), (nil, .simulator):
            advice = "This sync would read \(attempted) because no ASHBY_API_KEY (or --api-key-file) is set. "
                + "Set the key of that account, or pass --store with another directory to try the simulator."
        default:
            advice = "This sync reads \(attempted). Use the key of the account the store belongs to, or pass --store "
                + "with another directory for this source."
        }
        if case .simulator? = bound, case .simulator = attempted {
            advice += " (the simulator's --simulator-seed and --simulator-size must match the store's)"
        }
        return "refused to sync: the store at \(storePath) \(from). \(advice) Nothing was written."
    }
}
