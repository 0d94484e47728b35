#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A structural walk of `data.mdb` that reads pages with `pread`, never through LMDB's map, so a
/// damaged page cannot crash it: every page reachable from the snapshot's meta page (the free-page
/// database, the main database and every named database, their branch, leaf and overflow pages) is
/// checked for what liblmdb itself trusts.
///
/// liblmdb checks little when it follows a page: the leaf flag of the page a search ends on
/// (`MDB_CORRUPTED`) and that a page number is not beyond the last page (`MDB_PAGE_NOTFOUND`). It does
/// not check a page's own number, its other flags (a leaf whose header says 0xFFFF is also read as a
/// branch, a LEAF2 page and a dirty page), its lower/upper bounds, node offsets or sizes, overflow
/// pages' headers, key order, or the page counts a database records. This walk checks, for every page:
/// its page number is the one it was reached by, within the file and below the last page, reached once;
/// its flags are exactly what its place in the tree says (branch, leaf, overflow); `lower`/`upper` lie
/// in the page and in order; every node lies inside the page with its key (and inline value) after
/// `upper`; keys run in ascending order within the page and between the separators of the branch
/// above it; overflow pages have their header and the page count their value needs. Per database it
/// compares the depth, branch/leaf/overflow page counts and entry count with what its record says,
/// and for the file that every page is either in use or listed free.
public enum PageCheck {
    /// One problem found, on a page when one is known.
    public struct Finding: Sendable, Hashable, CustomStringConvertible {
        public var database: String
        public var page: UInt64?
        public var what: String
        public var description: String { "\(database)\(page.map { " page \($0)" } ?? ""): \(what)" }
    }

    /// What a page is used for (for tests and reports).
    public enum Use: Sendable, Hashable {
        case meta, branch(String), leaf(String), overflow(String), free, unaccounted
    }

    public struct Report: Sendable {
        public var findings: [Finding] = []
        public var pageSize = 0
        public var lastPage: UInt64 = 0
        /// Pages visited in use (branch, leaf, overflow), and pages listed free.
        public var pagesInUse = 0
        public var freePages = 0
        /// Databases (by name; "free" and "main" for LMDB's own) whose pages have findings.
        public var damagedDatabases: Set<String> = []
        /// What each page is, by page number (meta pages included).
        public var use: [UInt64: Use] = [:]
        /// The unused byte range inside each branch and leaf page (between `lower` and `upper`): bytes
        /// nothing reads.
        public var gaps: [UInt64: Range<Int>] = [:]
        public var isClean: Bool { findings.isEmpty }
    }

    // Page header (MDB_page) and node (MDB_node) layout of LMDB 0.9 on a 64-bit machine.
    static let header = 16
    static let pBranch: UInt16 = 0x01, pLeaf: UInt16 = 0x02, pOverflow: UInt16 = 0x04, pMeta: UInt16 = 0x08, pLeaf2: UInt16 = 0x20
    static let fBigData: UInt16 = 0x01, fSubData: UInt16 = 0x02, fDupData: UInt16 = 0x04
    static let dbDupSort: UInt16 = 0x04, dbIntegerKey: UInt16 = 0x08, dbReverseKey: UInt16 = 0x02
    static let invalidPage = UInt64.max

    /// A database record (MDB_db, 48 bytes).
    struct DB {
        var flags: UInt16, depth: UInt16, branch: UInt64, leaf: UInt64, overflow: UInt64, entries: UInt64, root: UInt64
        init(_ b: UnsafeRawBufferPointer, at o: Int) {
            flags = u16(b, o + 4); depth = u16(b, o + 6); branch = u64(b, o + 8); leaf = u64(b, o + 16)
            overflow = u64(b, o + 24); entries = u64(b, o + 32); root = u64(b, o + 40)
        }
    }

    /// Walks `directory/data.mdb` from the meta page of transaction `txnid` (the newer meta page when
    /// nil). Hold a read transaction of that id while this runs, so no page it reaches is reused.
    public static func run(directory: String, txnid: UInt64? = nil) -> Report {
        var walker = Walker()
        walker.run(file: directory.hasSuffix("/") ? directory + "data.mdb" : directory + "/data.mdb", txnid: txnid)
        return walker.report
    }

