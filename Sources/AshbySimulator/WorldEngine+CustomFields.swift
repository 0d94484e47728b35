import HireLedgerCore

/// Custom field values on candidates, applications and jobs (`SimulatorBehaviours.customFieldValues`).
extension WorldEngine {
    private static let noteTexts = ["Referred by a former colleague", "Met at a meetup", "Strong portfolio", "Follow up in Q3",
                                    "Prefers remote work"]

    /// Sets or changes one value (the record's `updatedAt` moves).
    func changeCustomField(at t: Int64) {
        let object = ["Candidate", "Application", "Job"][rng.below(3)]
        let fields = world.customFields.indices.filter { world.customFields[$0].objectType == object && !world.customFields[$0].isArchived }
        guard !fields.isEmpty else { return }
        let f = Int32(rng.pick(fields))
        let field = world.customFields[Int(f)]
        let value: JSONValue
        switch field.fieldType {
        case "Boolean": value = JSONValue(rng.chance(0.5))
        case "Number": value = JSONValue(rng.int(0...12))
        case "ValueSelect": value = .string(rng.pick(field.selectableValues))
        default: value = .string(rng.pick(Self.noteTexts))
        }
        let name = "customFields.\(field.id.string)"
        switch object {
        case "Candidate":
            guard !liveCandidates.isEmpty else { return }
            let c = liveCandidates[rng.below(liveCandidates.count)]
            guard let old = Self.set(&world.candidates[Int(c)].customValues, f, value) else { return }
            world.touchCandidate(c, at: t)
            world.note(.updated, .candidate, world.candidates[Int(c)].id, at: t, field: name, old: old, new: value)
        case "Application":
            guard !world.applications.isEmpty else { return }
            let a = Int32(rng.below(world.applications.count))
            guard !world.applications[Int(a)].deleted,
                  let old = Self.set(&world.applications[Int(a)].customValues, f, value) else { return }
            world.touchApplication(a, at: t)
            world.note(.updated, .application, world.applications[Int(a)].id, at: t, field: name, old: old, new: value)
        default:
            guard !openJobs.isEmpty else { return }
            let j = openJobs[rng.below(openJobs.count)]
            guard let old = Self.set(&world.jobs[Int(j)].customValues, f, value) else { return }
            world.touchJob(j, at: t)
            world.note(.updated, .job, world.jobs[Int(j)].id, at: t, field: name, old: old, new: value)
        }
    }

    /// Sets field `f` to `value` in field order; the previous value (`.null` when unset), or nil when
    /// it already had that value.
    private static func set(_ values: inout [CustomValueRec], _ f: Int32, _ value: JSONValue) -> JSONValue? {
        if let i = values.firstIndex(where: { $0.field == f }) {
            guard values[i].value != value else { return nil }
            let old = values[i].value
            values[i].value = value
            return old
        }
        values.insert(CustomValueRec(field: f, value: value), at: values.firstIndex { $0.field > f } ?? values.count)
        return .null
    }

    /// Renames a field: only the field's own record changes; the `title` inside every value follows
    /// without touching the records that hold them.
    func renameCustomField(at t: Int64) {
        let fields = world.customFields.indices.filter {
            ["Candidate", "Application", "Job"].contains(world.customFields[$0].objectType) && !world.customFields[$0].isArchived
        }
        guard !fields.isEmpty else { return }
        let f = rng.pick(fields)
        let old = world.customFields[f].title
        let base = old.split(separator: " (").first.map(String.init) ?? old
        let new = "\(base) (\(rng.pick(["v2", "new", "updated", "2026"])))"
        guard new != old else { return }
        world.customFields[f].title = new
        world.customFields[f].changeSeq = world.bump(.customField, Int32(f))
        world.note(.updated, .customField, world.customFields[f].id, at: t, field: "title", old: .string(old), new: .string(new))
    }
}
