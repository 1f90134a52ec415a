import Sim

/// The workload's requests checked in time order against what exists at that time (see
/// ``WorkloadParser``): the calls the real API would refuse are errors at load time.
///
/// Requests are collected as the file is read and checked once all are known, sorted by time
/// and, for equal times, by the order they were added (file order, the order the run performs
/// them in). Each error names the request's own line and key path and says what exists then.
struct PlacementChecks {
    /// Where a request was written: one shared reference per written node, so the repetitions
    /// of an event do not each copy it.
    final class Site {
        let node: YAMLNode
        init(_ node: YAMLNode) { self.node = node }
    }

    enum Request {
        case startInstance(String, Site)
        case deleteInstance(String, Site)
        case useInstance(String, Site)
        case createNetwork(String, Site)
        case deleteNetwork(String, Site)
        case useNetwork(String, Site)
    }

    private struct Entry {
        var at: Duration
        var repetition: Int?
        var request: Request
    }

    /// When something came to exist or stopped existing, for messages.
    private enum Presence {
        case exists(since: Duration?, line: Int?)
        case gone(at: Duration, line: Int?)
    }

    private var entries: [Entry] = []
    private var declaredInstances: [String: Int?] = [:]
    private var declaredNetworks: [String] = []

    /// An instance running from the start (`instances:`), written on `line`.
    mutating func declare(instance: String, line: Int?) {
        declaredInstances[instance] = line
    }

    /// Networks that exist from the start (`networks:`).
    mutating func declare(networks: [String]) {
        declaredNetworks = networks
    }

    mutating func add(_ request: Request, at: Duration, repetition: Int?) {
        entries.append(Entry(at: at, repetition: repetition, request: request))
    }

    func run() throws(ScenarioError) {
        // Sorted by index, so the (large) entries are not moved about.
        let order = entries.indices.sorted { a, b in
            entries[a].at != entries[b].at ? entries[a].at < entries[b].at : a < b
        }
        var firstStart: [String: (at: Duration, line: Int?)] = [:]
        var firstCreate: [String: (at: Duration, line: Int?)] = [:]
        firstStart.reserveCapacity(entries.count / 2)
        for index in order {
            let entry = entries[index]
            switch entry.request {
            case .startInstance(let name, let site):
                if firstStart[name] == nil { firstStart[name] = (entry.at, site.node.line) }
            case .createNetwork(let name, let site):
                if firstCreate[name] == nil { firstCreate[name] = (entry.at, site.node.line) }
            default:
                break
            }
        }
        var instances: [String: Presence] = [:]
        instances.reserveCapacity(declaredInstances.count + firstStart.count)
        for (name, line) in declaredInstances { instances[name] = .exists(since: nil, line: line) }
        var networks: [String: Presence] = [:]
        for name in declaredNetworks { networks[name] = .exists(since: nil, line: nil) }
        for index in order {
            let entry = entries[index]
            var when: String { "at \(instant(entry.at))" + (entry.repetition.map { " (repetition \($0))" } ?? "") }
            switch entry.request {
            case .startInstance(let name, let site):
                let node = site.node
                guard instances[name] == nil else {
                    throw node.error("instance \"\(name)\" is started twice; give each start its own name")
                }
                instances[name] = .exists(since: entry.at, line: node.line)
            case .deleteInstance(let name, let site), .useInstance(let name, let site):
                let node = site.node
                try require(instances[name], "instance", name, node, when, future: firstStart[name], verb: "started")
                if case .deleteInstance = entry.request { instances[name] = .gone(at: entry.at, line: node.line) }
            case .createNetwork(let name, let site):
                let node = site.node
                if case .exists(let since, let line) = networks[name] {
                    let origin = since.map { "created \(instant($0))" + (line.map { ", line \($0)" } ?? "") }
                        ?? "declared under networks"
                    throw node.error("network \"\(name)\" already exists \(when) (\(origin)); delete it first "
                                     + "or give the new one its own name")
                }
                networks[name] = .exists(since: entry.at, line: node.line)
            case .deleteNetwork(let name, let site), .useNetwork(let name, let site):
                let node = site.node
                try require(networks[name], "network", name, node, when, future: firstCreate[name], verb: "created")
                if case .deleteNetwork = entry.request { networks[name] = .gone(at: entry.at, line: node.line) }
            }
        }
    }

    private func require(_ presence: Presence?, _ kind: String, _ name: String, _ node: YAMLNode,
                         _ when: @autoclosure () -> String,
                         future: (at: Duration, line: Int?)?, verb: String) throws(ScenarioError) {
        switch presence {
        case .exists:
            return
        case .gone(let at, let line):
            throw node.error("\(kind) \"\(name)\" no longer exists \(when()): it was deleted at \(instant(at))"
                             + (line.map { " (line \($0))" } ?? ""))
        case nil:
            if let future {
                throw node.error("\(kind) \"\(name)\" does not exist yet \(when()): it is \(verb) at \(instant(future.at))"
                                 + (future.line.map { " (line \($0))" } ?? "")
                                 + "; events run in time order, not file order")
            }
            throw node.error("no \(kind) \"\(name)\" is declared or \(verb) in this workload")
        }
    }
}

/// An instant of the run as written in files: seconds with up to nine decimals, `24s`, `0.5s`.
func instant(_ offset: Duration) -> String {
    var text = formatFixed(offset.seconds, decimals: 9)
    if text.contains(".") {
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
    }
    return text + "s"
}
