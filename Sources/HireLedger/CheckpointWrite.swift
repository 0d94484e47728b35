/// A write to the `checkpoints` database made in the same transaction as the events it belongs to.
public struct CheckpointWrite: Sendable, Hashable {
    public var key: String
    /// The new value; nil removes the key.
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    /// Stores (or with nil, removes) the `syncToken` of a list endpoint.
    public static func syncToken(_ token: String?, endpoint: String) -> CheckpointWrite {
        CheckpointWrite(key: StoreKeys.syncToken(endpoint), value: token.map { Array($0.utf8) })
    }
}
