import Testing
@testable import HireLedgerCore

struct JSONPatchTests {
    @Test(arguments: [
        ("", [String]()), ("/", [""]), ("/a~1b", ["a/b"]), ("/m~0n", ["m~n"]), ("/~01", ["~1"]),
        ("/a/0/ ", ["a", "0", " "]), ("/é/~1~0", ["é", "/~"]),
    ])
    func pointerParsesAndWritesRFC6901Escapes(_ text: String, _ tokens: [String]) throws {
        let p = try JSONPointer(parsing: text)
        #expect(p.tokens == tokens)
        #expect(p.description == text)
    }

    @Test(arguments: ["a", "/~", "/a~2"])
    func malformedPointersAreRejected(_ text: String) {
        #expect(throws: JSONPatchError.self) { try JSONPointer(parsing: text) }
    }

    @Test func applyFollowsRFC6902ForAddRemoveReplace() throws {
        let doc: JSONValue = ["a": [1, 2, 3], "b": ["c": "d"]]
        let ops: [JSONPatchOperation] = [
            .add(try JSONPointer(parsing: "/a/1"), 9),
            .add(try JSONPointer(parsing: "/a/-"), 4),
            .remove(try JSONPointer(parsing: "/a/0")),
            .replace(try JSONPointer(parsing: "/b/c"), "e"),
            .add(try JSONPointer(parsing: "/b/x~1y"), true),
        ]
        let out = try JSONPatch.apply(ops, to: doc)
        #expect(out == ["a": [9, 2, 3, 4], "b": ["c": "e", "x/y": true]])
    }

    @Test(arguments: ["/missing/x", "/a/3", "/a/01", "/a/-1", "/b/c/d"])
    func applyRefusesPathsThatDoNotExist(_ path: String) throws {
        let doc: JSONValue = ["a": [1, 2, 3], "b": ["c": "d"]]
        #expect(throws: JSONPatchError.self) { try JSONPatch.apply([.replace(try JSONPointer(parsing: path), 0)], to: doc) }
    }

    @Test func equalValuesGiveAnEmptyPatch() {
        #expect(JSONPatch.diff(from: RecordedAshby.application, to: RecordedAshby.application).isEmpty)
    }

    @Test func oneChangedFieldGivesOneReplace() throws {
        let a = RecordedAshby.application
        var b = a
        b["status"] = "Active"
        #expect(JSONPatch.diff(from: a, to: b) == [.replace(try JSONPointer(parsing: "/status"), "Active")])
    }

    @Test func appendingToAnArrayGivesOneAdd() throws {
        let a: JSONValue = ["ids": ["x", "y"]]
        let b: JSONValue = ["ids": ["x", "y", "z"]]
        #expect(JSONPatch.diff(from: a, to: b) == [.add(try JSONPointer(parsing: "/ids/2"), "z")])
        #expect(JSONPatch.diff(from: b, to: a) == [.remove(try JSONPointer(parsing: "/ids/2"))])
    }

    /// The oracle: applying the diff of (a, b) to a gives b, for random pairs and near-copies.
    @Test(arguments: 0..<8)
    func applyingTheDiffReproducesTheTarget(_ block: Int) throws {
        var g = SeededGenerator(seed: 0x5EED_0000 + UInt64(block))
        for i in 0..<500 {
            let a = RandomJSON.value(&g)
            let b = i % 3 == 0 ? RandomJSON.value(&g) : RandomJSON.nearCopy(a, &g)
            let patch = JSONPatch.diff(from: a, to: b)
            let applied = try JSONPatch.apply(patch, to: a)
            #expect(applied == b, "seed block \(block) case \(i): \(a) -> \(b) via \(JSONPatch.json(patch))")
            #expect(patch.isEmpty == (a == b))
            // The JSON form reads back as the same operations.
            let reread = try JSONPatch.operations(fromJSON: JSONValue.parse(JSONPatch.json(patch).canonicalString))
            #expect(reread == patch)
        }
    }

    @Test func applyingTheDiffReproducesRealRecords() throws {
        let records = RecordedAshby.all.map(\.1)
        var g = SeededGenerator(seed: 42)
        for a in records {
            for b in records {
                #expect(try JSONPatch.apply(JSONPatch.diff(from: a, to: b), to: a) == b)
            }
            for _ in 0..<50 {
                let b = RandomJSON.nearCopy(a, &g)
                #expect(try JSONPatch.apply(JSONPatch.diff(from: a, to: b), to: a) == b)
            }
        }
    }

    @Test func patchesFromOtherToolsAreReadAndApplied() throws {
        let patch = try JSONPatch.operations(fromJSON: JSONValue.parse(
            #"[{"op":"replace","path":"/status","value":"Hired"},{"op":"remove","path":"/archivedAt"},{"op":"add","path":"/tags/-","value":"x"}]"#))
        let out = try JSONPatch.apply(patch, to: ["status": "Active", "archivedAt": "t", "tags": []])
        #expect(out == ["status": "Hired", "tags": ["x"]])
        #expect(throws: JSONPatchError.self) {
            try JSONPatch.operations(fromJSON: JSONValue.parse(#"[{"op":"move","from":"/a","path":"/b"}]"#))
        }
    }
}
