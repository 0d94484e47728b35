import AshbyAPI
import Testing

struct APIKeyTests {
    @Test func descriptionsNeverShowTheKey() {
        let key = testKey()
        #expect(!"\(key)".contains(testKeyText))
        #expect(!String(reflecting: key).contains(testKeyText))
        var dumped = ""
        dump(key, to: &dumped)
        #expect(!dumped.contains(testKeyText))
        #expect("\(key)".contains(key.fingerprint))
    }

    @Test func fingerprintIsStableAndDiffersBetweenKeys() throws {
        #expect(testKey().fingerprint == testKey().fingerprint)
        #expect(try APIKey("other").fingerprint != testKey().fingerprint)
        #expect(testKey().fingerprint.hasPrefix("key#") && testKey().fingerprint.count == 12)
    }

    @Test func surroundingWhitespaceIsTrimmed() throws {
        #expect(try APIKey("  \(testKeyText)\n") == testKey())
    }

    @Test func emptyOrMalformedKeysAreRejected() {
        #expect(throws: APIKeyError.empty) { try APIKey(" \n\t") }
        #expect(throws: APIKeyError.self) { try APIKey("two words") }
        #expect(throws: APIKeyError.self) { try APIKey("user:password") }
    }

    @Test func keyComesFromTheEnvironmentVariable() throws {
        let loaded = try APIKey.load(environment: { $0 == "ASHBY_API_KEY" ? " \(testKeyText)\n" : nil })
        #expect(loaded.key == testKey())
        #expect(loaded.source == "environment variable ASHBY_API_KEY")
        #expect(loaded.warnings.isEmpty)
    }

    @Test func missingKeyExplainsWhereToPutIt() {
        do {
            _ = try APIKey.load(environment: { _ in nil })
            Issue.record("expected an error")
        } catch {
            #expect(error == .missing)
            #expect(error.description.contains("ASHBY_API_KEY"))
            #expect(error.description.contains("--api-key-file"))
            #expect(error.description.contains("Admin → Integrations → API Keys"))
        }
    }

    @Test func keyFileIsReadTrimmedAndPreferredOverTheEnvironment() throws {
        let dir = makeTemporaryDirectory()
        writeFile(dir + "/key", "\(testKeyText)\n", mode: 0o600)
        let loaded = try APIKey.load(keyFile: dir + "/key", environment: { _ in "from-env" })
        #expect(loaded.key == testKey())
        #expect(loaded.source == "key file \(dir)/key")
        #expect(loaded.warnings.isEmpty)
    }

    @Test func sharedKeyFileWarnsOrIsRefused() throws {
        let dir = makeTemporaryDirectory()
        writeFile(dir + "/key", testKeyText, mode: 0o644)
        let loaded = try APIKey.load(keyFile: dir + "/key")
        #expect(loaded.warnings.count == 1)
        #expect(loaded.warnings[0].contains("chmod 600"))
        #expect(!loaded.warnings[0].contains(testKeyText))
        #expect(throws: APIKeyError.keyFileShared(path: dir + "/key", mode: "644")) {
            try APIKey.load(keyFile: dir + "/key", refuseSharedKeyFile: true)
        }
    }

    @Test func unreadableOrEmptyKeyFileIsAClearError() {
        let dir = makeTemporaryDirectory()
        do {
            _ = try APIKey.load(keyFile: dir + "/absent")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("\(dir)/absent"))
            #expect(error.description.contains("No such file"))
        }
        writeFile(dir + "/empty", "\n", mode: 0o600)
        #expect(throws: APIKeyError.invalidKeyFile(path: dir + "/empty", problem: .empty)) {
            try APIKey.load(keyFile: dir + "/empty")
        }
    }

    @Test func redactRemovesTheKeyAndItsBasicEncoding() {
        let key = testKey()
        let text = "echo: \(testKeyText) and Basic aGxrX1NFQ1JFVF8xZjJlM2Q0YzViNmE3OTg4MDAxMTo="
        let redacted = key.redact(text)
        #expect(!redacted.contains(testKeyText))
        #expect(!redacted.contains("aGxrX1NFQ1JFVF8xZjJlM2Q0YzViNmE3OTg4MDAxMTo="))
        #expect(redacted.contains("[redacted]"))
    }
}
