import Foundation
import Sim
import Synchronization
import Testing
import Yams

/// The property that keeps hostile input harmless: thousands of scenarios made by mutating
/// every key of the shipped scenarios (extreme, negative, non-finite, huge and empty values,
/// wrong types, deleted and duplicated entries, unknown keys), each run through the real
/// `simrun` binary as a subprocess, so that a trap shows as a signal. For every case:
///
/// - simrun exits (no signal) within ``timeout``: no trap, no hang;
/// - with status 0, 1 or 2 (64 only when a command-line flag was mutated too);
/// - an error (status 2) is one line, `simrun: FILE[:LINE]: KEY.PATH: message`, naming a key
///   path unless the problem is the file as a whole (YAML syntax, size);
/// - an incomplete run (status 1) says so in one line, and a complete one says nothing.
///
/// Seeded: the same count gives the same cases. `.ci/run` runs the default count
/// (``defaultCases``); `SIMRUN_PROPERTY_CASES=20000 swift test --filter HostileInputProperty`
/// runs more, and `SIMRUN_PROPERTY_SEED` picks other cases. Failing cases are kept in a
/// directory named in the failure. Runs use `--max-ops 20000`, and before mutating, the
/// shipped scenarios' repeat counts are cut to 3 and source counts to 50, so that a case
/// takes a fraction of a second unless the mutation makes it large (then the budget refuses
/// it, which is part of the property).
@Suite(.serialized) struct HostileInputProperty {
    static let defaultCases = 2000
    static let timeout: TimeInterval = 60
    static let scenarios = ["six-instance-starts", "ci-functional", "node-restart", "mmc"]

    @Test func mutatedScenariosNeverTrapHangOrRambleAndErrorsNameAKeyPath() throws {
        let environment = ProcessInfo.processInfo.environment
        let cases = environment["SIMRUN_PROPERTY_CASES"].flatMap(Int.init) ?? Self.defaultCases
        let seed = environment["SIMRUN_PROPERTY_SEED"].flatMap(UInt64.init) ?? 8
        let bases = try Self.scenarios.map { name in
            let text = try String(contentsOfFile: CLI.packageRoot.path + "/scenarios/\(name).yaml", encoding: .utf8)
            return (name, Tree(try Yams.compose(yaml: text)!).shrunk())
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("simrun-property-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let failures = Mutex<[String]>([])
        let statuses = Mutex<[Int32: Int]>([:])
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < cases else { return }
                var random = RandomStream(seed: seed).derived(UInt64(index))
                let (name, base) = bases[Int(random.next() % UInt64(bases.count))]
                var tree = base
                var applied: [String] = []
                for _ in 0..<(1 + Int(random.next() % 3)) { applied.append(tree.mutate(&random)) }
                let flags = Self.flags(&random)
                let file = directory.appendingPathComponent("case-\(index)-\(name).yaml").path
                let outcome: String?
                do {
                    try tree.yaml().write(toFile: file, atomically: false, encoding: .utf8)
                    outcome = try Self.check(file: file, flags: flags, statuses: statuses)
                } catch {
                    outcome = "could not run: \(error)"
                }
                if let outcome {
                    failures.withLock {
                        $0.append("case \(index) (\(name); \(applied.joined(separator: "; ")); flags \(flags)): \(outcome)")
                    }
                } else if environment["SIMRUN_PROPERTY_KEEP"] == nil {
                    try? FileManager.default.removeItem(atPath: file)
                }
            }
        }
        let found = failures.withLock { $0 }
        let summary = "\(found.count) of \(cases) cases failed (files kept in \(directory.path)):\n"
            + found.prefix(20).joined(separator: "\n")
        #expect(found.isEmpty, "\(summary)")
        if found.isEmpty && environment["SIMRUN_PROPERTY_KEEP"] == nil {
            try FileManager.default.removeItem(at: directory)
        }
        // Each status must have occurred: a generator that only ever produced parse errors
        // would test little.
        let seen = statuses.withLock { $0 }
        let counts = "statuses: \(seen.sorted { $0.key < $1.key })"
        #expect(seen[0, default: 0] > 0 && seen[1, default: 0] > 0 && seen[2, default: 0] > 0, "\(counts)")
    }

    /// Command-line flags, sometimes mutated too.
    static func flags(_ random: inout RandomStream) -> [String] {
        guard random.nextUnit() < 0.25 else { return [] }
        let choices: [(String, [String])] = [
            ("--seed", ["0", "18446744073709551615", "-1", "1e3", "x"]),
            ("--warmup", ["0s", "1h", "2562047h", "-5s", "1e10", "10000000000h"]),
            ("--replications", ["2", "3", "0", "-1", "100000"]),
            ("--jobs", ["1", "0", "-2"]),
            ("--max-file-size", ["10", "0"]),
        ]
        let (flag, values) = choices[Int(random.next() % UInt64(choices.count))]
        return [flag, values[Int(random.next() % UInt64(values.count))]]
    }

