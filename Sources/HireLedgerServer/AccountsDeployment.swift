import Foundation
import HireLedger
import TOMLKit

/// A deployment file: the Ashby accounts one `hireledger serve --deployment FILE` answers for, each with
/// its own store, key, schedule, rate budget and API token. TOML (read and written with TOMLKit):
///
/// ```toml
/// max_concurrent_syncs = 4              # syncs running at once over all accounts
/// admin_token_file = "admin-token"      # reads every account (default: admin-token beside this file)
///
/// [[accounts]]
/// name = "acme"                          # [A-Za-z0-9_-]+; the URL segment /v1/accounts/acme/...
/// store = "stores/acme"                  # one store per account, on local disk
/// key_file = "keys/acme.key"             # the account's read-only Ashby key (owner-only file)
/// sync_every = "1h"                      # 90s, 15m, 1h, 1d
/// requests_per_second = 5                # this key's budget at Ashby (default 5)
/// max_concurrent_requests = 16           # most requests in flight at once during a sync (default 16)
/// # base_url = "http://127.0.0.1:4010"   # another Ashby (a simulator); default https://api.ashbyhq.com
/// # token_file = "stores/acme/api-token" # this account's bearer token (default <store>/api-token)
/// # simulator_seed = 7                   # no key: an embedded simulator world (for trying it out)
/// ```
///
/// Relative paths are resolved against the file's directory. Rules: names and stores are unique, and
/// every account has a key file or a simulator seed (never both).
public struct AccountsDeployment: Sendable, Hashable, Codable {
    public struct Account: Sendable, Hashable, Codable {
        public var name: String
        public var store: String
        public var keyFile: String?
        public var baseURL: String?
        public var syncEvery: String
        public var requestsPerSecond: Double?
        /// The most requests to Ashby in flight at once during a sync (`SyncOptions.maxConcurrentRequests`); nil: 16.
        public var maxConcurrentRequests: Int?
        public var tokenFile: String?
        public var simulatorSeed: UInt64?
        public var simulatorSize: String?

        public init(name: String, store: String, keyFile: String? = nil, baseURL: String? = nil, syncEvery: String = "1h",
                    requestsPerSecond: Double? = nil, tokenFile: String? = nil, simulatorSeed: UInt64? = nil, simulatorSize: String? = nil,
                    maxConcurrentRequests: Int? = nil) {
            self.maxConcurrentRequests = maxConcurrentRequests
            self.name = name
            self.store = store
            self.keyFile = keyFile
            self.baseURL = baseURL
            self.syncEvery = syncEvery
            self.requestsPerSecond = requestsPerSecond
            self.tokenFile = tokenFile
            self.simulatorSeed = simulatorSeed
            self.simulatorSize = simulatorSize
        }

        enum CodingKeys: String, CodingKey {
            case name, store
            case keyFile = "key_file", baseURL = "base_url", syncEvery = "sync_every"
            case requestsPerSecond = "requests_per_second", tokenFile = "token_file"
            case maxConcurrentRequests = "max_concurrent_requests"
            case simulatorSeed = "simulator_seed", simulatorSize = "simulator_size"
        }

        /// `sync_every` in seconds, or nil when it cannot be read.
        public var syncInterval: Double? { DurationText.seconds(syncEvery) }
    }

    public var maxConcurrentSyncs: Int
    public var adminTokenFile: String?
    public var accounts: [Account]

    enum CodingKeys: String, CodingKey {
        case maxConcurrentSyncs = "max_concurrent_syncs", adminTokenFile = "admin_token_file", accounts
    }

    public init(maxConcurrentSyncs: Int = 4, adminTokenFile: String? = nil, accounts: [Account] = []) {
        self.maxConcurrentSyncs = maxConcurrentSyncs
        self.adminTokenFile = adminTokenFile
        self.accounts = accounts
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxConcurrentSyncs = try c.decodeIfPresent(Int.self, forKey: .maxConcurrentSyncs) ?? 4
        adminTokenFile = try c.decodeIfPresent(String.self, forKey: .adminTokenFile)
        accounts = try c.decodeIfPresent([Account].self, forKey: .accounts) ?? []
    }

