import Synchronization
import AshbyAPI
import Foundation
import HireLedger
import HireLedgerCore
import Hummingbird

/// One account of an `AccountsServer`: its store and API when they could be opened (else why not), its
/// token, its sync service and the outcome of its last syncs.
public final class AccountRuntime: Sendable {
    public let config: AccountsDeployment.Account
    /// The account's store directory and token file, resolved against the deployment file.
    public let storePath: String
    public let tokenPath: String
    /// Nil when the account is unavailable (`failure` says why).
    public let api: LedgerAPI?
    let responder: RouterResponder<BasicRequestContext>?
    /// The account's bearer token (nil when it could not be read or made).
    let token: APIToken?
    /// The token of the account's inner `LedgerAPI`: random per process, never leaves it.
    let internalToken: String
    /// Why the account is unavailable.
    public let failure: String?
    /// Set when the store was kept out of service because a check before opening found it damaged
    /// (`AccountsServer.init`'s `damagedStores`): the findings. The store was never opened here.
    public let damage: [String]?
    private let service: SyncService?
    private let state = Mutex(AccountSyncStatus())

    init(config: AccountsDeployment.Account, deploymentPath: String, options: ServerOptions, client: Result<AshbyClient, any Error>,
         damage: [String]?, plannerAssets: PlannerAssets) {
        self.config = config
        storePath = AccountsDeployment.resolve(config.store, relativeTo: deploymentPath)
        tokenPath = config.tokenFile.map { AccountsDeployment.resolve($0, relativeTo: deploymentPath) }
            ?? URL(fileURLWithPath: storePath).appendingPathComponent(APIToken.defaultFileName).path
        internalToken = AccountRuntime.randomHex()
        self.damage = damage
        var api: LedgerAPI?, token: APIToken?, failure: String?, service: SyncService?
        if let damage {
            // Never opened: liblmdb may crash on the damaged pages, and a crash ends the whole process.
            failure = "its store at \(storePath) failed verification before it was opened (\(damage.count) finding\(damage.count == 1 ? "" : "s"): "
                + damage.prefix(3).joined(separator: "; ") + (damage.count > 3 ? "; …" : "") + ")"
        } else {
            do {
                let store = try LedgerStore.open(directory: storePath)
                token = try APIToken.loadOrCreate(at: tokenPath).token
                api = try LedgerAPI(store: store, token: APIToken(internalToken), options: options, plannerAssets: plannerAssets)
                switch client {
                case .success(let c): service = SyncService(store: store, client: c)
                case .failure(let e): failure = "it cannot sync: \(e)"
                }
            } catch {
                failure = "its store at \(storePath) cannot be opened: \(error)"
                api = nil
            }
        }
        if api == nil { token = token ?? (try? APIToken.loadOrCreate(at: tokenPath).token) }
        self.api = api
        self.token = token
        self.failure = failure
        self.service = service
        responder = api?.router().buildResponder()
    }

    /// Syncs the account once and records the outcome; never throws (a failure is the account's status).
    public func syncOnce() async {
        guard let service else { return }
        let started = Date()
        state.withLock { $0.syncing = true }
        do {
            let report = try await service.sync(SyncOptions(
                maxConcurrentRequests: config.maxConcurrentRequests ?? SyncOptions.defaultMaxConcurrentRequests))
            let seconds = Date().timeIntervalSince(started)
            state.withLock {
                $0.syncing = false
                $0.lastSuccessAt = Date()
                $0.lastDuration = seconds
                $0.lastAppended = report.appendedEvents
                $0.consecutiveFailures = 0
                $0.lastError = nil
                $0.syncs += 1
            }
            api?.watcher.notify()
        } catch {
            state.withLock {
                $0.syncing = false
                $0.lastFailureAt = Date()
                $0.lastError = String(describing: error)
                $0.consecutiveFailures += 1
            }
        }
    }

    public var status: AccountSyncStatus { state.withLock { $0 } }

    /// The 503 problem an unavailable account's data routes answer: why, and for a damaged store the
    /// way out (restore, or salvage into a new store and put it in place), then a restart of `serve`.
    var unavailableProblem: APIProblem {
        let name = config.name
        guard damage != nil else {
            return APIProblem(.serviceUnavailable, "Account unavailable",
                              detail: "Account '\(name)' is unavailable: \(failure ?? "unknown reason"). The other accounts are not affected.")
        }
        return APIProblem(.serviceUnavailable, "Account store damaged",
                          detail: "Account '\(name)' is out of service: \(failure ?? "its store is damaged"). Its store is kept closed so that "
                            + "a crash in liblmdb on a damaged page cannot stop the other accounts, which are not affected. Way out: restore "
                            + "it from a backup (`hireledger restore BACKUP --store \(storePath) --force`), or run `hireledger verify --salvage "
                            + "NEW_DIR --store \(storePath)` to write a new store from what can still be read and put NEW_DIR in its place; "
                            + "then restart `hireledger serve --deployment`. `hireledger verify --store \(storePath)` lists the damage.")
    }

    /// The account as `/v1/accounts` lists it: name, availability, last position and sync outcome.
    /// Never the key, the token, or any candidate data.
    public var statusJSON: JSONValue {
        let s = status
        var o: JSONObject = ["name": .string(config.name), "available": .bool(failure == nil), "syncEvery": .string(config.syncEvery),
                             "syncing": .bool(s.syncing), "syncs": JSONValue(s.syncs), "consecutiveFailures": JSONValue(s.consecutiveFailures)]
        if let failure { o["unavailable"] = .string(failure) }
        if damage != nil { o["damaged"] = .bool(true) }
        if let api, let last = try? api.store.lastPosition { o["lastSeq"] = JSONValue(last.value); o["storeId"] = .string(api.store.storeId) }
        if let t = s.lastSuccessAt { o["lastSyncAt"] = .string(Timestamp(t).iso8601) }
        if let t = s.lastFailureAt { o["lastFailureAt"] = .string(Timestamp(t).iso8601) }
        if let e = s.lastError { o["lastError"] = .string(e) }
        if let d = s.lastDuration { o["lastSyncMilliseconds"] = JSONValue(Int(d * 1000)) }
        return .object(o)
    }

    static func randomHex() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(UInt8.random(in: 0...255, using: &rng), radix: 16).leftPadded(2) }.joined()
    }
}

/// How an account's syncs went.
public struct AccountSyncStatus: Sendable {
    public var syncing = false
    public var syncs = 0
    public var lastSuccessAt: Date?
    public var lastFailureAt: Date?
    public var lastError: String?
    public var lastDuration: Double?
    public var lastAppended = 0
    public var consecutiveFailures = 0
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

extension Timestamp {
    init(_ date: Date) { self.init(millisecondsSinceEpoch: Int64(date.timeIntervalSince1970 * 1000)) }
}
