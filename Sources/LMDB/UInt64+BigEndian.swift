extension UInt64 {
    /// The eight bytes of this number, most significant first: LMDB's byte-wise key order then equals
    /// numeric order, so a cursor walks an event log keyed by sequence number in sequence order.
    @inlinable
    public var bigEndianBytes: [UInt8] {
        withUnsafeBytes(of: bigEndian) { Array($0) }
    }

    /// Reads eight big-endian bytes (as written by `bigEndianBytes`); `nil` unless there are exactly eight.
    @inlinable
    public init?(bigEndianBytes bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 8 else { return nil }
        var value: UInt64 = 0
        for byte in bytes { value = value << 8 | UInt64(byte) }
        self = value
    }

    /// Reads eight big-endian bytes (as written by `bigEndianBytes`); `nil` unless there are exactly eight.
    @inlinable
    public init?(bigEndianBytes bytes: some Collection<UInt8>) {
        guard bytes.count == 8 else { return nil }
        var value: UInt64 = 0
        for byte in bytes { value = value << 8 | UInt64(byte) }
        self = value
    }
}
