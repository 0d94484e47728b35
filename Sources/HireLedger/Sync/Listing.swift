import AshbyAPI
import Synchronization

/// One type's listing, fetched page after page by a task of its own while the sync records earlier
/// pages (or earlier types): up to `aheadBytes` of page bodies beyond what the pass has taken. Cursor
/// pagination allows one request at a time per listing, so a reply's latency is only hidden by asking
/// early; listings of the next types run beside the current one (`SyncService`'s listing window), each
/// through the sync's `RequestBudget`.
///
/// Pages come out in order, each with whether it is the last; a failed request comes out in its place,
/// after the pages before it, and ends the listing. Nothing is recorded here: what was fetched but not
/// taken when a sync stops is simply dropped (`cancel()`).
final class Listing: Sendable {
    struct Item: Sendable {
        /// nil: the listing had no page to give (a finished pager).
        let page: AshbyRawPage?
        let isLast: Bool
        /// The sync token of the last page (`AshbyPager.finalSyncToken`).
        let finalToken: String?
    }

    private struct State {
        var queue: [Result<Item, any Error>] = []
        var queuedBytes = 0
        /// The pass waiting for the next item.
        var consumer: CheckedContinuation<Result<Item, any Error>, Never>?
        /// The fetching task waiting for room.
        var producer: CheckedContinuation<Void, Never>?
        var cancelled = false
    }
    private let state = Mutex(State())
    private let fastAheadBytes: Int, slowAheadBytes: Int, slowReply: Duration
    /// The bound now: `slowAheadBytes` while the replies' moving average is `slowReply` or longer, else
    /// `fastAheadBytes`.
    private let bound: Mutex<Int>
    private var aheadBytes: Int { bound.withLock { $0 } }
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// Starts fetching `pager`'s pages now, at `priority` (nil: the caller's). At most `aheadBytes` of
    /// pages are held for the pass (one page always) while replies come fast; while their moving
    /// average (each reply weighing a fifth, the first all) is `slowReply` or longer, up to
    /// `slowAheadBytes`. An average, so that one reply slowed by a busy machine does not count: against a slow Ashby a listing waiting for its pass
    /// gathers pages meanwhile, while on loopback (CPU-bound) pages are not scanned long before they are
    /// read again.
    init(_ pager: AshbyPager, aheadBytes: Int, slowAheadBytes: Int? = nil, slowReply: Duration = .milliseconds(20),
         priority: TaskPriority? = nil) {
        fastAheadBytes = max(1, aheadBytes)
        self.slowAheadBytes = max(fastAheadBytes, slowAheadBytes ?? aheadBytes)
        self.slowReply = slowReply
        bound = Mutex(max(1, aheadBytes))
        let fetching = Task(priority: priority) { [self] in await self.fetch(pager) }
        task.withLock { $0 = fetching }
    }

    /// The next page (or the error in its place). Throws `CancellationError` if the awaiting task is
    /// cancelled meanwhile (the listing is then cancelled too).
    func next() async throws -> Item {
        let result: Result<Item, any Error> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let (ready, producer) = state.withLock { s -> (Result<Item, any Error>?, CheckedContinuation<Void, Never>?) in
                    if !s.queue.isEmpty {
                        let item = take(&s)
                        // Room again: the fetching task goes on.
                        let producer = s.queuedBytes < aheadBytes ? s.producer : nil
                        if producer != nil { s.producer = nil }
                        return (item, producer)
                    }
                    if s.cancelled { return (.failure(CancellationError()), nil) }
                    s.consumer = continuation
                    return (nil, nil)
                }
                producer?.resume()
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            cancel()
        }
        return try result.get()
    }

    /// Stops fetching; a pass waiting in `next()` gets `CancellationError` unless an item is queued.
    func cancel() {
        let (producer, consumer): (CheckedContinuation<Void, Never>?, CheckedContinuation<Result<Item, any Error>, Never>?) =
            state.withLock { s in
                s.cancelled = true
                defer { s.producer = nil; s.consumer = nil }
                return (s.producer, s.queue.isEmpty ? s.consumer : nil)
            }
        task.withLock { $0?.cancel() }
        producer?.resume()
        consumer?.resume(returning: .failure(CancellationError()))
    }

    private func take(_ s: inout State) -> Result<Item, any Error> {
        let item = s.queue.removeFirst()
        if case .success(let taken) = item { s.queuedBytes -= taken.page?.body.count ?? 0 }
        return item
    }

    private func fetch(_ pager: AshbyPager) async {
        var pager = pager
        var averageReply: Duration?
        while true {
            // Room first: at most `aheadBytes` queued (one page always fits).
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let wait = state.withLock { s in
                    if s.cancelled || s.queue.isEmpty || s.queuedBytes < aheadBytes { return false }
                    s.producer = continuation
                    return true
                }
                if !wait { continuation.resume() }
            }
            let result: Result<Item, any Error>
            if state.withLock({ $0.cancelled }) {
                result = .failure(CancellationError())
            } else {
                do {
                    let started = ContinuousClock.now
                    let page = try await pager.nextRaw()
                    let took = ContinuousClock.now - started
                    let average = averageReply.map { $0 * 0.8 + took * 0.2 } ?? took
                    averageReply = average
                    bound.withLock { $0 = average >= slowReply ? slowAheadBytes : fastAheadBytes }
                    result = .success(Item(page: page, isLast: pager.isFinished || page == nil, finalToken: pager.finalSyncToken))
                } catch {
                    result = .failure(error)
                }
            }
            let consumer: CheckedContinuation<Result<Item, any Error>, Never>? = state.withLock { s in
                if let consumer = s.consumer {
                    s.consumer = nil
                    return consumer
                }
                s.queue.append(result)
                if case .success(let item) = result { s.queuedBytes += item.page?.body.count ?? 0 }
                return nil
            }
            consumer?.resume(returning: result)
            switch result {
            case .failure: return
            case .success(let item): if item.isLast { return }
            }
        }
    }
}
