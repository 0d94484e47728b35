/// One entry of an application's stage history (`application.listHistory`,
/// `application.info.applicationHistory`): a stay in one interview stage.
public struct StageHistoryEntry: Sendable, Hashable {
    public var id: String
    public var stageId: String
    /// The stage's title at the time.
    public var title: String?
    /// 0 for the first stay; the highest is the current stage. Ashby's, not always present in odd data.
    public var stageNumber: Int?
    public var enteredStageAt: Timestamp
    /// Absent for the current stage.
    public var leftStageAt: Timestamp?

    public init(id: String, stageId: String, title: String? = nil, stageNumber: Int? = nil,
                enteredStageAt: Timestamp, leftStageAt: Timestamp? = nil) {
        self.id = id
        self.stageId = stageId
        self.title = title
        self.stageNumber = stageNumber
        self.enteredStageAt = enteredStageAt
        self.leftStageAt = leftStageAt
    }

    /// Reads an Ashby history item; nil when it lacks a `stageId` or a readable `enteredStageAt`.
    /// A missing `id` becomes `stageId@enteredStageAt`.
    public init?(json: JSONValue) {
        guard let stageId = json.string("stageId"),
              let entered = json.string("enteredStageAt").flatMap(Timestamp.init(iso8601:))
        else { return nil }
        self.init(id: json.string("id") ?? "\(stageId)@\(entered.iso8601)", stageId: stageId,
                  title: json.string("title"), stageNumber: json["stageNumber"]?.intValue,
                  enteredStageAt: entered, leftStageAt: json.string("leftStageAt").flatMap(Timestamp.init(iso8601:)))
    }
}

/// A move into a stage, recovered from history.
public struct StageMove: Sendable, Hashable {
    /// The stage left: its history entry when known.
    public var from: StageHistoryEntry?
    /// The id of the stage left (also set when only the previously recorded stage id is known);
    /// nil for an application's first stage.
    public var fromStageId: String?
    /// The stage entered, with its real `enteredStageAt`.
    public var to: StageHistoryEntry
    /// True when the move was not the latest one at observation (superseded between two polls) or
    /// comes from a history backfill.
    public var backfilled: Bool

    public init(from: StageHistoryEntry?, fromStageId: String?, to: StageHistoryEntry, backfilled: Bool) {
        self.from = from
        self.fromStageId = fromStageId
        self.to = to
        self.backfilled = backfilled
    }
}

/// The stage an application was last recorded in.
public struct RecordedStage: Sendable, Hashable {
    public var stageId: String
    /// When it entered that stage, if known (it is when the previous sync saw the history).
    public var enteredStageAt: Timestamp?

    public init(stageId: String, enteredStageAt: Timestamp? = nil) {
        self.stageId = stageId
        self.enteredStageAt = enteredStageAt
    }
}

/// Recovers the stage moves of an application from its history (docs/ARCHITECTURE.md §5: moves between two
/// polls are recorded with their real `enteredStageAt`, flagged as backfilled).
///
/// Pure and deterministic. Odd input is tolerated: entries are sorted by `enteredStageAt` (then
/// `stageNumber`, then id), duplicates (same id, or same stage and entry time) are dropped, and
/// consecutive entries for the same stage are merged into the earliest, since staying in a stage is
/// not a move.
public enum StageHistoryReconciler {
    /// Reads and cleans raw history items (unreadable ones are skipped).
    public static func entries(from json: [JSONValue]) -> [StageHistoryEntry] {
        normalized(json.compactMap(StageHistoryEntry.init(json:)))
    }

    /// Sorted, de-duplicated history (see the type's documentation).
    public static func normalized(_ entries: [StageHistoryEntry]) -> [StageHistoryEntry] {
        let sorted = entries.sorted { a, b in
            if a.enteredStageAt != b.enteredStageAt { return a.enteredStageAt < b.enteredStageAt }
            let na = a.stageNumber ?? Int.max, nb = b.stageNumber ?? Int.max
            if na != nb { return na < nb }
            if a.id != b.id { return JSONObject.compareKeys(a.id, b.id) < 0 }
            // Same id twice: the copy that knows when the stage was left first, so it is the one kept.
            return a.leftStageAt != nil && b.leftStageAt == nil
        }
        var out: [StageHistoryEntry] = []
        var seenIDs = Set<String>()
        for e in sorted {
            guard seenIDs.insert(e.id).inserted else { continue }
            if let last = out.last, last.stageId == e.stageId {
                // Same stage again with no move in between: one stay, from the earlier entry until the
                // later one ended (a copy of the same stay may lack leftStageAt: keep what is known).
                out[out.count - 1].leftStageAt = e.enteredStageAt == last.enteredStageAt
                    ? last.leftStageAt ?? e.leftStageAt
                    : e.leftStageAt
                continue
            }
            out.append(e)
        }
        return out
    }

    /// The moves after `previous`, oldest first; every move but the last is backfilled.
    ///
    /// `previous` is found in the history by stage id and entry time (or, with no entry time, the
    /// latest stay in that stage). When it is not found but its entry time is known, the moves are
    /// the entries entered after that time. When neither works (a history that does not mention the
    /// recorded stage), only the latest entry is returned, since which others are new is unknowable.
    /// With `previous == nil` (a new application) every entry is a move. Empty when nothing moved.
    public static func moves(since previous: RecordedStage?, history: [StageHistoryEntry]) -> [StageMove] {
        let h = normalized(history)
        guard let last = h.last else { return [] }
        var start: Int
        var from: StageHistoryEntry?
        if let previous {
            if let i = match(previous, in: h) {
                start = i + 1
                from = h[i]
            } else if let entered = previous.enteredStageAt {
                start = h.firstIndex { $0.enteredStageAt > entered } ?? h.count
            } else {
                start = h.count - 1
            }
            if start == h.count - 1, from == nil, last.stageId == previous.stageId { return [] }
        } else {
            start = 0
        }
        guard start < h.count else { return [] }
        var out: [StageMove] = []
        var fromStageId = from?.stageId ?? previous?.stageId
        if from == nil, start > 0, previous == nil { from = h[start - 1] }
        for i in start..<h.count {
            out.append(StageMove(from: from, fromStageId: fromStageId, to: h[i], backfilled: i < h.count - 1))
            from = h[i]
            fromStageId = h[i].stageId
        }
        return out
    }

    /// Every move in the history, all flagged backfilled (for `sync --backfill-history`).
    public static func backfill(history: [StageHistoryEntry]) -> [StageMove] {
        moves(since: nil, history: history).map { var m = $0; m.backfilled = true; return m }
    }

    private static func match(_ previous: RecordedStage, in h: [StageHistoryEntry]) -> Int? {
        if let entered = previous.enteredStageAt {
            return h.lastIndex { $0.stageId == previous.stageId && $0.enteredStageAt == entered }
        }
        return h.lastIndex { $0.stageId == previous.stageId }
    }
}
