/// What `EntityTimelines<Facts>.apply` reads of a record event's `data`, per action, built once per
/// kind (see `Projection.dataSelection(for:)`): of a `created` or `restored` record, `Facts.members`
/// and `createdAt` (first sightings are dated by it); of an `updated` one, the `after` of the changes
/// to `Facts.members`; of a `deleted` one, nothing.
public struct CompactFactsSelection: Sendable {
    public let whole: JSONSelection
    public let changes: JSONSelection
    public let nothing: JSONSelection = .only([])

    public init<Facts: CompactFacts>(_: Facts.Type) {
        whole = .members(["record": .only(Facts.members.union(["createdAt"]))])
        changes = .members(["changes": .members(Dictionary(uniqueKeysWithValues: Facts.members.map { ($0, JSONSelection.only(["after"])) }))])
    }

    public func selection(for action: RecordAction) -> JSONSelection {
        switch action {
        case .created, .restored: whole
        case .updated: changes
        case .deleted: nothing
        }
    }
}
