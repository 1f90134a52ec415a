import Model
import Scenarios
import Sim
import Testing

/// `--set KEY=VALUE`: a value for any key path, patched into the YAML tree before the scenario
/// is read; the same mechanism as a sweep's `--grid`.
@Suite struct SettingTests {
    static let scenario = """
        seed: 3
        era: plan
        workload:
          - at: 0s
            repeat: {count: 4, every: 5s}
            op: {type: net_op, tasks: [network_apply_update_dnsmasq], priority: background, queue: networknode}
          - at: 1s
            op: {type: net_op, tasks: [network_apply_update_dnsmasq], priority: user_facing, queue: networknode}
        variants:
          strict: {}
          late: {fairness: {policy: bounded_staleness, after: 30s}}
        """

    static func load(_ settings: [String]) throws -> Scenario {
        try ScenarioParser.load(text: scenario, file: "s.yaml", settings: settings.map { try YAMLSetting.parse($0) })
    }

    static func failure(_ settings: [String]) -> ScenarioError? {
        do {
            _ = try load(settings)
            return nil
        } catch let error as ScenarioError {
            return error
        } catch {
            Issue.record("not a ScenarioError: \(error)")
            return nil
        }
    }

    @Test func setChangesAKeyAndCreatesMissingMappings() throws {
        let scenario = try Self.load(["seed=9", "fairness.policy=bounded_staleness", "fairness.after=10s"])
        #expect(scenario.seed == 9)
        #expect(scenario.base.fairness == .both(.boundedStaleness(after: .seconds(10))))
        // The variant's own fairness still wins over the scenario's.
        let late = try #require(scenario.variant(named: "late"))
        #expect(scenario.config(for: late).fairness == .both(.boundedStaleness(after: .seconds(30))))
    }

