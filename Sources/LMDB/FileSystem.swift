#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Small POSIX helpers so the wrapper needs no Foundation.
enum FileSystem {
    static func errnoError(_ operation: String, path: String, detail: String? = nil) -> LMDBError {
        let code = errno
        return LMDBError(code: .other(code), message: String(cString: strerror(code)), operation: operation,
                         path: path, detail: detail)
    }

    /// Creates `path` and any missing parents with `mode` (applied exactly, regardless of umask).
    /// An existing directory is left as it is.
    static func createDirectory(_ path: String, mode: mode_t) throws {
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw LMDBError(code: .other(ENOTDIR), message: String(cString: strerror(ENOTDIR)),
                                operation: "create directory", path: path,
                                detail: "a file that is not a directory is in the way")
            }
            return
        }
        let parent = parentDirectory(of: path)
        if parent != path, !parent.isEmpty { try createDirectory(parent, mode: mode) }
        if mkdir(path, mode) != 0 {
            if errno == EEXIST { return }
            throw errnoError("create directory", path: path)
        }
        // mkdir's mode is masked by the umask; chmod makes the result exactly `mode`.
        if chmod(path, mode) != 0 { throw errnoError("set directory permissions", path: path) }
    }

    static func parentDirectory(of path: String) -> String {
        var bytes = Array(path.utf8)
        while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        return slash == 0 ? "/" : String(decoding: bytes[..<slash], as: UTF8.self)
    }

    /// The absolute path with symbolic links, `.` and `..` resolved.
    static func canonicalPath(_ path: String) throws -> String {
        guard let resolved = realpath(path, nil) else { throw errnoError("resolve path", path: path) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether the directory has no entries besides `.` and `..`.
    static func isEmptyDirectory(_ path: String) throws -> Bool {
        guard let dir = opendir(path) else { throw errnoError("open directory", path: path) }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { return false }
        }
        return true
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
