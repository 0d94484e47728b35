#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A structural check of `data.mdb` before LMDB maps it: what liblmdb itself does not check.
///
/// LMDB 0.9 reads both meta pages at open and refuses a file whose meta page lacks the `P_META` flag
/// or the magic number (`MDB_INVALID`) or has another data version (`MDB_VERSION_MISMATCH`). It does
/// not compare the file with the newer meta page: a file truncated below the last page in use is
/// mapped as it is and the first read past its end dies of `SIGBUS`. It also trusts page numbers up
/// to `mm_last_pg` and the offsets inside pages (see README, "Damage"). This check reads the two meta
/// pages with `pread` (never through the map) and refuses, as `.corrupted`, a file shorter than the
/// newer meta's last page, a meta whose page size is not a power of two between 512 and 64 KiB, or
/// root page numbers beyond the last page.
enum DataFileCheck {
    // MDB_meta layout (LMDB 0.9, 64-bit), after the 16-byte page header.
    private static let pageHeader = 16
    private static let magic: UInt32 = 0xBEEF_C0DE
    private static let pMeta: UInt16 = 0x08

    struct Meta {
        var pageSize: Int
        var lastPage: UInt64
        var txnid: UInt64
        var roots: [UInt64]
    }

    /// Checks `directory/data.mdb` if it exists; a missing file is fine (a new store).
    static func check(directory: String) throws {
        let file = FileSystem.join(directory, "data.mdb")
        #if canImport(Glibc)
        let fd = Glibc.open(file, O_RDONLY | O_CLOEXEC)
        #else
        let fd = Darwin.open(file, O_RDONLY | O_CLOEXEC)
        #endif
        if fd < 0 {
            if errno == ENOENT { return }
            throw FileSystem.errnoError("open data file", path: file)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileSystem.errnoError("inspect data file", path: file) }
        let size = Int(info.st_size)
        func damaged(_ what: String) -> LMDBError {
            LMDBError(code: .corrupted, message: "the data file is damaged", operation: "check data file", path: directory,
                      detail: what)
        }
        // LMDB writes both meta pages when it creates the file, so an empty file is a store whose data
        // is gone (opening it would silently start a new, empty store), or one whose first open was
        // killed: in that case delete it.
        if size == 0 {
            throw damaged("data.mdb is empty (0 bytes); if this store was never written, delete data.mdb")
        }
        // Meta 0 at offset 0 gives the page size; meta 1 sits one page further.
        guard let meta0 = readMeta(fd, offset: 0) else {
            throw damaged("meta page 0 is unreadable or not an LMDB meta page (file of \(size) bytes)")
        }
        guard let meta1 = readMeta(fd, offset: meta0.pageSize) else {
            throw damaged("meta page 1 is unreadable or not an LMDB meta page")
        }
        let newer = meta1.txnid > meta0.txnid ? meta1 : meta0
        let needed = (Int(clamping: newer.lastPage) + 1) &* newer.pageSize
        guard newer.lastPage < UInt64(Int.max / newer.pageSize), size >= needed else {
            throw damaged("the file has \(size) bytes but its last page in use (\(newer.lastPage)) needs \(needed); "
                + "it was truncated")
        }
        for root in newer.roots where root != UInt64.max && root > newer.lastPage {
            throw damaged("a root page number (\(root)) lies beyond the last page in use (\(newer.lastPage))")
        }
    }

    private static func readMeta(_ fd: Int32, offset: Int) -> Meta? {
        var page = [UInt8](repeating: 0, count: pageHeader + 136)
        let n = page.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
        guard n == page.count else { return nil }
        return page.withUnsafeBytes { raw -> Meta? in
            func u16(_ at: Int) -> UInt16 { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt16.self)) }
            func u32(_ at: Int) -> UInt32 { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
            func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
            let m = pageHeader
            guard u16(10) & pMeta != 0, u32(m) == magic else { return nil }
            let pageSize = Int(u32(m + 24))
            guard pageSize >= 512, pageSize <= 65536, pageSize & (pageSize - 1) == 0 else { return nil }
            return Meta(pageSize: pageSize, lastPage: u64(m + 120), txnid: u64(m + 128), roots: [u64(m + 64), u64(m + 112)])
        }
    }
}