    struct Walker {
        var report = Report()
        var fd: Int32 = -1
        var fileSize = 0
        var pageSize = 4096
        var lastPage: UInt64 = 0
        var visited = Set<UInt64>()
        var freeList = Set<UInt64>()

        mutating func find(_ db: String, _ page: UInt64?, _ what: String) {
            // A damaged page can yield many findings: keep the first few per database.
            if report.findings.filter({ $0.database == db }).count < 20 {
                report.findings.append(Finding(database: db, page: page, what: what))
            }
            report.damagedDatabases.insert(db)
        }

        func read(_ offset: Int, _ count: Int) -> [UInt8]? {
            var bytes = [UInt8](repeating: 0, count: count)
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
            return n == count ? bytes : nil
        }

        mutating func run(file: String, txnid: UInt64?) {
            fd = open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { find("file", nil, "cannot open \(file): \(String(cString: strerror(errno)))"); return }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0 else { find("file", nil, "cannot inspect \(file)"); return }
            fileSize = Int(info.st_size)
            // The two meta pages: page size from meta 0, the meta of `txnid` (or the newer).
            guard let first = read(0, header + 136) else { find("meta", 0, "the file is shorter than a meta page"); return }
            pageSize = first.withUnsafeBytes { Int(u32($0, header + 24)) }
            guard pageSize >= 512, pageSize <= 65536, pageSize & (pageSize - 1) == 0 else {
                find("meta", 0, "meta page 0 holds no valid page size (\(pageSize))"); return
            }
            report.pageSize = pageSize
            var metas: [(txnid: UInt64, bytes: [UInt8], page: UInt64)] = []
            for m in 0..<2 {
                guard let bytes = read(m * pageSize, header + 136) else { find("meta", UInt64(m), "meta page \(m) cannot be read"); continue }
                let ok = bytes.withUnsafeBytes { u16($0, 10) & pMeta != 0 && u32($0, header) == 0xBEEF_C0DE && u64($0, 0) == UInt64(m) }
                guard ok else { find("meta", UInt64(m), "meta page \(m) is not an LMDB meta page"); continue }
                metas.append((bytes.withUnsafeBytes { u64($0, header + 128) }, bytes, UInt64(m)))
                report.use[UInt64(m)] = .meta
            }
            let chosen = txnid.flatMap { id in metas.first { $0.txnid == id } } ?? metas.max { $0.txnid < $1.txnid }
            guard let meta = chosen else { return }
            meta.bytes.withUnsafeBytes { b in
                lastPage = u64(b, header + 120)
                report.lastPage = lastPage
                let free = DB(b, at: header + 24), main = DB(b, at: header + 72)
                if fileSize < Int(clamping: lastPage &+ 1) &* pageSize {
                    find("file", nil, "the file has \(fileSize) bytes but its last page in use (\(lastPage)) needs \((Int(clamping: lastPage) + 1) * pageSize)")
                }
                walkDatabase("free", free, isFree: true)
                walkDatabase("main", main, isMain: true)
            }
            // Every page is in use or free (LMDB's own audit invariant).
            var unaccounted: [UInt64] = []
            if lastPage >= 2 && lastPage < UInt64(fileSize / pageSize) + 1 {
                for p in 2...lastPage {
                    if freeList.contains(p) {
                        if visited.contains(p) { find("file", p, "the page is both listed free and in use") }
                        report.use[p] = .free
                    } else if !visited.contains(p) {
                        unaccounted.append(p)
                        report.use[p] = .unaccounted
                    }
                }
            }
            if !unaccounted.isEmpty {
                find("file", unaccounted.first, "\(unaccounted.count) pages are neither in use nor listed free (e.g. page \(unaccounted.prefix(5).map(String.init).joined(separator: ", ")))")
            }
            report.pagesInUse = visited.count
            report.freePages = freeList.count
        }

        struct Counts { var branch: UInt64 = 0, leaf: UInt64 = 0, overflow: UInt64 = 0, entries: UInt64 = 0 }

