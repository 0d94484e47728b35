/// A deterministic fold over the event log: a named, versioned state built by applying events in
/// log order (docs/ARCHITECTURE.md §1: projections are derived and can always be rebuilt from the log).
///
/// Rules a conforming type keeps, and a runner relies on:
/// - `apply` is pure: the state after a sequence of events depends only on the events, so folding
///   the log from position 0 gives the same state as keeping it incrementally, checkpoint after
///   checkpoint (`encode` then `decode` then more `apply`).
/// - `apply` never fails: an event it cannot read (missing members, odd values) leaves the state as
///   it would be without that event. Data from Ashby never traps.
/// - `encode` is canonical: equal states encode to identical bytes, so "rebuilt" and "kept" states
///   can be compared byte for byte. `decode(encode(s))` equals `s`.
/// - A change to what `apply` computes or to the encoded form takes a new `version`; a runner that
///   finds a stored state of another version discards it and refolds from position 0.
///
/// The runner feeds events in increasing `seq`, each exactly once (it stores the encoded state
/// together with the last applied position in one transaction).
public protocol Projection {
    associatedtype State: Sendable

    /// Stable storage name (`[a-z_]+`), part of the key `name@version`.
    static var name: String { get }
    /// Bumped whenever the fold's result or the encoded form changes.
    static var version: Int { get }

    /// The state before any event.
    static func initialState() -> State

    /// Folds one event into the state.
    static func apply(_ event: RecordedEvent, to state: inout State)

    /// Whether events of `type` can change the state; a runner may skip decoding the others.
    /// Default: every type.
    static func handles(_ type: EventType) -> Bool

    /// The parts of the `data` of events of `type` that `apply` reads (only asked for types it
    /// handles). A runner builds only those (`JSONValue.parse(_:selecting:)`), which makes a rebuild
    /// several times cheaper than decoding whole records and patches. `apply` must then give the same
    /// state from the pruned `data` as from the whole (the tests fold both ways and compare).
    /// Default: `.all`. Return a stored value: it is asked once per event.
    static func dataSelection(for type: EventType) -> JSONSelection

    /// The canonical bytes of `state`: canonical JSON, or a binary layout of the projection's own
    /// where decoding JSON would cost a cold query too much (the pipeline's, issue 17).
    static func encode(_ state: State) -> [UInt8]

    /// Reads back what `encode` wrote.
    static func decode(_ bytes: [UInt8]) throws(ProjectionStateError) -> State

    /// Reads back what `encode` wrote, from bytes in place (a checkpoint in the store's map).
    /// Default: copies them and calls `decode(_:)`.
    static func decode(_ bytes: UnsafeRawBufferPointer) throws(ProjectionStateError) -> State
}

extension Projection {
    public static func handles(_ type: EventType) -> Bool { true }
    public static func dataSelection(for type: EventType) -> JSONSelection { .all }
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(ProjectionStateError) -> State {
        try decode(Array(bytes))
    }

    /// What a runner passes to `LedgerStore.scanEvents(selecting:)`: nil for the types not handled.
    @inline(__always) public static func selection(for type: EventType) -> JSONSelection? {
        handles(type) ? dataSelection(for: type) : nil
    }

    /// `name@version`, the key a runner stores the state under.
    public static var storageKey: String { "\(name)@\(version)" }

    /// Folds `events` (in log order) into `state`.
    public static func fold(_ events: some Sequence<RecordedEvent>, into state: inout State) {
        for e in events where handles(e.type) { apply(e, to: &state) }
    }

    /// The state after folding `events` from the initial state.
    public static func fold(_ events: some Sequence<RecordedEvent>) -> State {
        var s = initialState()
        fold(events, into: &s)
        return s
    }
}

/// Stored projection state that cannot be read back.
public struct ProjectionStateError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String {
        "cannot decode projection state: \(message); discard the stored state and rebuild it from the log"
    }
}
