import Foundation
import Scenarios
import Testing

@Suite struct YAMLReaderTests {
    let topKeys = ["name", "seed", "time_limit", "workload"]

    // MARK: Loading

    @Test func syntaxErrorNamesFileAndLine() {
        #expect(failure("name: a\nseed 42\ntime_limit: 5m\n") { $0 } ==
            "s.yaml:2: invalid YAML: could not find expected ':' (while scanning a simple key)")
    }

    /// libyaml looks no further than 1024 characters for a key's `:`, and then says only that
    /// it found none: the message says why. A key of 1,000 is read (and refused as unknown).
    @Test func aKeyOverYAMLsLimitIsNamedAsSuch() {
        let long = String(repeating: "k", count: 1_100)
        #expect(failure("seed: 1\n\(long): 2\n") { $0 } == "s.yaml:2: invalid YAML: a key longer than 1024 characters "
                + "(YAML's limit for a key written without `?`)")
        #expect(failure("seed: 1\n\(long) 2\n") { $0 } ==
            "s.yaml:2: invalid YAML: could not find expected ':' (while scanning a simple key)")
        let key = String(repeating: "k", count: 1_000)
        #expect(failure("\(key): 2\n") { try $0.mapping(allowedKeys: ["seed"]) }?.hasPrefix("s.yaml:1: unknown key") == true)
    }

    @Test func unclosedQuoteNamesTheLineWhereItOpens() {
        #expect(failure("seed: 1\nname: \"abc\nworkload: []\n") { $0 } ==
            "s.yaml:2: invalid YAML: found unexpected end of stream (while scanning a quoted scalar)")
    }

    @Test func tabIndentationIsExplained() {
        #expect(failure("workload:\n\t- a\n") { $0 } ==
            "s.yaml:2: invalid YAML: found character that cannot start any token (a tab; YAML indents with spaces only)")
    }

    @Test func windowsLineEndingsKeepLineNumbers() {
        #expect(failure("seed: 1\r\n\r\nname: [a]\r\n") {
            try $0.mapping(allowedKeys: ["seed", "name"]).required("name").string()
        } == "s.yaml:3: name: expected a string, got a list")
        #expect(failure("seed: 1\r\nworkload:\r\n\t- a\r\n") { $0 } ==
            "s.yaml:3: invalid YAML: found character that cannot start any token (a tab; YAML indents with spaces only)")
    }

    @Test func secondDocumentIsRejected() {
        #expect(failure("seed: 1\n---\nseed: 2\n") { $0 } ==
            "s.yaml:2: invalid YAML: expected a single document, found a second one")
    }

    @Test func undefinedAliasIsASyntaxError() {
        #expect(failure("a: *nope\n") { $0 } == "s.yaml:1: invalid YAML: found undefined alias")
    }

    @Test func badIndentationIsASyntaxError() {
        #expect(failure("name: a\n  seed: 1\n") { $0 } ==
            "s.yaml:2: invalid YAML: mapping values are not allowed in this context")
    }

    @Test func duplicateKeyIsReported() {
        #expect(failure("seed: 1\nname: a\nseed: 2\n") { $0 } ==
            "s.yaml:1: duplicate key \"seed\" in the same mapping (first on this line); each key may appear once")
    }

    @Test func missingFileNamesThePath() {
        #expect(throws: ScenarioError(file: "/nonexistent/run.yaml", message: "file not found")) {
            try YAMLDocument.load(path: "/nonexistent/run.yaml")
        }
    }

    @Test func directoryIsNotAScenarioFile() {
        #expect(throws: ScenarioError(file: "/tmp", message: "expected a YAML file, got a directory")) {
            try YAMLDocument.load(path: "/tmp")
        }
    }

    @Test func loadsAFileFromDisk() throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("yaml-reader-\(UInt64.random(in: 0...UInt64.max)).yaml").path
        try "seed: 7\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let document = try YAMLDocument.load(path: path)
        #expect(document.file == path)
        #expect(try document.root.mapping(allowedKeys: ["seed"]).required("seed").uint64() == 7)
    }

    @Test func invalidUTF8NamesTheLine() {
        let bytes = Array("seed: 1\nname: ".utf8) + [0xFF, 0x0A]
        #expect(throws: ScenarioError(file: "s.yaml", line: 2,
                                      message: "expected UTF-8 text, got bytes that are not valid UTF-8")) {
            try YAMLDocument.load(bytes: bytes, file: "s.yaml")
        }
    }

    @Test func emptyDocumentIsAnEmptyValue() {
        #expect(failure("") { try $0.mapping(allowedKeys: ["seed"]) } ==
            "s.yaml: expected a mapping, got an empty value")
    }

    @Test func descriptionLeavesOutAbsentParts() {
        #expect(ScenarioError(file: "f.yaml", message: "m").description == "f.yaml: m")
        #expect(ScenarioError(file: "f.yaml", line: 3, keyPath: "a[1].b", message: "m").description
            == "f.yaml:3: a[1].b: m")
    }

    // MARK: Mappings

    @Test func unknownKeyNamesFileLineAndSuggestsNearestKey() {
        #expect(failure("name: a\ntme_limit: 5m\n") { try $0.mapping(allowedKeys: topKeys) } ==
            "s.yaml:2: unknown key \"tme_limit\" (expected one of: name, seed, time_limit, workload); "
            + "did you mean \"time_limit\"?")
    }

    @Test func unknownKeyFarFromEveryKeyGetsNoSuggestion() {
        #expect(failure("colour: red\n") { try $0.mapping(allowedKeys: topKeys) } ==
            "s.yaml:1: unknown key \"colour\" (expected one of: name, seed, time_limit, workload)")
    }

    @Test func shortKeysNeedCloserSpellingForASuggestion() {
        #expect(failure("b1: 1\n") { try $0.mapping(allowedKeys: ["a", "mu"]) } ==
            "s.yaml:1: unknown key \"b1\" (expected one of: a, mu)")
        #expect(failure("nu: 1\n") { try $0.mapping(allowedKeys: ["a", "mu"]) } ==
            "s.yaml:1: unknown key \"nu\" (expected one of: a, mu); did you mean \"mu\"?")
    }

    @Test func firstUnknownKeyInFileOrderIsReported() {
        #expect(failure("zzz: 1\nname: a\naaa: 2\n") { try $0.mapping(allowedKeys: topKeys) } ==
            "s.yaml:1: unknown key \"zzz\" (expected one of: name, seed, time_limit, workload)")
    }

    @Test func swappedLettersCountAsOneEdit() {
        #expect(failure("sede: 1\n") { try $0.mapping(allowedKeys: topKeys) } ==
            "s.yaml:1: unknown key \"sede\" (expected one of: name, seed, time_limit, workload); "
            + "did you mean \"seed\"?")
    }

    @Test func nestedUnknownKeyNamesIndexedKeyPath() {
        let yaml = """
            workload:
              - instance_start: {node: n1}
              - instance_start:
                  nod: n2
            """
        #expect(failure(yaml) { root in
            try root.mapping(allowedKeys: topKeys).required("workload").list { item in
                try item.mapping(allowedKeys: ["instance_start"]).required("instance_start")
                    .mapping(allowedKeys: ["node", "rate"])
            }
        } == "s.yaml:4: workload[1].instance_start: unknown key \"nod\" (expected one of: node, rate); "
            + "did you mean \"node\"?")
    }

    @Test func missingRequiredKeyNamesTheMapping() {
        let yaml = "name: a\nworkload:\n  - {rate: 2/s}\n"
        #expect(failure(yaml) { root in
            try root.mapping(allowedKeys: topKeys).required("workload").list { item in
                try item.mapping(allowedKeys: ["node", "rate"]).required("node").string()
            }
        } == "s.yaml:3: workload[0]: missing required key \"node\"")
    }

    @Test func optionalKeyIsNilWhenAbsent() throws {
        let mapping = try read("name: a\n") { try $0.mapping(allowedKeys: topKeys) }
        #expect(mapping.optional("seed") == nil)
        #expect(try mapping.optional("name")?.string() == "a")
        #expect(mapping.keys == ["name"])
    }

    @Test func emptyValueIsNotTakenAsAbsent() {
        #expect(failure("name: a\ntime_limit:\n") {
            try $0.mapping(allowedKeys: topKeys).optional("time_limit")?.duration()
        } == "s.yaml:2: time_limit: expected a duration with a unit (e.g. 0.2s, 150ms, 15m), got an empty value")
    }

    @Test func wrongTypeSaysWhatWasFound() {
        #expect(failure("seed: [1, 2]\n") { try $0.mapping(allowedKeys: topKeys).required("seed").uint64() } ==
            "s.yaml:1: seed: expected an integer from 0 to 18446744073709551615, got a list")
        #expect(failure("name: {a: 1}\n") { try $0.mapping(allowedKeys: topKeys).required("name").string() } ==
            "s.yaml:1: name: expected a string, got a mapping")
        #expect(failure("- a\n") { try $0.mapping(allowedKeys: topKeys) } ==
            "s.yaml:1: expected a mapping, got a list")
        #expect(failure("workload: none\n") {
            try $0.mapping(allowedKeys: topKeys).required("workload").elements()
        } == "s.yaml:1: workload: expected a list, got \"none\"")
    }

    @Test func entriesKeepFileOrder() throws {
        let entries = try read("queues:\n  zeta: 1\n  alpha: 2\n  node-1: 3\n") {
            try $0.mapping(allowedKeys: ["queues"]).required("queues").entries()
        }
        #expect(entries.map(\.key) == ["zeta", "alpha", "node-1"])
        #expect(entries.map(\.value.path.description) == ["queues.zeta", "queues.alpha", "queues.node-1"])
        #expect(try entries.map { try $0.value.int() } == [1, 2, 3])
    }

    @Test func keysThatAreNotIdentifiersAreQuotedInPaths() {
        #expect(failure("queues:\n  \"a.b\": x\n") { root in
            try root.mapping(allowedKeys: ["queues"]).required("queues").entries().map { try $0.value.int() }
        } == "s.yaml:2: queues[\"a.b\"]: expected an integer, got \"x\"")
    }

    @Test func nonScalarKeyIsRejected() {
        #expect(failure("? [a, b]\n: 1\n") { try $0.entries() } ==
            "s.yaml:1: expected a plain key, got a list as a key")
    }

    @Test func aliasesReadAsTheAnchoredValue() throws {
        let yaml = "base: &slow 2s\nother: *slow\n"
        let mapping = try read(yaml) { try $0.mapping(allowedKeys: ["base", "other"]) }
        #expect(try mapping.required("other").duration() == .seconds(2))
    }

    @Test func schemaChecksReportAtTheNode() {
        #expect(failure("seed: 5\n") { root in
            let seed = try root.mapping(allowedKeys: ["seed"]).required("seed")
            throw seed.error("must be even")
        } == "s.yaml:1: seed: must be even")
    }

    // MARK: Scalars

    @Test func outOfRangeIntNamesTheRange() {
        #expect(failure("workers: 0\n") { try $0.mapping(allowedKeys: ["workers"]).required("workers").int(in: 1...64) } ==
            "s.yaml:1: workers: expected an integer from 1 to 64, got \"0\"")
        #expect(failure("workers: -3\n") { try $0.mapping(allowedKeys: ["workers"]).required("workers").int(in: 1...) } ==
            "s.yaml:1: workers: expected an integer >= 1, got \"-3\"")
        #expect(failure("workers: 99999999999999999999\n") { try $0.mapping(allowedKeys: ["workers"]).required("workers").int() } ==
            "s.yaml:1: workers: expected an integer, got \"99999999999999999999\"")
    }

    @Test func intsAcceptSignsAndDigitGroups() throws {
        #expect(try read("1_000") { try $0.int() } == 1000)
        #expect(try read("-12") { try $0.int() } == -12)
        #expect(try read("\"42\"") { try $0.int() } == 42)
        #expect(failure("1.5") { try $0.int() } == "s.yaml:1: expected an integer, got \"1.5\"")
        #expect(failure("1__0") { try $0.int() } == "s.yaml:1: expected an integer, got \"1__0\"")
    }

    @Test func seedsAreFullUInt64InDecimalOrHex() throws {
        #expect(try read("18446744073709551615") { try $0.uint64() } == UInt64.max)
        #expect(try read("0xdead_beef") { try $0.uint64() } == 0xdead_beef)
        #expect(failure("-1") { try $0.uint64() } ==
            "s.yaml:1: expected an integer from 0 to 18446744073709551615, got \"-1\"")
    }

    @Test func doublesAreFinite() throws {
        #expect(try read("-0.5") { try $0.double() } == -0.5)
        #expect(try read("1e-3") { try $0.double() } == 0.001)
        #expect(failure(".inf") { try $0.double() } == "s.yaml:1: expected a finite number, got \".inf\"")
        #expect(failure("1e999") { try $0.double() } == "s.yaml:1: expected a finite number, got \"1e999\"")
        #expect(failure("1.5") { try $0.double(in: 0...1) } == "s.yaml:1: expected a number from 0 to 1, got \"1.5\"")
    }

    @Test func boolsAreTrueOrFalseOnly() throws {
        #expect(try read("true") { try $0.bool() })
        #expect(try !read("False") { try $0.bool() })
        #expect(failure("yes") { try $0.bool() } == "s.yaml:1: expected true or false, got \"yes\"")
    }

    @Test func stringsAreTheTextAsWritten() throws {
        #expect(try read("42") { try $0.string() } == "42")
        #expect(try read("\"null\"") { try $0.string() } == "null")
        #expect(try read("'it''s'") { $0.rawScalar } == "it's")
        #expect(failure("~") { try $0.string() } == "s.yaml:1: expected a string, got null")
    }

    enum Order: String, CaseIterable { case fifo, fair }

    @Test func enumValueSuggestsNearestSpelling() throws {
        #expect(try read("fair") { try $0.enumValue(Order.self) } == .fair)
        #expect(failure("fiar") { try $0.enumValue(["fifo", "fair"]) } ==
            "s.yaml:1: expected one of: fifo, fair; got \"fiar\"; did you mean \"fair\"?")
        #expect(failure("random") { try $0.enumValue(Order.self) } ==
            "s.yaml:1: expected one of: fifo, fair; got \"random\"")
    }

    @Test func listReadsEachItemWithItsIndex() throws {
        #expect(try read("[1, 2, 3]") { try $0.list { try $0.int() } } == [1, 2, 3])
        #expect(failure("[1, two]") { try $0.list { try $0.int() } } ==
            "s.yaml:1: [1]: expected an integer, got \"two\"")
    }
}
