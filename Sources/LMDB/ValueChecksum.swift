import HireLedgerCore

/// The checksum a checksummed database (`Database.isChecksummed`) stores after every value: XXH64 of
/// the value, seeded with XXH64 of the key, as 8 little-endian bytes at the end of the stored value.
///
/// Seeding with the key makes a value that ended up under another key (a damaged branch page, a
/// misdirected write) fail its check as well as a flipped byte does. The hash is `HireLedgerCore.XXH64`
/// (the published XXH64, tested against its reference vectors). Changing it is a store format change.
///
/// Kept in Swift by measurement (issue 14): the checksum was ~8% of a views rebuild, and the C library
/// (libxxhash) hashed only 5-15% faster than this implementation on the store's values, not enough to
/// be worth a system library dependency (a C target or a `-dev` package on every build machine).
public enum ValueChecksum {
    /// Bytes the checksum adds to every stored value.
    public static let size = 8

    /// The checksum of `value` stored under `key`.
    @inline(__always)
    public static func of(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> UInt64 {
        XXH64.hash(value, seed: XXH64.hash(key, seed: 0))
    }

    /// The value without its trailing checksum when the checksum matches; nil when it does not (or the
    /// stored value is shorter than a checksum).
    @inline(__always)
    public static func verified(key: UnsafeRawBufferPointer, stored: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard stored.count >= size else { return nil }
        let value = UnsafeRawBufferPointer(rebasing: stored[..<(stored.count - size)])
        let expected = UInt64(littleEndian: stored.loadUnaligned(fromByteOffset: stored.count - size, as: UInt64.self))
        return of(key: key, value: value) == expected ? value : nil
    }
}
