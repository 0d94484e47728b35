/// A value whose bytes LMDB can read as a key or a value without copying them first.
///
/// Conformers lend their contiguous bytes for the duration of `withLMDBBytes`. `UInt64` lends its
/// eight **big-endian** bytes, so integer keys sort numerically under LMDB's byte-wise order
/// (`UInt64(bigEndianBytes:)` reads them back). `String` lends its UTF-8.
public protocol LMDBBytes {
    /// Calls `body` with the bytes; the buffer is valid only during the call.
    func withLMDBBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: LMDBBytes where Element == UInt8 {
    @inlinable
    public func withLMDBBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(body)
    }
}

extension ArraySlice: LMDBBytes where Element == UInt8 {
    @inlinable
    public func withLMDBBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(body)
    }
}

extension ContiguousArray: LMDBBytes where Element == UInt8 {
    @inlinable
    public func withLMDBBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeBytes(body)
    }
}

extension UnsafeRawBufferPointer: LMDBBytes {
    @inlinable
    public func withLMDBBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(self)
    }
}

extension String: LMDBBytes {
    /// The string's UTF-8 bytes (copied only if the string is not stored contiguously).
    @inlinable
    public func withLMDBBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var copy = self
        return try copy.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }
}

extension UInt64: LMDBBytes {
    /// The eight big-endian bytes, so that byte order equals numeric order.
    @inlinable
    public func withLMDBBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: bigEndian, body)
    }
}
