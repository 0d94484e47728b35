import Foundation
@testable import HireLedger
import HireLedgerCore
import Testing

/// A write's values encoded by two threads (`LedgerStore.encodeValues` on the writer thread) are the
/// bytes one thread makes, in order.
struct SharedEncodingTests {
    @Test func valuesEncodedByTwoThreadsAreTheBytesOneThreadMakes() async throws {
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path)
            var g = SplitMix64(seed: 3)
            let families = [ValueFamily.record(.application), ValueFamily.of(.domain(.applicationStageChanged), subject: .application),
                            ValueFamily.record(.candidate)]
            let values: [(family: String, plain: [UInt8])] = (0..<1_001).map { i in
                let record: JSONValue = ["id": .string("app-\(i)"), "n": JSONValue(Int(g.next() % 1_000)),
                                         "text": .string(String(repeating: "word\(i % 7) ", count: Int(g.next() % 80)))]
                return (families[i % 3], record.canonicalBytes())
            }
            #expect(values.count >= LedgerStore.sharedEncodingMinimum)
            let alone = values.map { store.codec.encode($0.plain, family: $0.family) }
            // On the writer thread (not a task), as a sync's writes run: shared with the compressor thread.
            let shared = try await store.onWriterThread { store.encodeValues(values) }
            #expect(shared.count == alone.count)
            #expect(shared == alone)
            // From a task it encodes alone, with the same result.
            #expect(store.encodeValues(values) == alone)
            #expect(try values.indices.allSatisfy { i in try shared[i].withUnsafeBytes { try store.codec.decode($0) } == values[i].plain })
        }
    }
}

/// `WriterThread.release` hands values over only while the thread keeps up.
struct WriterThreadReleaseTests {
    final class Gate: @unchecked Sendable {
        let semaphore = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
    }

    @Test func releasesAreHandedOverOnlyWhileFewerThanTheLimitWait() async throws {
        let thread = WriterThread(name: "test-release")
        defer { thread.stop() }
        let gate = Gate()
        // The thread is busy with a job that waits for the gate.
        _ = thread.start { gate.started.signal(); gate.semaphore.wait(); return 1 }
        gate.started.wait()
        final class Tracked: @unchecked Sendable {}
        weak var first: Tracked?, second: Tracked?
        do {
            let a = Tracked(), b = Tracked()
            first = a
            second = b
            #expect(thread.release(a, unlessQueued: 1), "nothing waits: handed over")
            #expect(!thread.release(b, unlessQueued: 1), "one release waits: kept by the caller")
        }
        #expect(second == nil, "the refused value was freed by the caller's own references")
        #expect(first != nil, "the handed-over value waits for the busy thread")
        gate.semaphore.signal()
        // The release queued after the busy job has run once a job queued after it has.
        #expect(try await thread.perform { 2 } == 2)
        #expect(first == nil, "the handed-over value was freed on the thread")
    }
}
