import HireLedgerCore

/// The state a `nextCursor` carries: which pass of which query, and where it stopped.
///
/// Cursors are opaque to clients (URL-safe base64 of fixed fields plus a keyed checksum), bound to the
/// endpoint and the query's filters, and self-contained, so a follow-up page works with the cursor alone
/// or with the cursor and the pass's sync token.
struct PageCursor: Equatable {
    var endpoint: UInt8
    var queryHash: UInt64
    /// 0 = full pass, 1 = incremental pass.
    var incremental: Bool
    /// Global change sequence when the pass started; becomes the pass's final sync token.
    var snapshotSeq: UInt64
    /// The token the incremental pass started from (0 for full passes).
    var tokenSeq: UInt64
    /// Last row index (full) or change-log index (incremental) already scanned.
    var position: Int64
}

/// A sync token: the change sequence it stands for, when it was issued (simulated ms) and its endpoint.
struct SyncToken: Equatable {
    var endpoint: UInt8
    var seq: UInt64
    var issuedAt: Int64
}

/// Encodes and checks cursors and tokens with a checksum keyed by the simulator seed.
struct TokenCodec: Sendable {
    let key: UInt64

    func encode(_ c: PageCursor) -> String {
        var b: [UInt8] = [1, c.endpoint, c.incremental ? 1 : 0]
        append(c.queryHash, &b); append(c.snapshotSeq, &b); append(c.tokenSeq, &b); append(UInt64(bitPattern: c.position), &b)
        return seal(b)
    }

    func decodeCursor(_ s: String) -> PageCursor? {
        guard let b = open(s), b.count == 35, b[0] == 1 else { return nil }
        return PageCursor(endpoint: b[1], queryHash: read(b, 3), incremental: b[2] == 1, snapshotSeq: read(b, 11),
                          tokenSeq: read(b, 19), position: Int64(bitPattern: read(b, 27)))
    }

    func encode(_ t: SyncToken) -> String {
        var b: [UInt8] = [2, t.endpoint]
        append(t.seq, &b); append(UInt64(bitPattern: t.issuedAt), &b)
        return seal(b)
    }

    func decodeToken(_ s: String) -> SyncToken? {
        guard let b = open(s), b.count == 18, b[0] == 2 else { return nil }
        return SyncToken(endpoint: b[1], seq: read(b, 2), issuedAt: Int64(bitPattern: read(b, 10)))
    }

    private func append(_ v: UInt64, _ b: inout [UInt8]) { for i in 0..<8 { b.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
    private func read(_ b: [UInt8], _ at: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(b[at + i]) << (8 * UInt64(i)) }
        return v
    }

    private func check(_ b: [UInt8]) -> [UInt8] {
        let h = b.withUnsafeBytes { XXH64.hash($0, seed: key) }
        return (0..<6).map { UInt8(truncatingIfNeeded: h >> (8 * UInt64($0))) }
    }

    private func seal(_ b: [UInt8]) -> String { Base64Codec.encode(b + check(b), .urlSafe) }

    private func open(_ s: String) -> [UInt8]? {
        guard let all = Base64Codec.decode(s, .urlSafe), all.count > 6 else { return nil }
        let body = Array(all.dropLast(6))
        return Array(all.suffix(6)) == check(body) ? body : nil
    }
}
