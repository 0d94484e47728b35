import Testing
@testable import HireLedgerCore

struct StageHistoryReconcilerTests {
    static func t(_ s: String) -> Timestamp { Timestamp(iso8601: s)! }
    static let a = StageHistoryEntry(id: "h0", stageId: "A", title: "Review", stageNumber: 0, enteredStageAt: t("2026-01-01T00:00:00.000Z"), leftStageAt: t("2026-01-02T00:00:00.000Z"))
    static let b = StageHistoryEntry(id: "h1", stageId: "B", title: "Screen", stageNumber: 1, enteredStageAt: t("2026-01-02T00:00:00.003Z"), leftStageAt: t("2026-01-03T00:00:00.000Z"))
    static let c = StageHistoryEntry(id: "h2", stageId: "C", title: "Onsite", stageNumber: 2, enteredStageAt: t("2026-01-03T00:00:00.002Z"), leftStageAt: t("2026-01-04T00:00:00.000Z"))
    static let d = StageHistoryEntry(id: "h3", stageId: "D", title: "Offer", stageNumber: 3, enteredStageAt: t("2026-01-04T00:00:00.001Z"))
    static let history = [a, b, c, d]

    @Test func movesSinceThePreviousStageMarkSupersededOnesBackfilled() {
        let moves = StageHistoryReconciler.moves(since: RecordedStage(stageId: "B"), history: Self.history)
        #expect(moves.map(\.to.stageId) == ["C", "D"])
        #expect(moves.map(\.fromStageId) == ["B", "C"])
        #expect(moves.map(\.backfilled) == [true, false])
        #expect(moves.map(\.to.enteredStageAt) == [Self.c.enteredStageAt, Self.d.enteredStageAt])
        #expect(moves.first?.from == Self.b)
    }

    @Test func noMoveWhenTheApplicationIsStillInThePreviousStage() {
        #expect(StageHistoryReconciler.moves(since: RecordedStage(stageId: "D"), history: Self.history).isEmpty)
        #expect(StageHistoryReconciler.moves(since: RecordedStage(stageId: "D", enteredStageAt: Self.d.enteredStageAt), history: Self.history).isEmpty)
    }

    @Test func aNewApplicationGetsEveryMoveAndOnlyTheLastIsCurrent() {
        let moves = StageHistoryReconciler.moves(since: nil, history: Self.history)
        #expect(moves.map(\.to.stageId) == ["A", "B", "C", "D"])
        #expect(moves.first?.fromStageId == nil)
        #expect(moves.map(\.backfilled) == [true, true, true, false])
    }

    @Test func backfillReturnsEveryMoveFlaggedBackfilled() {
        let moves = StageHistoryReconciler.backfill(history: Self.history)
        #expect(moves.map(\.to.stageId) == ["A", "B", "C", "D"])
        #expect(moves.allSatisfy { $0.backfilled })
        #expect(moves.map(\.fromStageId) == [nil, "A", "B", "C"])
    }

    @Test func revisitedStageIsMatchedByItsEntryTime() {
        // A → B → A → C: the application was recorded in the *second* stay in A.
        let a2 = StageHistoryEntry(id: "h9", stageId: "A", title: "Review", stageNumber: 2, enteredStageAt: Self.t("2026-01-03T00:00:00.000Z"))
        let c2 = StageHistoryEntry(id: "h10", stageId: "C", title: "Onsite", stageNumber: 3, enteredStageAt: Self.t("2026-01-05T00:00:00.000Z"))
        let history = [Self.a, Self.b, a2, c2]
        let fromFirstStay = StageHistoryReconciler.moves(since: RecordedStage(stageId: "A", enteredStageAt: Self.a.enteredStageAt), history: history)
        #expect(fromFirstStay.map(\.to.stageId) == ["B", "A", "C"])
        let fromSecondStay = StageHistoryReconciler.moves(since: RecordedStage(stageId: "A", enteredStageAt: a2.enteredStageAt), history: history)
        #expect(fromSecondStay.map(\.to.stageId) == ["C"])
        // Without an entry time, the latest stay in that stage is assumed.
        #expect(StageHistoryReconciler.moves(since: RecordedStage(stageId: "A"), history: history).map(\.to.stageId) == ["C"])
    }

    @Test(arguments: 0..<6)
    func oddInputGivesTheSameAnswer(_ variant: Int) {
        var g = SeededGenerator(seed: UInt64(variant))
        var odd = Self.history
        odd.append(Self.b)                                   // exact duplicate
        var bNoLeft = Self.b
        bNoLeft.leftStageAt = nil
        odd.append(bNoLeft)                                  // same id, less information
        var cOtherId = Self.c
        cOtherId.id = "h2-copy"
        odd.append(cOtherId)                                 // same stay, another id
        odd.shuffle(using: &g)
        #expect(StageHistoryReconciler.normalized(odd) == Self.history)
        let moves = StageHistoryReconciler.moves(since: RecordedStage(stageId: "B"), history: odd)
        #expect(moves.map(\.to.stageId) == ["C", "D"])
        #expect(moves.map(\.backfilled) == [true, false])
    }

    @Test func unknownPreviousStageYieldsOnlyTheCurrentMove() {
        let moves = StageHistoryReconciler.moves(since: RecordedStage(stageId: "Z"), history: Self.history)
        #expect(moves.map(\.to.stageId) == ["D"])
        #expect(moves.first?.fromStageId == "Z")
        #expect(moves.first?.backfilled == false)
        // With a known entry time, the entries after it are the moves.
        let timed = StageHistoryReconciler.moves(since: RecordedStage(stageId: "Z", enteredStageAt: Self.t("2026-01-02T12:00:00.000Z")), history: Self.history)
        #expect(timed.map(\.to.stageId) == ["C", "D"])
    }

    @Test func unreadableEntriesAreSkipped() throws {
        let json: [JSONValue] = [
            ["id": "x", "stageId": "A", "title": "Review", "stageNumber": 0, "enteredStageAt": "2026-01-01T00:00:00.000Z"],
            ["id": "y", "stageId": "B", "enteredStageAt": "not a time"],
            ["id": "z", "title": "no stage"],
            "not an object",
        ]
        let entries = StageHistoryReconciler.entries(from: json)
        #expect(entries.map(\.id) == ["x"])
        #expect(StageHistoryReconciler.moves(since: nil, history: []).isEmpty)
    }

    @Test func recordedHistoryFromAshbyReads() throws {
        let json = try #require(RecordedAshby.application["applicationHistory"]?.arrayValue)
        let moves = StageHistoryReconciler.backfill(history: StageHistoryReconciler.entries(from: json))
        #expect(moves.map(\.to.title) == ["Application Review", "Archived"])
        #expect(moves.last?.to.enteredStageAt.iso8601 == "2024-02-05T09:25:35.089Z")
        #expect(moves.last?.to.leftStageAt == nil)
    }
}
