/// One kind's normalisation rules (volatile fields, embedded references) compiled into a tree walked
/// once per record: `RecordNormalizer.normalizedValue` gives what applying the rules one after another
/// gives, and the tests compare the two on every simulated record and on random ones.
///
/// Why: applied one by one, every rule that reached into a record rebuilt the record's top-level object
/// (a copy of all its members, each retained), and a rule that changed nothing still did; an application
/// has eleven rules. That was a sixth of the sync's parsing side in a first sync (perf, release, files
/// mode). Walked once, an object is copied only when one of its members changes, and only once.
///
/// Only paths of member and `[*]` steps compile; a kind with a `*` step keeps the one-by-one path
/// (`RecordNormalizer.normalizedValue`), as the standard rules have none.
struct NormalizationPlan: Sendable {
    /// What happens at one place of a record: to an object there, and to an array there.
    final class Node: Sendable {
        let object: ObjectRule?
        let elements: Node?

        init(object: ObjectRule?, elements: Node?) {
            self.object = object
            self.elements = elements
        }
    }

    /// What happens to an object's members. `entries` is sorted by key bytes, like the object's members.
    struct ObjectRule: Sendable {
        enum Action: Sendable {
            case remove
            case keep
            case rewrite(Node)
        }
        let entries: [(key: String, action: Action)]
        /// Whether members without an entry stay (false under an embedded reference's `keep`).
        let othersStay: Bool
        /// Each entry's key as UTF-8 bytes, for `JSONCanonicalizer`, which compares keys in place.
        let keyBytes: [[UInt8]]

        init(entries: [(key: String, action: Action)], othersStay: Bool) {
            self.entries = entries
            self.othersStay = othersStay
            keyBytes = entries.map { Array($0.key.utf8) }
        }
    }

    let root: Node

    /// Compiles the rules of one kind; nil when a path has a `*` step, or when there is nothing to do.
    init?(volatileFields: [FieldPath], references: [EmbeddedReference]) {
        let builder = Builder()
        for path in volatileFields {
            // A path ending at every element of an array removes nothing (array slots are positional).
            guard case .member(let name)? = path.steps.last else {
                if path.steps.contains(.everyMember) { return nil }
                continue
            }
            guard let parent = builder.walk(path.steps.dropLast()) else { return nil }
            parent.removed.insert(name)
        }
        for reference in references {
            guard let node = builder.walk(reference.path.steps[...]) else { return nil }
            node.keep = node.keep.map { $0.intersection(reference.keep) } ?? reference.keep
        }
        guard let root = builder.compile() else { return nil }
        self.root = root
    }

    /// The rules as they are added, before they are compiled.
    private final class Builder {
        var removed: Set<String> = []
        var keep: Set<String>?
        var members: [String: Builder] = [:]
        var elements: Builder?

        /// The builder of the place `steps` lead to, made as needed; nil for a `*` step.
        func walk(_ steps: ArraySlice<FieldPath.Step>) -> Builder? {
            guard let step = steps.first else { return self }
            let next: Builder
            switch step {
            case .member(let name):
                next = members[name] ?? Builder()
                members[name] = next
            case .everyElement:
                next = elements ?? Builder()
                elements = next
            case .everyMember:
                return nil
            }
            return next.walk(steps.dropFirst())
        }

        /// Nil when nothing happens here or below.
        func compile() -> Node? {
            var entries: [(key: String, action: ObjectRule.Action)] = []
            var keys = Set(removed).union(members.keys)
            if let keep { keys.formUnion(keep) }
            for key in keys {
                if removed.contains(key) { entries.append((key, .remove)); continue }
                if let keep, !keep.contains(key) { continue }  // dropped with the others
                if let node = members[key]?.compile() {
                    entries.append((key, .rewrite(node)))
                } else if keep != nil {
                    entries.append((key, .keep))
                }
            }
            entries.sort { JSONObject.compareKeys($0.key, $1.key) < 0 }
            let object = entries.isEmpty && keep == nil ? nil : ObjectRule(entries: entries, othersStay: keep == nil)
            let elementsNode = elements?.compile()
            guard object != nil || elementsNode != nil else { return nil }
            return Node(object: object, elements: elementsNode)
        }
    }

    /// `value` with the plan applied, or nil when that leaves it as it is.
    func apply(to value: JSONValue) -> JSONValue? { Self.apply(root, value) }

    private static func apply(_ node: Node, _ value: JSONValue) -> JSONValue? {
        switch value {
        case .object(let o):
            guard let rule = node.object else { return nil }
            return apply(rule, o).map(JSONValue.object)
        case .array(let items):
            guard let each = node.elements else { return nil }
            var out: [JSONValue]?
            for i in items.indices {
                guard let v = apply(each, items[i]) else { continue }
                if out == nil { out = items }
                out![i] = v
            }
            return out.map(JSONValue.array)
        default:
            return nil
        }
    }

    /// The members and the rule's entries are both sorted by key bytes: one pass over both. The members
    /// are copied at the first change only.
    private static func apply(_ rule: ObjectRule, _ object: JSONObject) -> JSONObject? {
        let members = object.members
        var out: [JSONObject.Member]?
        var j = 0
        for i in members.indices {
            let key = members[i].key
            var action: ObjectRule.Action? = nil
            while j < rule.entries.count {
                let c = JSONObject.compareKeys(rule.entries[j].key, key)
                if c < 0 { j += 1; continue }
                if c == 0 { action = rule.entries[j].action }
                break
            }
            switch action {
            case nil where rule.othersStay, .keep?:
                out?.append(members[i])
            case nil, .remove?:
                if out == nil { out = Array(members[..<i]) }
            case .rewrite(let node)?:
                if let v = apply(node, members[i].value) {
                    if out == nil { out = Array(members[..<i]) }
                    out!.append(JSONObject.Member(key: key, value: v))
                } else {
                    out?.append(members[i])
                }
            }
        }
        return out.map { JSONObject(sortedUniqueMembers: $0) }
    }
}
