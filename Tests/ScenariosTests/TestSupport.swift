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
