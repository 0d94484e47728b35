/// A read-only snapshot of the store, lent to the closure of `Environment.read`.
///
/// It cannot be copied, stored or used after the closure returns; its reads are those of
/// `ReadableTransaction`.
public struct ReadTransaction: ~Copyable, ReadableTransaction {
    let core: TransactionCore

    init(core: consuming TransactionCore) { self.core = core }

    public func _withCore<R>(_ body: (borrowing TransactionCore) throws -> R) rethrows -> R {
        try body(core)
    }
}
