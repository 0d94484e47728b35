/// What `EventClassifier` may look up beyond the changed record: the state index, and the stage
/// history the sync service fetched for an application whose stage moved.
///
/// Lookups are synchronous and must not fail: a missing record is `nil` and the classifier then leaves
/// the looked-up fields `null`.
public protocol ClassificationContext {
    /// The current normalised record of `key`, or nil.
    func currentRecord(_ key: EntityKey) -> JSONValue?

    /// The entries of `application.listHistory` for the application (raw Ashby objects), when the
    /// sync service fetched them for this change; nil otherwise. Default: nil.
    func applicationHistory(applicationId: String) -> [JSONValue]?
}

extension ClassificationContext {
    public func applicationHistory(applicationId: String) -> [JSONValue]? { nil }
}

/// A `ClassificationContext` over dictionaries, for tests and for callers that collect the few
/// records a batch needs up front.
public struct InMemoryClassificationContext: ClassificationContext, Sendable {
    public var records: [EntityKey: JSONValue]
    public var histories: [String: [JSONValue]]

    public init(records: [EntityKey: JSONValue] = [:], histories: [String: [JSONValue]] = [:]) {
        self.records = records
        self.histories = histories
    }

    public func currentRecord(_ key: EntityKey) -> JSONValue? { records[key] }
    public func applicationHistory(applicationId: String) -> [JSONValue]? { histories[applicationId] }
}
