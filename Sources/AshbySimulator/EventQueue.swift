/// Something that happens in the world at a simulated time.
enum WorldEvent {
    case dayStart(day: Int32)
    case newApplication
    case newJob
    case applicationStep(Int32)
    case scheduleComplete(Int32)
    case offerDecision(Int32)
    case offerApproval(Int32)
    case hire(offer: Int32)
    case jobOpen(Int32)
    case jobClose(Int32)
    case jobArchive(Int32)
    case mergeCandidates, deleteCandidate, reorganiseDepartment, userChange, candidateProfileChange
    case openingSlip, newOpening, newTag
    /// A custom field value set or changed, or a field renamed (`SimulatorBehaviours.customFieldValues`).
    case customFieldChange, customFieldRename
    /// A user deactivated (`SimulatorBehaviours.deactivatedUsers`).
    case userDeactivation
}

/// A min-heap of events ordered by (time, insertion order), so equal times keep a deterministic order.
struct EventQueue {
    private var items: [(at: Int64, order: UInt64, event: WorldEvent)] = []
    private var counter: UInt64 = 0

    var isEmpty: Bool { items.isEmpty }
    var nextTime: Int64? { items.first?.at }

    mutating func push(_ event: WorldEvent, at: Int64) {
        counter += 1
        items.append((at, counter, event))
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if less(i, p) { items.swapAt(i, p); i = p } else { break }
        }
    }

    mutating func pop() -> (at: Int64, event: WorldEvent)? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && less(l, m) { m = l }
                if r < items.count && less(r, m) { m = r }
                if m == i { break }
                items.swapAt(i, m); i = m
            }
        }
        return (top.at, top.event)
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        items[a].at != items[b].at ? items[a].at < items[b].at : items[a].order < items[b].order
    }
}
