import Testing
@testable import HireLedgerCore

struct JSONContentHashTests {
    /// `XXH64.Stream` fed a buffer in random pieces (empty ones included) gives `XXH64.hash` of the
    /// whole, for every length up to a few stripes and both seeds.
    @Test func streamedHashEqualsTheOneShotHash() {
        var rng = SystemRandomNumberGenerator()
        for n in 0...200 {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            for seed: UInt64 in [0, 0x9E37_79B1_85EB_CA8D] {
                var stream = XXH64.Stream(seed: seed)
                var at = 0
                while at < n || Bool.random(using: &rng) {
                    let next = min(n, at + Int.random(in: 0...40, using: &rng))
                    bytes.withUnsafeBytes { stream.update(UnsafeRawBufferPointer(rebasing: $0[at..<next])) }
                    at = next
                    if at == n { break }
                }
                #expect(stream.digest == bytes.withUnsafeBytes { XXH64.hash($0, seed: seed) }, "length \(n)")
            }
        }
    }

    /// Published XXH64 vectors (xxHash's documentation and the python-xxhash README), seed 0.
    @Test(arguments: [
        ("", 0xEF46_DB37_51D8_E999 as UInt64),
        ("a", 0xD24E_C4F1_A98C_6E5B),
        ("abc", 0x44BC_2CF5_AD77_0999),
        ("Nobody inspects the spammish repetition", 0xFBCE_A83C_8A37_8BF1),  // 39 bytes: the 32-byte loop
    ])
    func xxh64MatchesPublishedVectors(_ text: String, _ expected: UInt64) {
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBytes { XXH64.hash($0, seed: 0) } == expected)
        #expect(ContentHash(bytes: bytes).value == expected)
    }

    /// Bytes `(i * 31 + 7) & 0xFF` of every tail length, hashed by the reference C library
    /// (libxxhash 0.8.1, `XXH64`) with seeds 0 and 0x9E3779B185EBCA8D.
    @Test(arguments: [
        (1, 0xA96C_7F0C_E858_BBB7 as UInt64, 0x7634_9A43_0E97_F416 as UInt64),
        (3, 0x56E6_9576_32A4_87F9, 0xC42D_A545_EB6F_8983),
        (4, 0xC60D_15B1_E3FF_8F04, 0x52C5_131F_0829_D5FD),
        (7, 0xAFBE_FC3D_6C6F_9A8E, 0xF1A4_6CF9_25E5_669E),
        (8, 0x3DA5_C7AA_2696_83E0, 0x6580_DC86_ECA5_0F6C),
        (15, 0xAE2A_37EB_9357_CAA7, 0x9A18_E944_C774_D93B),
        (31, 0x4A74_F3A1_A39A_D4A1, 0x99F2_22FF_5E63_79D1),
        (32, 0x8D57_D6A4_671C_C43D, 0xA784_AE39_E74A_5A70),
        (33, 0x62C9_FD21_ED85_7664, 0xD39B_34C7_9F78_9080),
        (63, 0x5C32_0A0D_2707_057F, 0x83F6_300C_55E3_F539),
        (64, 0x7BBA_BBC4_5729_D17E, 0x0961_219A_B771_DD46),
        (100, 0xEFA0_AD2D_3E70_C151, 0x8DA8_3BA6_A3C5_979D),
        (1000, 0x9959_4F48_2804_3D35, 0x9665_7C99_7118_F796),
    ])
    func xxh64MatchesReferenceLibraryAtEveryTailLength(_ count: Int, _ seed0: UInt64, _ seeded: UInt64) {
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        bytes.withUnsafeBytes { buf in
            #expect(XXH64.hash(buf, seed: 0) == seed0)
            #expect(XXH64.hash(buf, seed: 0x9E37_79B1_85EB_CA8D) == seeded)
        }
    }

    @Test func contentHashIsTheHashOfTheCanonicalBytes() throws {
        let v = try JSONValue.parse(#"{ "b": [1.0, "é"], "a": null }"#)
        #expect(v.contentHash == ContentHash(bytes: v.canonicalBytes()))
        #expect(v.contentHash == ContentHash(bytes: Array(#"{"a":null,"b":[1.0,"é"]}"#.utf8)))
        #expect(v.contentHash.description.count == 16)
        #expect(ContentHash(value: 0xAB).description == "00000000000000ab")
    }

    @Test func anyChangeChangesTheHash() throws {
        let base = try JSONValue.parse(#"{"id":"1","status":"Active","n":1}"#)
        let variants = [#"{"id":"1","status":"Archived","n":1}"#, #"{"id":"1","status":"Active","n":1.0}"#,
                        #"{"id":"1","status":"Active","n":1,"x":null}"#, #"{"id":"1","status":"Active"}"#]
        for text in variants {
            #expect(try JSONValue.parse(text).contentHash != base.contentHash, "\(text)")
        }
    }
}
