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
    private let fastAheadBytes: Int, slowAheadBytes: Int
    /// How long replies take (shared by a service's listings), and from when they are slow.
    private let pace: ReplyPace
    private let slowReply: Duration
    /// The bound now: `slowAheadBytes` while replies are slow, else `fastAheadBytes`.
    private var aheadBytes: Int { pace.isSlow(slowReply) ? slowAheadBytes : fastAheadBytes }
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// Starts fetching `pager`'s pages now, at `priority` (nil: the caller's). At most `aheadBytes` of
    /// pages are held for the pass (one page always) while replies come fast; while they are slow
    /// (`pace`), up to `slowAheadBytes`: against a slow Ashby a listing waiting for its pass gathers pages
    /// meanwhile, while on loopback (CPU-bound) pages are not scanned long before they are read again.
    init(_ pager: AshbyPager, aheadBytes: Int, slowAheadBytes: Int? = nil, pace: ReplyPace = ReplyPace(),
         slowReply: Duration = .milliseconds(20), priority: TaskPriority? = nil) {
        fastAheadBytes = max(1, aheadBytes)
        self.slowAheadBytes = max(fastAheadBytes, slowAheadBytes ?? aheadBytes)
        self.pace = pace
        self.slowReply = slowReply
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
                    pace.record(ContinuousClock.now - started)
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

/// How long list replies take: a moving average (each reply weighing a fifth, the first all), so one
/// reply slowed by a busy machine does not count. One per `SyncService`, so a daily sync starts from
/// what the last one saw. Slow replies (a real Ashby, not loopback) make the sync list the next types
/// ahead and its listings gather pages (`SyncOptions.listingWindow`, `listingAheadBytesWhenSlow`).
final class ReplyPace: Sendable {
    private let average = Mutex<Duration?>(nil)

    init() {}

    func record(_ took: Duration) {
        average.withLock { $0 = $0.map { $0 * 0.8 + took * 0.2 } ?? took }
    }

    /// Whether the average so far is `slowReply` or more (false before any reply, unless `slowReply` is 0).
    func isSlow(_ slowReply: Duration) -> Bool {
        guard let average = average.withLock({ $0 }) else { return slowReply <= .zero }
        return average >= slowReply
    }
}
