/// Names of jobs, departments and locations as the plan knows them at one point, for views whose
/// state holds ids only (plan changes). Read from the headcount state (`PlanEntities`), so the names
/// are the ones the headcount view prints at the same point.
public struct PlanNames: Sendable {
    let state: PlanEntities
    let point: BitemporalPoint

    /// Names as of `point` (default: the latest observation, known now).
    public init(_ state: PlanEntities, at point: BitemporalPoint? = nil) {
        self.state = state
        self.point = point ?? BitemporalPoint(validAt: state.head, knownAt: .distantFuture)
    }

    public func jobTitle(_ id: String?) -> String? { id.flatMap { state.jobs.facts($0, at: point)?.title } }

    public func locationName(_ id: String?) -> String? { id.flatMap { state.locations.facts($0, at: point)?.name } }

    /// A department's names from the top of the tree down to it (ids where a name is unknown);
    /// a cycle or a parent unknown then ends the path.
    public func departmentPath(_ id: String?) -> [String] {
        guard let id else { return [] }
        var chain = [id]
        var current = id
        while let parent = state.departments.facts(current, at: point)?.parentId, !chain.contains(parent), chain.count < 64 {
            chain.append(parent)
            current = parent
        }
        return chain.reversed().map { state.departments.facts($0, at: point)?.name ?? $0 }
    }
}