        mutating func walkDatabase(_ name: String, _ db: DB, isFree: Bool = false, isMain: Bool = false) {
            if db.root == invalidPage {
                if db.depth != 0 || db.entries != 0 || db.leaf != 0 || db.branch != 0 {
                    find(name, nil, "an empty database (no root page) records depth \(db.depth) and \(db.entries) entries")
                }
                return
            }
            guard db.depth >= 1, db.depth <= 32 else { find(name, db.root, "the database records an impossible depth \(db.depth)"); return }
            var counts = Counts()
            var children: [(String, DB)] = []
            walkPage(name, db, db.root, level: 1, lower: nil, upper: nil, isFree: isFree, isMain: isMain, &counts, &children)
            if counts.branch != db.branch || counts.leaf != db.leaf || counts.overflow != db.overflow {
                find(name, nil, "the database records \(db.branch) branch, \(db.leaf) leaf and \(db.overflow) overflow pages; the walk reached \(counts.branch), \(counts.leaf) and \(counts.overflow)")
            }
            if db.flags & dbDupSort == 0, counts.entries != db.entries {
                find(name, nil, "the database records \(db.entries) entries; its leaf pages hold \(counts.entries)")
            }
            for (child, record) in children { walkDatabase(child, record) }
        }

        mutating func walkPage(_ name: String, _ db: DB, _ pgno: UInt64, level: Int, lower: [UInt8]?, upper: [UInt8]?,
                               isFree: Bool, isMain: Bool, _ counts: inout Counts, _ children: inout [(String, DB)]) {
            guard pgno >= 2, pgno <= lastPage else {
                find(name, pgno, "a page number out of range (the last page in use is \(lastPage))"); return
            }
            guard visited.insert(pgno).inserted else { find(name, pgno, "the page is reached twice (a loop or a shared page)"); return }
            guard let page = read(Int(pgno) * pageSize, pageSize) else { find(name, pgno, "the page lies beyond the end of the file"); return }
            page.withUnsafeBytes { b in
                let number = u64(b, 0), flags = u16(b, 10), lo = Int(u16(b, 12)), up = Int(u16(b, 14))
                if number != pgno { find(name, pgno, "the page header names page \(number)"); return }
                let isLeaf = Int(db.depth) == level
                let wanted = isLeaf ? pLeaf : pBranch
                if flags != wanted {
                    find(name, pgno, "the page header's flags are 0x\(String(flags, radix: 16)), a \(isLeaf ? "leaf" : "branch") page has 0x\(String(wanted, radix: 16))")
                    return
                }
                report.use[pgno] = isLeaf ? .leaf(name) : .branch(name)
                guard lo >= header, (lo - header) % 2 == 0, lo <= up, up <= pageSize else {
                    find(name, pgno, "the page's lower/upper bounds (\(lo), \(up)) are impossible for a \(pageSize)-byte page"); return
                }
                report.gaps[pgno] = lo..<up
                let n = (lo - header) / 2
                if n == 0 { find(name, pgno, "the page holds no entries"); return }
                if isLeaf { counts.leaf += 1 } else { counts.branch += 1 }
                var previous: [UInt8]? = nil
                for i in 0..<n {
                    let at = Int(u16(b, header + 2 * i))
                    guard at >= up, at + 8 <= pageSize else {
                        find(name, pgno, "entry \(i) lies at offset \(at), outside the page's node area (\(up)..<\(pageSize))"); return
                    }
                    let nlo = UInt64(u16(b, at)), nhi = UInt64(u16(b, at + 2)), nflags = u16(b, at + 4), ksize = Int(u16(b, at + 6))
                    guard at + 8 + ksize <= pageSize else { find(name, pgno, "the key of entry \(i) runs past the end of the page"); return }
                    let key = Array(b[(at + 8)..<(at + 8 + ksize)])
                    // Branch entry 0 has an empty key (everything below the next separator).
                    if !(i == 0 && !isLeaf) {
                        if !isFree, db.flags & (dbIntegerKey | dbReverseKey) == 0 {
                            if let previous, !(previous.lexicographicallyPrecedes(key)) {
                                find(name, pgno, "the keys of entries \(i - 1) and \(i) are out of order"); return
                            }
                            if let lower, key.lexicographicallyPrecedes(lower) {
                                find(name, pgno, "entry \(i)'s key sorts below the separator of the branch above"); return
                            }
                            if let upper, !key.lexicographicallyPrecedes(upper) {
                                find(name, pgno, "entry \(i)'s key sorts above the separator of the branch above"); return
                            }
                        }
                        previous = key
                    }
                    if !isLeaf {
                        let child = nlo | (nhi << 16) | (UInt64(nflags) << 32)
                        let childLower = i == 0 ? lower : key
                        var childUpper = upper
                        if i + 1 < n {
                            let next = Int(u16(b, header + 2 * (i + 1)))
                            if next >= up, next + 8 <= pageSize {
                                let nk = Int(u16(b, next + 6))
                                if next + 8 + nk <= pageSize { childUpper = Array(b[(next + 8)..<(next + 8 + nk)]) }
                            }
                        }
                        walkPage(name, db, child, level: level + 1, lower: childLower, upper: childUpper, isFree: isFree, isMain: isMain,
                                 &counts, &children)
                        continue
                    }
                    // Leaf node: its value inline, on overflow pages, or a named database's record.
                    guard nflags & ~(fBigData | fSubData | fDupData) == 0 else {
                        find(name, pgno, "entry \(i) has unknown flags 0x\(String(nflags, radix: 16))"); return
                    }
                    let size = Int(nlo | (nhi << 16))
                    let dataAt = at + 8 + ksize
                    counts.entries += 1
                    if nflags & fBigData != 0 {
                        guard dataAt + 8 <= pageSize else { find(name, pgno, "entry \(i)'s overflow page number runs past the page"); return }
                        let ov = u64(b, dataAt)
                        let value = walkOverflow(name, ov, size: size, &counts)
                        if isFree, let value { readFreeList(value) }
                        continue
                    }
                    guard dataAt + size <= pageSize else {
                        find(name, pgno, "entry \(i)'s value (\(size) bytes) runs past the end of the page"); return
                    }
                    if nflags & fSubData != 0 {
                        guard size == 48 else { find(name, pgno, "entry \(i) names a database with a \(size)-byte record (48 expected)"); return }
                        if isMain {
                            let child = String(decoding: key.prefix { $0 != 0 }, as: UTF8.self)
                            children.append((child, DB(b, at: dataAt)))
                        }
                    } else if nflags & fDupData != 0 {
                        // A sub-page of duplicates (DUPSORT databases; HireLedger has none): its header only.
                        guard size >= header else { find(name, pgno, "entry \(i)'s duplicate sub-page is too small"); return }
                    } else if isFree {
                        readFreeList(Array(b[dataAt..<(dataAt + size)]))
                    }
                }
            }
        }

