#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX file helpers, so the module needs no Foundation.
enum FileAccess {
    struct Failure: Error, CustomStringConvertible {
        let path: String
        let operation: String
        let errno: Int32
        var description: String { "\(operation) \(path): \(String(cString: strerror(errno)))" }
    }

    /// The file's permission bits (`st_mode & 0o7777`).
    static func mode(of path: String) throws(Failure) -> UInt32 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw Failure(path: path, operation: "cannot stat", errno: errno) }
        return UInt32(info.st_mode) & 0o7777
    }

    /// Reads the whole file; refuses files larger than `limit` bytes.
    static func read(_ path: String, limit: Int = 64 << 20) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(path: path, operation: "cannot open", errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc_read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(path: path, operation: "cannot read", errno: errno)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit { throw Failure(path: path, operation: "file too large:", errno: EFBIG) }
        }
        return bytes
    }

    /// The value of an environment variable of this process, or nil when unset.
    static func environment(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        return String(cString: raw)
    }
}

// `read` inside `FileAccess.read` would resolve to the static method itself.
private func Glibc_read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
