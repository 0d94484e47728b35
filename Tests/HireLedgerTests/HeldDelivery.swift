import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerTestSupport
import Testing

/// What the kill-during-delivery tests (`hireledger deliver`, `hireledger serve`) share: a store of
/// `total` events, a subscription from the beginning to a receiver that answers the first
/// `holdAfter` requests and holds every later answer until the deliverer has been killed, so the kill
/// lands mid-delivery however fast or loaded the machine.
struct HeldDelivery {
    static let holdAfter = 700
    let total: Int
    let store: LedgerStore
    let gate = TestGate()
    let receiver: LoopbackHTTPServer
    let subscriptionId: String

    init(path: String, total: Int = 20_000) throws {
        self.total = total
        // Default options (fsync on), as the child processes open the store.
        store = try LedgerStore.open(directory: path)
        try WebhookDeliveryTests.appendEvents(store, total)
        let gate = self.gate
        receiver = try LoopbackHTTPServer { index, _ in
            if index >= HeldDelivery.holdAfter { gate.wait() }
            return .status(204)
        }
        subscriptionId = try SubscriptionStore(store: store, addressPolicy: .allowPrivate).create(url: receiver.url, types: [], startAt: .beginning).0.id
    }

    /// Waits until delivery reaches the hold, runs `kill` (which SIGKILLs the deliverer and returns
    /// once it has exited), checks that the kill landed before the end, then lets the answers go.
    func killMidDelivery(_ kill: () -> Void) async {
        await receiver.waitForRequests(Self.holdAfter)
        kill()
        #expect(receiver.requests.count < total, "the kill must land during delivery")
        gate.open()
    }

    /// The event seqs received, first receipts only, in order of arrival.
    var firstReceipts: [UInt64] {
        var seen = Set<UInt64>()
        return receiver.requests.compactMap(WebhookDeliveryTests.seq).filter { seen.insert($0).inserted }
    }

    var cursor: LogPosition? { get throws { try SubscriptionStore(store: store).get(subscriptionId)?.cursor } }
}