        /// Checks the overflow pages of a `size`-byte value starting at `pgno`; returns the value when it reads.
        mutating func walkOverflow(_ name: String, _ pgno: UInt64, size: Int, _ counts: inout Counts) -> [UInt8]? {
            guard pgno >= 2, pgno <= lastPage else { find(name, pgno, "an overflow page number out of range"); return nil }
            guard let head = read(Int(pgno) * pageSize, header) else { find(name, pgno, "the overflow page lies beyond the end of the file"); return nil }
            let (number, flags, pages) = head.withUnsafeBytes { (u64($0, 0), u16($0, 10), UInt64(u32($0, 12))) }
            if number != pgno { find(name, pgno, "the overflow page's header names page \(number)"); return nil }
            if flags != pOverflow {
                find(name, pgno, "the overflow page's flags are 0x\(String(flags, radix: 16)), an overflow page has 0x4"); return nil
            }
            let needed = UInt64((header - 1 + size) / pageSize + 1)
            guard pages == needed, pgno + pages - 1 <= lastPage else {
                find(name, pgno, "the overflow run says \(pages) pages; a \(size)-byte value needs \(needed)"); return nil
            }
            for p in pgno..<(pgno + pages) {
                if !visited.insert(p).inserted { find(name, p, "the overflow page is reached twice"); return nil }
                report.use[p] = .overflow(name)
            }
            counts.overflow += pages
            return read(Int(pgno) * pageSize + header, size)
        }

        /// A free-list value: a count, then that many page numbers.
        mutating func readFreeList(_ value: [UInt8]) {
            value.withUnsafeBytes { b in
                guard b.count >= 8 else { find("free", nil, "a free-list entry is shorter than its count"); return }
                let n = Int(clamping: u64(b, 0))
                guard n <= (b.count - 8) / 8 else { find("free", nil, "a free-list entry counts \(n) pages but holds \((b.count - 8) / 8)"); return }
                for i in 0..<n {
                    let p = u64(b, 8 + 8 * i)
                    if p < 2 || p > lastPage { find("free", p, "the free list names a page out of range"); continue }
                    freeList.insert(p)
                }
            }
        }
    }
}

