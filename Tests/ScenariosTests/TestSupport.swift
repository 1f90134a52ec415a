import Foundation
import Scenarios

/// Parses `yaml` as the file `s.yaml` and reads its root with `read`; returns the one-line
/// error, or nil if reading succeeded.
func failure<Value>(_ yaml: String, _ read: (YAMLNode) throws -> Value) -> String? {
    do {
        _ = try read(YAMLDocument.load(text: yaml, file: "s.yaml").root)
        return nil
    } catch let error as ScenarioError {
        return error.description
    } catch {
        return "not a ScenarioError: \(error)"
    }
}

/// Parses `yaml` as `s.yaml` and reads its root with `read`.
func read<Value>(_ yaml: String, _ read: (YAMLNode) throws -> Value) throws -> Value {
    try read(YAMLDocument.load(text: yaml, file: "s.yaml").root)
}

/// Every scratch directory of this test process lives under one root, removed when the
/// process exits, so a test run leaves nothing in the temporary directory (it left about a
/// hundred directories per run before). A failure to remove it is reported, not ignored.
enum Scratch {
    static let root: URL = {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("simrun-tests-\(getpid())-\(UUID().uuidString.prefix(8))")
        atexit { Scratch.removeRoot() }
        return root
    }()

    private static func removeRoot() {
        guard FileManager.default.fileExists(atPath: root.path) else { return }
        do {
            try FileManager.default.removeItem(at: root)
        } catch {
            FileHandle.standardError.write(Data("simrun tests: could not remove \(root.path): \(error)\n".utf8))
        }
    }
}

/// A fresh directory for one test's files, under `Scratch.root`.
func scratchDirectory() throws -> String {
    let directory = Scratch.root.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.path
}
