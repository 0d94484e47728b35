#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HireLedgerCore
import LMDB

/// The right to deliver webhooks from one store: a lease kept in the store (`subscriptions` database,
/// key `lease/deliverer`) so that `serve` and `deliver` on the same store never send at the same time.
///
/// The holder renews it well before it expires (`renewInterval`); a holder that is killed stops
/// renewing and is replaced once `duration` has passed, or at once when it ran on this host and its
/// process is gone. Every cursor commit checks, in its own write
/// transaction, that the committing process still holds the lease (`SubscriptionStore.commit`), and
/// the dispatcher sends a request only while the lease has at least the request timeout left, so a
/// holder that stalled and lost the lease neither moves a cursor nor sends again.
///
/// Rules for callers: one `DelivererLease` per dispatcher; `acquire()` and `release()` are short
/// synchronous write transactions (call them off the cooperative pool when the store may be busy).
public final class DelivererLease: Sendable {
    /// What `acquire()` found.
    public enum State: Sendable, Hashable {
        /// This process holds the lease until the time given.
        case held(until: Timestamp)
        /// Another deliverer holds it; `holder` says who (role, pid, host), until `until` unless renewed.
        case heldByOther(holder: String, until: Timestamp)
    }

    public let store: LedgerStore
    /// Who this process is, for the message another deliverer shows (`serve pid 123 on host`).
    public let holder: String
    /// Seconds a lease lasts without renewal.
    public let duration: Double
    /// Random per process: tells this holder apart from an earlier process with the same pid.
    let token: String
    private let clock: any WebhookClock
    static let key = Array("lease/deliverer".utf8)

    /// - Parameters:
    ///   - role: what this process is (`serve`, `deliver`), shown to the other deliverer.
    ///   - duration: seconds a lease lasts without renewal (≥ 1); a killed holder is replaced after it.
    public init(store: LedgerStore, role: String, duration: Double = 30, clock: any WebhookClock = SystemWebhookClock()) {
        precondition(duration >= 1 && duration.isFinite, "a lease lasts at least a second")
        self.store = store
        self.duration = duration
        self.clock = clock
        token = SubscriptionStore.randomHex(16)
        holder = "\(role) pid \(ProcessIdentity.pid) on \(ProcessIdentity.hostName)"
    }

    /// Seconds between renewals while held: a third of `duration`.
    public var renewInterval: Double { duration / 3 }

    /// Takes the lease if it is free, expired or already ours (then extends it), else reports who has it.
    public func acquire() throws -> State {
        let now = clock.now()
        let until = now.adding(milliseconds: Int64(duration * 1000))
        return try store.environment.write { txn -> State in
            if let bytes = try txn.get(store.subscriptions, Self.key), let current = Self.decode(bytes),
               current.token != token, current.expiresAt > now, !Self.isDeadProcessOnThisHost(current) {
                return .heldByOther(holder: current.holder, until: current.expiresAt)
            }
            let value: JSONValue = ["holder": .string(holder), "token": .string(token), "expiresAt": JSONValue(until.millisecondsSinceEpoch),
                                    "pid": JSONValue(Int(ProcessIdentity.pid)), "host": .string(ProcessIdentity.hostName)]
            try txn.put(store.subscriptions, Self.key, value.canonicalBytes())
            return .held(until: until)
        }
    }

    /// Gives the lease up if this process holds it (so the next deliverer need not wait for expiry).
    public func release() {
        _ = try? store.environment.write { txn -> Void in
            if let bytes = try txn.get(store.subscriptions, Self.key), Self.decode(bytes)?.token == token {
                _ = try txn.delete(store.subscriptions, Self.key)
            }
        }
    }

    /// Whether this process holds an unexpired lease, read inside a caller's write transaction (the fence
    /// of every cursor commit).
    func isHeld(in txn: borrowing WriteTransaction, db: Database) throws -> Bool {
        guard let bytes = try txn.get(db, Self.key), let current = Self.decode(bytes) else { return false }
        return current.token == token && current.expiresAt > clock.now()
    }

    static func decode(_ bytes: [UInt8]) -> (holder: String, token: String, expiresAt: Timestamp, pid: Int32?, host: String?)? {
        guard let j = try? JSONValue.parse(bytes), let holder = j.string("holder"), let token = j.string("token"),
              let ms = j["expiresAt"]?.int64Value else { return nil }
        return (holder, token, Timestamp(millisecondsSinceEpoch: ms), j["pid"]?.int64Value.flatMap { Int32(exactly: $0) }, j.string("host"))
    }

    /// A holder on this host whose process no longer exists (killed): its lease need not be waited out.
    static func isDeadProcessOnThisHost(_ current: (holder: String, token: String, expiresAt: Timestamp, pid: Int32?, host: String?)) -> Bool {
        guard let pid = current.pid, pid > 0, current.host == ProcessIdentity.hostName, pid != ProcessIdentity.pid else { return false }
        if kill(pid, 0) == -1 && errno == ESRCH { return true }
        // Killed but not yet reaped by its parent: a zombie holds no lease either.
        return ProcessIdentity.isZombie(pid)
    }
}

/// This process's id and host name, for lease messages.
enum ProcessIdentity {
    /// Whether `pid` has exited and awaits reaping (state `Z` in `/proc/<pid>/stat`; false where there is no /proc).
    static func isZombie(_ pid: Int32) -> Bool {
        guard let f = fopen("/proc/\(pid)/stat", "r") else { return false }
        defer { fclose(f) }
        var buffer = [CChar](repeating: 0, count: 512)
        guard fgets(&buffer, Int32(buffer.count), f) != nil else { return false }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // "pid (comm) S ...": the state follows the last ')'.
        guard let close = line.lastIndex(of: ")") else { return false }
        return line[line.index(after: close)...].trimmingPrefix(" ").first == "Z"
    }

    static var pid: Int32 { getpid() }

    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown host" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
