/// Wraps bytes in a gzip member (RFC 1952) made of stored deflate blocks, so a test server can send
/// `Content-Encoding: gzip` without a compression library. The client still has to parse the gzip
/// header, inflate the deflate stream and check the CRC-32, which is what the test is about.
enum Gzip {
    static func storedMember(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]
        var offset = 0
        repeat {
            let count = min(65_535, data.count - offset)
            let final = offset + count == data.count
            out.append(final ? 1 : 0)                       // BFINAL, BTYPE = 00 (stored)
            out += littleEndian(UInt16(count)) + littleEndian(~UInt16(count))
            out += data[offset..<(offset + count)]
            offset += count
        } while offset < data.count
        out += littleEndian(crc32(data)) + littleEndian(UInt32(truncatingIfNeeded: data.count))
        return out
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }

    private static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}
