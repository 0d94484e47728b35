import HireLedgerCore

/// What `apiKey.info` says about the key in use.
public struct AshbyKeyInfo: Sendable {
    /// The key's name in Ashby's admin screen.
    public var title: String?
    public var createdAt: String?
    /// Scope strings as Ashby sent them (`jobs:read`, ...).
    public var scopes: [String]
    /// The scopes HireLedger recognises.
    public var permissions: [AshbyPermission] { scopes.compactMap(AshbyPermission.init(name:)) }
    /// Scopes HireLedger does not recognise (newer Ashby modules).
    public var unrecognizedScopes: [String] { scopes.filter { AshbyPermission(name: $0) == nil } }
    /// Write permissions the key holds; HireLedger never writes, so each is needless exposure.
    public var writePermissions: [AshbyPermission] { permissions.filter(\.isWrite) }
    /// The raw `results` object.
    public var raw: JSONValue

    public init(results: JSONValue) {
        raw = results
        title = results["title"]?.stringValue
        createdAt = results["createdAt"]?.stringValue
        scopes = results["scopes"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