    /// Runs one case; nil if it holds the property, else what went wrong.
    static func check(file: String, flags: [String], statuses: borrowing Mutex<[Int32: Int]>) throws -> String? {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["run", file, "--format", "json", "--output", "/dev/null", "--max-ops", "20000"] + flags
        process.currentDirectoryURL = CLI.packageRoot
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        // Thousands of cases: every descriptor is closed here, not left to the Pipe's lifetime
        // (Foundation watches processes with select(), which fails beyond 1024 descriptors).
        try? errors.fileHandleForWriting.close()
        let stderrData = Mutex(Data())
        let read = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let data = errors.fileHandleForReading.readDataToEndOfFile()
            try? errors.fileHandleForReading.close()
            stderrData.withLock { $0 = data }
            read.signal()
        }
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            _ = exited.wait(timeout: .now() + 10)
            _ = read.wait(timeout: .now() + 10)
            return "still running after \(Int(timeout)) s"
        }
        read.wait()
        let stderr = String(decoding: stderrData.withLock { $0 }, as: UTF8.self)
        if process.terminationReason == .uncaughtSignal {
            return "killed by signal \(process.terminationStatus): \(stderr.prefix(300))"
        }
        let status = process.terminationStatus
        statuses.withLock { $0[status, default: 0] += 1 }
        let lines = stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        switch status {
        case 0:
            return stderr.isEmpty ? nil : "status 0 with output on standard error: \(stderr.prefix(300))"
        case 1:
            return lines == ["simrun: a run ended before its work was done (see the endings in the report)"]
                ? nil : "status 1 with: \(stderr.prefix(300))"
        case 2:
            guard lines.count == 1, let line = lines.first else { return "status 2 with \(lines.count) lines: \(stderr.prefix(500))" }
            return namesAKeyPath(String(line), file: file) ? nil : "error without a key path: \(line.prefix(300))"
        case 64 where !flags.isEmpty:
            return nil
        default:
            return "status \(status): \(stderr.prefix(300))"
        }
    }

    /// Messages about the file as a whole, which have no key path.
    static let wholeFileMessages = ["invalid YAML", "duplicate key", "an alias", "expected a mapping", "unknown key",
                                    "the file is larger", "unknown variant", "this would create"]

    /// `simrun: FILE[:LINE]: KEY.PATH: message`, or a whole-file message.
    static func namesAKeyPath(_ line: String, file: String) -> Bool {
        guard line.hasPrefix("simrun: \(file)") else { return false }
        var rest = Substring(line.dropFirst("simrun: \(file)".count))
        if rest.first == ":", rest.dropFirst().first?.isNumber == true { rest = rest.dropFirst().drop { $0.isNumber } }
        guard rest.hasPrefix(": ") else { return false }
        rest = rest.dropFirst(2)
        if wholeFileMessages.contains(where: { rest.hasPrefix($0) }) { return true }
        guard let colon = rest.firstRange(of: ": ") else { return false }
        let path = rest[..<colon.lowerBound]
        return path.first.map { $0.isLetter || $0 == "_" } == true
            && path.allSatisfy { $0.isLetter || $0.isNumber || "_-.[]\"/+ {}".contains($0) }
    }
}