@inline(__always) private func u16(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt16 {
    UInt16(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt16.self))
}
@inline(__always) private func u32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
    UInt32(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self))
}
@inline(__always) private func u64(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
    UInt64(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt64.self))
}

extension PageCheck {
    /// Every leaf entry found anywhere in `directory/data.mdb`, whatever the meta pages say (for a
    /// salvage when they are gone): each page whose header names its own number, says "leaf" and has
    /// sane bounds; values on overflow pages are followed when their header checks out. Pages are read
    /// with `pread`. Returns the page size used (from meta page 0, else the size at which most page
    /// headers name their own number), or nil when the file cannot be read or holds no page at all.
    public static func scanLeafEntries(directory: String,
                                       _ visit: (_ page: UInt64, _ key: [UInt8], _ value: [UInt8]) -> Void) -> (pageSize: Int, leafPages: Int)? {
        let file = directory.hasSuffix("/") ? directory + "data.mdb" : directory + "/data.mdb"
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        let fileSize = Int(info.st_size)
        func read(_ offset: Int, _ count: Int) -> [UInt8]? {
            var bytes = [UInt8](repeating: 0, count: count)
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
            return n == count ? bytes : nil
        }
        func selfNamed(_ ps: Int, _ p: Int) -> Bool {
            guard let h = read(p * ps, header) else { return false }
            return h.withUnsafeBytes { u64($0, 0) == UInt64(p) && [pBranch, pLeaf, pOverflow].contains(u16($0, 10)) }
        }
        var pageSize = 0
        if let m = read(0, header + 136) {
            let ps = m.withUnsafeBytes { u16($0, 10) & pMeta != 0 && u32($0, header) == 0xBEEF_C0DE ? Int(u32($0, header + 24)) : 0 }
            if ps >= 512, ps <= 65536, ps & (ps - 1) == 0 { pageSize = ps }
        }
        if pageSize == 0 {
            var best = 0
            for ps in [4096, 8192, 16384, 32768, 65536, 2048, 1024, 512] where fileSize / ps > 2 {
                let n = (2..<min(fileSize / ps, 4098)).filter { selfNamed(ps, $0) }.count
                if n > best { best = n; pageSize = ps }
            }
        }
        guard pageSize > 0 else { return nil }
        let pages = fileSize / pageSize
        var leaves = 0
        guard pages > 2 else { return (pageSize, 0) }
        for p in 2..<pages {
            guard let page = read(p * pageSize, pageSize) else { continue }
            page.withUnsafeBytes { b in
                let lo = Int(u16(b, 12)), up = Int(u16(b, 14))
                guard u64(b, 0) == UInt64(p), u16(b, 10) == pLeaf, lo >= header, (lo - header) % 2 == 0, lo <= up, up <= pageSize else { return }
                leaves += 1
                for i in 0..<((lo - header) / 2) {
                    let at = Int(u16(b, header + 2 * i))
                    guard at >= up, at + 8 <= pageSize else { continue }
                    let size = Int(UInt64(u16(b, at)) | UInt64(u16(b, at + 2)) << 16), flags = u16(b, at + 4), ksize = Int(u16(b, at + 6))
                    let dataAt = at + 8 + ksize
                    guard dataAt <= pageSize, flags & (fSubData | fDupData) == 0 else { continue }
                    let key = Array(b[(at + 8)..<dataAt])
                    if flags & fBigData != 0 {
                        guard dataAt + 8 <= pageSize else { continue }
                        let ov = u64(b, dataAt)
                        guard ov >= 2, ov < UInt64(pages), let h = read(Int(ov) * pageSize, header) else { continue }
                        let ok = h.withUnsafeBytes { u64($0, 0) == ov && u16($0, 10) == pOverflow
                            && UInt64(u32($0, 12)) == UInt64((header - 1 + size) / pageSize + 1) }
                        if ok, let value = read(Int(ov) * pageSize + header, size) { visit(UInt64(p), key, value) }
                    } else if flags == 0, dataAt + size <= pageSize {
                        visit(UInt64(p), key, Array(b[dataAt..<(dataAt + size)]))
                    }
                }
            }
        }
        return (pageSize, leaves)
    }
}
