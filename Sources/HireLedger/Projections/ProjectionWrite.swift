/// One change to the `projections` database (`LedgerStore.writeProjections`).
public enum ProjectionWrite: Sendable, Hashable {
    case put(key: [UInt8], value: [UInt8])
    case delete(key: [UInt8])
    /// Removes every key starting with `prefix` except `keeping` itself and the keys under it
    /// (`keeping` followed by `/`).
    case deletePrefix([UInt8], keeping: [UInt8]?)
}
