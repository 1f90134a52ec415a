import Model
import Scenarios
import Sim
import Testing

/// Parses `yaml` as a whole scenario file named `s.yaml`; returns the one-line error or nil.
private func scenarioError(_ yaml: String) -> String? {
    do {
        _ = try ScenarioParser.load(text: yaml, file: "s.yaml")
        return nil
    } catch {
        return error.description
    }
}

private let oneInstance = """
    networks: [net-a]
    workload:
      - at: 0s
        instance_start: {name: web, node: node-2, interfaces: [net-a]}

    """

/// Every number from a file is range-checked before it becomes a duration, a count or a pool
/// size: the error names the key and the allowed range.
@Suite struct NumbersAreRangeChecked {
    @Test func ratesWhoseMeanIntervalIsNoDurationAreRejected() {
        let source = { (rate: String) in """
            sources:
              - name: s
                op: {type: node_inst_op, tasks: [instance_delete], priority: user_facing, queue: any}
                arrivals: {poisson: \(rate)}
                count: 10
            """ }
        let range = "expected a rate from 1 per 2562047h to 1000000000/s (a mean interval from 1ns to 2562047h)"
        #expect(scenarioError(source("1000000000000/s"))
            == "s.yaml:4: sources[0].arrivals.poisson: \(range), got \"1000000000000/s\"")
        #expect(scenarioError(source("0.000000000000000000001/s"))
            == "s.yaml:4: sources[0].arrivals.poisson: \(range), got \"0.000000000000000000001/s\"")
        #expect(scenarioError(source("1000000000/s")) == nil)
    }

    @Test func extremeLognormalParametersAreRejected() {
        let roundTrip = { (parameters: String) in "database:\n  round_trip: {lognormal: {\(parameters)}}\n" }
        #expect(scenarioError(roundTrip("mu: 100, sigma: 1"))
            == "s.yaml:2: database.round_trip.lognormal.mu: expected a number from -30 to 30, got \"100\"")
        #expect(scenarioError(roundTrip("mu: 0, sigma: 1000"))
            == "s.yaml:2: database.round_trip.lognormal.sigma: expected a number from 0 to 20, got \"1000\"")
        #expect(scenarioError(roundTrip("mu: .nan, sigma: 1"))
            == "s.yaml:2: database.round_trip.lognormal.mu: expected a number from -30 to 30, got \".nan\"")
    }

    @Test func poolSizesThatCannotBeACountAreRejected() {
        let queues = { (setting: String) in "overrides:\n  sf_queues: {\(setting)}\n" }
        #expect(scenarioError(queues("max_workers: 1e19"))
            == "s.yaml:2: overrides.sf_queues.max_workers: expected a number greater than 0 and at most 100000, got \"1e19\"")
        #expect(scenarioError(queues("min_workers: 1e308"))
            == "s.yaml:2: overrides.sf_queues.min_workers: expected a number greater than 0 and at most 100000, got \"1e308\"")
        #expect(scenarioError(queues("max_workers: 0"))
            == "s.yaml:2: overrides.sf_queues.max_workers: expected a number greater than 0 and at most 100000, got \"0\"")
        #expect(scenarioError(queues("cpus_per_worker: 0.0000001"))
            == "s.yaml:2: overrides.sf_queues.cpus_per_worker: expected a number from 0.001 to 4096, got \"0.0000001\"")
    }

    @Test func idealModeWithNoWholeWorkerIsRejected() {
        #expect(scenarioError("ideal: true\noverrides:\n  sf_queues: {max_workers: 0.5}\n" + oneInstance)
            == "s.yaml:3: overrides.sf_queues.max_workers: ideal mode runs int(max_workers) workers per node, and "
            + "node-1 would get 0.500 (variant facade): no op queued there could run; give it at least 1")
        #expect(scenarioError("ideal: true\noverrides:\n  sf_queues: {max_workers: 1.5}\n" + oneInstance) == nil)
    }

    @Test func aCoalescingRuleNamingNoTaskSuggestsTheNearest() {
        #expect(scenarioError("""
            coalescing:
              - {type: net_op, tasks: [network_apply_update_dnsmask], key: [network_uuid]}
            """) == "s.yaml:2: coalescing[0].tasks[0]: unknown task \"network_apply_update_dnsmask\" in a coalescing "
            + "rule; did you mean \"network_apply_update_dnsmasq\"? (tasks are the defaults and those defined under "
            + "overrides.tasks)")
    }
}

/// Workload events are checked in time order against what exists then.
@Suite struct EventsAreCheckedInTimeOrder {
    @Test func deletingAnInstanceBeforeItStartsIsRejectedAtTheDelete() {
        #expect(scenarioError("""
            networks: [net-a]
            workload:
              - at: 20s
                instance_start: {name: web, node: node-2, interfaces: [net-a]}
              - at: 10s
                instance_delete: {name: web}
            """) == "s.yaml:6: workload[1].instance_delete.name: instance \"web\" does not exist yet at 10s: it is "
            + "started at 20s (line 4); events run in time order, not file order")
    }

    @Test func deletingAnInstanceTwiceOrAFloatingIPOnADeletedOneIsRejected() {
        let base = oneInstance + "  - at: 10s\n    instance_delete: {name: web}\n"
        #expect(scenarioError(base + "  - at: 20s\n    instance_delete: {name: web}\n")
            == "s.yaml:8: workload[2].instance_delete.name: instance \"web\" no longer exists at 20s: it was deleted "
            + "at 10s (line 6)")
        #expect(scenarioError(base + "  - at: 30s\n    floating_ip_add: {instance: web}\n")
            == "s.yaml:8: workload[2].floating_ip_add.instance: instance \"web\" no longer exists at 30s: it was "
            + "deleted at 10s (line 6)")
    }

    @Test func usingADeletedNetworkOrCreatingAnExistingOneIsRejected() {
        #expect(scenarioError("""
            networks: [net-a]
            workload:
              - at: 0s
                network_delete: {name: net-a}
              - at: 10s
                instance_start: {name: web, node: node-2, interfaces: [net-a]}
            """) == "s.yaml:6: workload[1].instance_start.interfaces[0]: network \"net-a\" no longer exists at 10s: "
            + "it was deleted at 0s (line 4)")
        #expect(scenarioError("networks: [net-a]\nworkload:\n  - at: 5s\n    network_create: {name: net-a}\n")
            == "s.yaml:4: workload[0].network_create.name: network \"net-a\" already exists at 5s (declared under "
            + "networks); delete it first or give the new one its own name")
    }

    /// Equal times keep file order (the order the run performs them in); repetitions are
    /// named in messages.
    @Test func repetitionsAreCheckedEachAtItsOwnTime() {
        #expect(scenarioError("""
            networks: [net-a]
            workload:
              - at: 0s
                repeat: {count: 3, every: 10s}
                instance_start: {name: "w-{i}", node: node-2, interfaces: [net-a]}
              - at: 15s
                repeat: {count: 3, every: 1s}
                instance_delete: {name: "w-{i}"}
            """) == "s.yaml:8: workload[1].instance_delete.name: instance \"w-3\" does not exist yet at 17s "
            + "(repetition 3): it is started at 20s (line 5); events run in time order, not file order")
    }

    /// The shipped scenarios create, use and delete in a valid order.
    @Test(arguments: ["ci-functional", "node-restart", "six-instance-starts", "mmc"])
    func shippedScenariosPass(_ name: String) throws {
        _ = try ScenarioParser.load(path: CLI.packageRoot.appendingPathComponent("scenarios/\(name).yaml").path)
    }
}

/// What the YAML reader refuses before parsing, and what it accepts that it used to refuse.
@Suite struct InputLimits {
    /// Eleven levels of ten aliases each: 10^11 nodes if expanded. As a key, the parser would
    /// hash the whole expansion; it is refused before parsing, naming the line.
    @Test func anAliasBombUsedAsAMappingKeyIsRefusedBeforeParsing() {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...11 {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        let text = lines.joined(separator: "\n") + "\n? *a11\n: 1\n"
        #expect(scenarioError(text) == "s.yaml:13: an alias (*a11) is used as a mapping key; keys must be written out")
        #expect(scenarioError(lines.joined(separator: "\n") + "\n*a11 : 1\n")
            == "s.yaml:13: an alias (*a11) is used as a mapping key; keys must be written out")
    }

    /// Aliases as values, and text that only looks like an alias key in comments, quotes and
    /// block scalars, are fine.
    @Test func aliasesAsValuesAndLookalikesAreAccepted() {
        #expect(scenarioError("""
            database: {round_trip: &rt {constant: 1ms}}
            description: "*not: an alias"  # *nor: this
            variants:
              a: {database: {round_trip: *rt}}
            """) == nil)
        #expect(scenarioError("description: |\n  *a: text\n  more\nseed: 2\n") == nil)
    }

    @Test func aByteOrderMarkBeforeTheScenarioIsAccepted() throws {
        let scenario = try ScenarioParser.load(text: "\u{FEFF}seed: 7\n" + oneInstance, file: "s.yaml")
        #expect(scenario.seed == 7)
    }

    @Test func aFileLargerThanTheLimitIsRefusedWithoutReadingIt() throws {
        let path = try CLI.scenarioFile("seed: 1\n" + String(repeating: "# padding\n", count: 200))
        #expect(throws: ScenarioError(file: path, message: "the file is larger than 1000 bytes (--max-file-size raises the limit)")) {
            try ScenarioParser.load(path: path, maxBytes: 1000)
        }
        _ = try ScenarioParser.load(path: path, maxBytes: 10_000)
    }
}
