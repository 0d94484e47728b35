import Foundation
import HireLedgerServer
import Testing

struct ServerOptionsTests {
    @Test func listeningBeyondLoopbackWithoutATokenFileIsRefused() throws {
        #expect(throws: ServerOptionsError.self) { try ServerOptions(host: "0.0.0.0").validate() }
        #expect(throws: ServerOptionsError.self) { try ServerOptions(host: "192.168.1.10").validate() }
        do {
            try ServerOptions(host: "0.0.0.0").validate()
        } catch {
            #expect(error.description.contains("--token-file"))
        }
        try ServerOptions(host: "127.0.0.1").validate()
        try ServerOptions(host: "localhost").validate()
        try ServerOptions(host: "::1").validate()
        try ServerOptions(host: "0.0.0.0", tokenFile: "/etc/hireledger/token").validate()
    }

    @Test func aNewTokenFileIsOwnerOnlyAndReadBackUnchanged() throws {
        let dir = NSTemporaryDirectory() + "hireledger-token-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/api-token"
        let (token, created) = try APIToken.loadOrCreate(at: path)
        #expect(created)
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(text.count == 64)
        #expect(token.matches(text))
        let (again, createdAgain) = try APIToken.loadOrCreate(at: path)
        #expect(!createdAgain)
        #expect(again.matches(text))
        #expect(throws: APITokenError.self) { try APIToken.load(from: dir + "/missing") }
    }

    @Test func tokensMatchOnlyExactly() {
        let token = APIToken("s3cret-token")
        #expect(token.matches("s3cret-token"))
        #expect(!token.matches("s3cret-toke"))
        #expect(!token.matches("s3cret-token!"))
        #expect(!token.matches("S3cret-token"))
        #expect(!token.matches(""))
        #expect(!token.matches("s3cret-tokens3cret-token"))
    }
}