/// A YAML document as a tree that mutations can edit and that serialises back to YAML.
indirect enum Tree {
    case scalar(String)
    case map([(String, Tree)])
    case list([Tree])

    init(_ node: Node) {
        switch node {
        case .scalar(let scalar): self = .scalar(scalar.string)
        case .mapping(let mapping): self = .map(mapping.map { ($0.key.string ?? "?", Tree($0.value)) })
        case .sequence(let sequence): self = .list(sequence.map(Tree.init))
        case .alias: self = .scalar("")
        }
    }

    var node: Node {
        switch self {
        case .scalar(let text): return Node(text)
        case .map(let pairs): return Node(pairs.map { (Node($0.0), $0.1.node) })
        case .list(let items): return Node(items.map(\.node))
        }
    }

    func yaml() throws -> String { try Yams.serialize(node: node) }

    /// The shipped scenarios made quick: repeat counts at most 3, source counts at most 50.
    func shrunk(under key: String = "") -> Tree {
        switch self {
        case .scalar(let text):
            guard let value = Int(text) else { return self }
            if key == "repeat.count" { return .scalar(String(min(value, 3))) }
            if key == "source.count" { return .scalar(String(min(value, 50))) }
            return self
        case .map(let pairs):
            return .map(pairs.map { name, value in
                let context = key == "repeat" ? "repeat.\(name)" : key == "source" ? "source.\(name)" : name
                return (name, value.shrunk(under: context))
            })
        case .list(let items):
            return .list(items.map { $0.shrunk(under: key == "sources" ? "source" : "") })
        }
    }

    /// Every place in the tree, as a path of map keys and list indices.
    private func places(_ prefix: [PathStep] = []) -> [[PathStep]] {
        switch self {
        case .scalar: return [prefix]
        case .map(let pairs):
            return [prefix] + pairs.enumerated().flatMap { index, pair in pair.1.places(prefix + [.key(index)]) }
        case .list(let items):
            return [prefix] + items.enumerated().flatMap { index, item in item.places(prefix + [.index(index)]) }
        }
    }

    enum PathStep { case key(Int), index(Int) }

    static let extremes = [
        "0", "-1", "1e19", "1e308", "-1e308", ".nan", ".inf", "-.inf", "NaN", "1e-300", "0.000000001",
        "99999999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "0s", "1ns", "-5s", "2562047h", "2562048h", "1e10s", "100000000h", "0.0000000001s", "0/s",
        "1000000000000/s", "0.000000000001/s", "1/h", "1000000/s", "true", "false", "null", "~", "", "x",
        "node-0", "node-99999", "net-zzz", "{i}", "1_000_000", "0x10", "∞", "🙂", String(repeating: "a", count: 5000),
        "1000000", "100000", "4096", "0.5", "-0.5", "20", "30", "31", "1ms", "15s", "1h", "30h",
    ]

    /// Applies one random mutation; returns what it did.
    mutating func mutate(_ random: inout RandomStream) -> String {
        let all = places()
        let path = all[Int(random.next() % UInt64(all.count))]
        let choice = random.next() % 10
        let description: String
        switch choice {
        case 0...4:
            let value = Tree.extremes[Int(random.next() % UInt64(Tree.extremes.count))]
            description = "set \(path.count)-deep to \(value.prefix(20))"
            edit(path) { _ in .scalar(value) }
        case 5:
            let shapes: [Tree] = [.list([]), .map([]), .list([.scalar("x"), .list([])]), .map([("x", .scalar("1"))])]
            let shape = shapes[Int(random.next() % UInt64(shapes.count))]
            description = "set \(path.count)-deep to a \(shape)"
            edit(path) { _ in shape }
        case 6:
            description = "scale a number \(path.count)-deep"
            let factor = ["1000000", "0.000001", "-1", "0"][Int(random.next() % 4)]
            edit(path) { tree in
                guard case .scalar(let text) = tree, let number = Double(text.prefix { "0123456789.-".contains($0) }),
                      !text.isEmpty else { return tree }
                let unit = text.drop { "0123456789.-".contains($0) }
                let scaled = number * (Double(factor) ?? 1)
                return .scalar(String(format: "%.10g", scaled) + unit)
            }
        case 7:
            description = "delete \(path.count)-deep"
            remove(path)
        case 8:
            description = "duplicate \(path.count)-deep"
            duplicate(path)
        default:
            description = "add an unknown key \(path.count)-deep"
            edit(path) { tree in
                if case .map(let pairs) = tree { return .map(pairs + [("frobnicate", .scalar("1"))]) }
                return tree
            }
        }
        return description
    }

    private mutating func edit(_ path: [PathStep], _ change: (Tree) -> Tree) {
        guard let step = path.first else {
            self = change(self)
            return
        }
        let rest = Array(path.dropFirst())
        switch (self, step) {
        case (.map(var pairs), .key(let index)):
            pairs[index].1.edit(rest, change)
            self = .map(pairs)
        case (.list(var items), .index(let index)):
            items[index].edit(rest, change)
            self = .list(items)
        default:
            break
        }
    }

    private mutating func remove(_ path: [PathStep]) {
        guard let last = path.last else { return }
        edit(Array(path.dropLast())) { parent in
            switch (parent, last) {
            case (.map(var pairs), .key(let index)): pairs.remove(at: index); return .map(pairs)
            case (.list(var items), .index(let index)): items.remove(at: index); return .list(items)
            default: return parent
            }
        }
    }

    private mutating func duplicate(_ path: [PathStep]) {
        guard let last = path.last else { return }
        edit(Array(path.dropLast())) { parent in
            switch (parent, last) {
            case (.list(var items), .index(let index)): items.insert(items[index], at: index); return .list(items)
            case (.map(var pairs), .key(let index)): pairs.insert(pairs[index], at: index); return .map(pairs)
            default: return parent
            }
        }
    }
}