    /// Reads and checks a deployment file.
    /// - Throws: `AccountsDeploymentError` naming the file and what is wrong in it.
    public static func load(_ path: String) throws(AccountsDeploymentError) -> AccountsDeployment {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw AccountsDeploymentError(path: path, "cannot be read (\(error.localizedDescription)); create it with 'hireledger accounts add'")
        }
        let deployment: AccountsDeployment
        do {
            deployment = try TOMLDecoder().decode(AccountsDeployment.self, from: text)
        } catch let error as TOMLParseError {
            throw AccountsDeploymentError(path: path, "is not valid TOML: \(error.description) (\(error.source.debugDescription))")
        } catch let DecodingError.typeMismatch(type, context), let DecodingError.valueNotFound(type, context) {
            throw AccountsDeploymentError(path: path, "has a wrong value at \(context.codingPath.map(\.stringValue).joined(separator: ".")): expected \(type)")
        } catch let DecodingError.keyNotFound(key, context) {
            let at = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw AccountsDeploymentError(path: path, "misses '\(key.stringValue)'\(at.isEmpty ? "" : " in \(at)")")
        } catch {
            throw AccountsDeploymentError(path: path, "cannot be read: \(error)")
        }
        let problems = deployment.problems()
        if !problems.isEmpty { throw AccountsDeploymentError(path: path, "has problems: " + problems.joined(separator: "; ")) }
        return deployment
    }

    /// Writes the file (TOML, owner-only, replaced atomically through a temporary file and a rename),
    /// creating its directory if missing.
    public func save(_ path: String) throws {
        let problems = self.problems()
        precondition(problems.isEmpty, "saving an invalid deployment: \(problems)")
        let body = try TOMLEncoder().encode(self) as String
        let text = "# HireLedger deployment: the Ashby accounts `hireledger serve --deployment` answers for.\n"
            + "# Edit with `hireledger accounts add|remove`, or by hand (see README, Running at scale).\n\n" + body + "\n"
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) } catch {
            throw AccountsDeploymentError(path: path, "could not be written (cannot create \(parent): \(error.localizedDescription))")
        }
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw AccountsDeploymentError(path: path, "could not be written (cannot create \(temporary))")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw AccountsDeploymentError(path: path, "could not be written (\(reason))")
        }
    }

    /// Every problem, as messages naming the account and the setting; empty when the deployment is usable.
    public func problems() -> [String] {
        var out: [String] = []
        if maxConcurrentSyncs < 1 { out.append("max_concurrent_syncs must be at least 1") }
        var names = Set<String>(), stores = Set<String>()
        for a in accounts {
            if !AccountsDeployment.isName(a.name) {
                out.append("account name '\(a.name)' must be letters, digits, '_' and '-' only")
            }
            if !names.insert(a.name).inserted { out.append("account '\(a.name)' is named twice") }
            if a.store.isEmpty { out.append("account '\(a.name)' has no store") }
            if !stores.insert(a.store).inserted { out.append("account '\(a.name)' uses the store \(a.store) of another account") }
            if a.syncInterval == nil || a.syncInterval! <= 0 {
                out.append("account '\(a.name)': sync_every '\(a.syncEvery)' is not a duration such as 15m, 1h or 1d")
            }
            if let r = a.requestsPerSecond, r <= 0 { out.append("account '\(a.name)': requests_per_second must be positive") }
            if let n = a.maxConcurrentRequests, !(1...AccountsDeployment.maxConcurrentRequestsLimit).contains(n) {
                out.append("account '\(a.name)': max_concurrent_requests must be between 1 and \(AccountsDeployment.maxConcurrentRequestsLimit)")
            }
            switch (a.keyFile, a.simulatorSeed) {
            case (nil, nil): out.append("account '\(a.name)' needs a key_file (or a simulator_seed to try it on the embedded simulator)")
            case (.some, .some): out.append("account '\(a.name)' has both a key_file and a simulator_seed; keep one")
            default: break
            }
            if a.simulatorSeed != nil && a.baseURL != nil { out.append("account '\(a.name)': base_url needs a key_file, not a simulator_seed") }
        }
        return out
    }

    public func account(_ name: String) -> Account? { accounts.first { $0.name == name } }

    /// The highest `max_concurrent_requests` (and `hireledger sync --max-concurrent-requests`) accepted.
    public static let maxConcurrentRequestsLimit = 32

    /// `path` resolved against the directory of the deployment file at `file`.
    public static func resolve(_ path: String, relativeTo file: String) -> String {
        if path.hasPrefix("/") { return path }
        let dir = URL(fileURLWithPath: file).deletingLastPathComponent().path
        return URL(fileURLWithPath: dir).appendingPathComponent(path).standardizedFileURL.path
    }

    static func isName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 64 && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}

/// A deployment file that cannot be used, with the file named.
public struct AccountsDeploymentError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(path: String, _ what: String) { description = "the deployment file \(path) \(what)" }
}