    @Test func setReachesListItemsAndNestedKeys() throws {
        let scenario = try Self.load(["workload[0].repeat.every=12s", "variants.late.fairness.after=1m"])
        #expect(scenario.workload.events.filter { $0.label.hasPrefix("workload[0]") }.map(\.at)
                == [.zero, .seconds(12), .seconds(24), .seconds(36)])
        let late = try #require(scenario.variant(named: "late"))
        #expect(scenario.config(for: late).fairness == .both(.boundedStaleness(after: .seconds(60))))
    }

    @Test func theValueIsYAMLAndALaterSettingWins() throws {
        let scenario = try Self.load(["fairness={policy: drr, weights: {user_facing: 3, background: 1}}",
                                      "fairness.weights.background=2"])
        #expect(scenario.base.fairness == .both(.deficitRoundRobin(LaneWeights([.userFacing: 3, .background: 2]))))
    }

    @Test func aBadSetValueNamesTheKeyAndTheCommandLine() throws {
        let error = try #require(Self.failure(["seed=abc"]))
        #expect(error.fromCommandLine)
        #expect(error.description == "s.yaml: seed: expected an integer from 0 to 18446744073709551615, got \"abc\" "
                + "(set on the command line: --set seed=abc)")
        let nested = try #require(Self.failure(["variants.late.fairness.after=soon"]))
        #expect(nested.description.hasPrefix("s.yaml: variants.late.fairness.after: expected a duration"))
        #expect(nested.description.hasSuffix("(set on the command line: --set variants.late.fairness.after=soon)"))
    }

    /// `--set parameters.NAME=...` with a misspelt NAME created a parameter nothing used and
    /// changed nothing, silently: it is an error naming the command line.
    @Test func aSetParameterNothingUsesIsAnError() throws {
        let result = try CLI.run(["run", "scenarios/ci-functional.yaml", "--set", "parameters.cadnce=12s"])
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "simrun: scenarios/ci-functional.yaml: parameters.cadnce: no ${cadnce} in the file uses "
                + "this parameter; did you mean \"cadence\"? (set on the command line: --set parameters.cadnce=12s)\n")
    }

    @Test func anUnknownSetKeyIsReportedWithASuggestion() throws {
        let error = try #require(Self.failure(["fairnes.after=10s"]))
        #expect(error.fromCommandLine)
        #expect(error.description.hasPrefix("s.yaml: unknown key \"fairnes\""))
        #expect(error.description.contains("did you mean \"fairness\"?"))
        #expect(error.description.hasSuffix("(set on the command line: --set fairnes.after=10s)"))
    }

    /// `--set variants.lte.fairness.after=1m` (a misspelt `late`) made a variant `lte` that
    /// nothing ran, and `late` ran unchanged, silently: a key path under `variants` changes a
    /// variant the file has. Setting a whole variant's mapping adds one.
    @Test func aSetKeyPathUnderAVariantTheFileLacksIsAnError() throws {
        let error = try #require(Self.failure(["variants.lte.fairness.after=1m"]))
        #expect(error.fromCommandLine)
        #expect(error.description == "s.yaml: variants.lte.fairness.after: the scenario has no variant \"lte\" "
                + "(it has strict, late); a key path changes a variant, it does not add one (set variants.NAME={...} "
                + "to add one) (set on the command line: --set variants.lte.fairness.after=1m)")
        let added = try Self.load(["variants.lte={fairness: {policy: bounded_staleness, after: 1m}}"])
        let lte = try #require(added.variant(named: "lte"))
        #expect(added.config(for: lte).fairness == .both(.boundedStaleness(after: .seconds(60))))
    }

    @Test func aListItemThatDoesNotExistIsAnError() throws {
        let error = try #require(Self.failure(["workload[5].at=3s"]))
        #expect(error.fromCommandLine)
        #expect(error.description == "s.yaml: workload[5].at: workload has 2 items, so there is no [5] "
                + "(set on the command line: --set workload[5].at=3s)")
        let scalar = try #require(Self.failure(["seed.x=1"]))
        #expect(scalar.description == "s.yaml: seed.x: seed is not a mapping, so it has no key \"x\" "
                + "(set on the command line: --set seed.x=1)")
    }

    @Test func errorsInTheFileItselfStillNameTheirLine() throws {
        let error = try #require(Self.failure(["variants.late.fairness.after=5s", "era=facade"]))
        // Not the set value's fault alone: the policy (from the file) needs the batched dequeue.
        #expect(error.description.contains("bounded_staleness orders rows across queues"))
    }

    @Test func malformedSettingsAreCommandLineErrors() {
        for (argument, message) in [
            ("seed", "--set \"seed\": expected KEY=VALUE (e.g. fairness.after=30s)"),
            ("=3", "key path \"\": expected a key path such as fairness.after"),
            ("a..b=1", "key path \"a..b\": an empty key"),
            ("a[x]=1", "key path \"a[x]\": expected [N] (a list index) or [\"key\"], got [x]"),
            ("seed=", "--set seed=: expected a value after \"=\""),
        ] {
            #expect(throws: CommandLineError(message)) { try YAMLSetting.parse(argument) }
        }
    }

    @Test func keyPathsRoundTripThroughTheirRendering() throws {
        for text in ["fairness.after", "workload[3].repeat.every", "variants[\"a.b\"].era", "a[0][1].b"] {
            #expect(try YAMLPath.parse(text).description == text)
        }
    }
}

/// `--set` through the command line, on `run` and `compare`.
@Suite(.serialized) struct SetCommandTests {
    @Test func setOnRunIsTheSameAsEditingTheFile() throws {
        let set = try CLI.run(["run", "scenarios/six-instance-starts.yaml", "--variant", "plan", "--deterministic",
                               "--format", "json", "--set", "seed=9"])
        let flag = try CLI.run(["run", "scenarios/six-instance-starts.yaml", "--variant", "plan", "--deterministic",
                                "--format", "json", "--seed", "9"])
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stdout == flag.stdout)
    }

    @Test func aBadSetValueExits64WithOneLine() throws {
        for command in ["run", "compare"] {
            let result = try CLI.run([command, "scenarios/six-instance-starts.yaml", "--set", "time_limit=5"])
            #expect(result.status == 64)
            #expect(result.stderr == "simrun: scenarios/six-instance-starts.yaml: time_limit: expected a duration with "
                    + "a unit (e.g. 0.2s, 150ms, 15m), got \"5\" (set on the command line: --set time_limit=5)\n")
            #expect(result.stdout.isEmpty)
        }
        let malformed = try CLI.run(["run", "scenarios/six-instance-starts.yaml", "--set", "seed"])
        #expect(malformed.status == 64)
        #expect(malformed.stderr.hasPrefix("Error: --set \"seed\": expected KEY=VALUE"))
    }
}
