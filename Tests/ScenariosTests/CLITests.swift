import Foundation
import Testing

/// Runs the `simrun` executable built next to the test bundle and captures what it prints.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CLI {
    /// The package root (the tests run with it as the working directory or below `.build`).
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// `simrun` sits in the same build directory as the test bundle.
    static var executable: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = bundle.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("simrun").path),
              directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("simrun")
    }

    /// `environment` is added to the test's own; the variables named in `unsetting` are removed.
    static func run(_ arguments: [String], environment: [String: String] = [:], unsetting: [String] = [],
                    in directory: URL? = nil) throws -> CLIResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty || !unsetting.isEmpty {
            var merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            for name in unsetting { merged[name] = nil }
            process.environment = merged
        }
        process.currentDirectoryURL = directory ?? packageRoot
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                         stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Writes `text` to a fresh temporary scenario file and returns its path.
    static func scenarioFile(_ text: String, name: String = "bad.yaml") throws -> String {
        let file = try scratchDirectory() + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
}

@Suite(.serialized) struct CommandLineTests {
    @Test func shippedScenarioRunsAndPrintsBothVariants() throws {
        let result = try CLI.run(["run", "scenarios/six-instance-starts.yaml", "--deterministic"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("variant facade (era facade)"))
        #expect(result.stdout.contains("variant plan (era plan)"))
        #expect(result.stdout.contains("task network_apply_update_dnsmasq"))
        #expect(result.stderr.isEmpty)
    }

    @Test func missingFileIsOneLineAndStatusTwo() throws {
        let result = try CLI.run(["run", "no/such/file.yaml"])
        #expect(result.status == 2)
        #expect(result.stderr == "simrun: no/such/file.yaml: file not found\n")
        #expect(result.stdout.isEmpty)
    }

    @Test func malformedScenarioIsOneLineAndStatusTwo() throws {
        let path = try CLI.scenarioFile("seed: 1\nworkload: [\n")
        let result = try CLI.run(["run", path])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("simrun: \(path):"))
        #expect(result.stderr.filter { $0 == "\n" }.count == 1)
        #expect(result.stdout.isEmpty)
    }

    @Test func unknownKeyIsOneLineAndStatusTwo() throws {
        let path = try CLI.scenarioFile("seed: 1\nnetwork: [net-a]\n")
        let result = try CLI.run(["run", path])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("simrun: \(path):2: unknown key \"network\""))
        #expect(result.stderr.hasSuffix("did you mean \"networks\"?\n"))
    }

    @Test func negativeDurationIsOneLineAndStatusTwo() throws {
        let path = try CLI.scenarioFile("time_limit: -5m\n")
        let result = try CLI.run(["run", path])
        #expect(result.status == 2)
        #expect(result.stderr == "simrun: \(path):1: time_limit: must not be negative, got \"-5m\"\n")
    }

    @Test func unknownVariantNamesTheKnownOnes() throws {
        let result = try CLI.run(["run", "scenarios/six-instance-starts.yaml", "--variant", "nope"])
        #expect(result.status == 2)
        #expect(result.stderr == "simrun: scenarios/six-instance-starts.yaml: unknown variant \"nope\" "
                + "(this scenario has: inline, facade, plan, plan-deployed, later, plan-mesh-per-node)\n")
        #expect(result.stdout.isEmpty)
    }

    @Test func badFlagValueIsAUsageError() throws {
        let result = try CLI.run(["run", "scenarios/six-instance-starts.yaml", "--format", "xml"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--format"))
    }

    @Test func runOutOfTimeSaysSoAndExitsOne() throws {
        let path = try CLI.scenarioFile("""
            time_limit: 5s
            networks: [net-a]
            workload:
              - at: 0s
                repeat: {count: 6}
                instance_start: {node: node-2, interfaces: [net-a]}
            """)
        let output = path + ".json"
        let result = try CLI.run(["run", path, "--format", "json", "--output", output, "--deterministic"])
        #expect(result.status == 1)
        #expect(result.stderr == "simrun: a run ended before its work was done (see the endings in the report)\n")
        let json = try String(contentsOfFile: output, encoding: .utf8)
        #expect(json.contains("\"state\": \"time_limit\""))
        #expect(json.contains("\"pending_ops\": ["))
    }

    @Test func failedRunWritesNoOutputFile() throws {
        let path = try CLI.scenarioFile("seed: x\n")
        let output = path + ".json"
        let result = try CLI.run(["run", path, "--output", output])
        #expect(result.status == 2)
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(!FileManager.default.fileExists(atPath: output + ".partial"))
    }

    @Test func sameSeedGivesIdenticalBytesThroughTheCommandLine() throws {
        let arguments = ["run", "scenarios/six-instance-starts.yaml", "--format", "json", "--deterministic", "--seed", "9"]
        let first = try CLI.run(arguments)
        let second = try CLI.run(arguments)
        #expect(first.status == 0)
        #expect(first.stdout == second.stdout)
        let other = try CLI.run(["run", "scenarios/six-instance-starts.yaml", "--format", "json", "--deterministic",
                                 "--seed", "10"])
        #expect(other.stdout != first.stdout)
    }

    /// The kernel routes its tasks' jobs through the runtime's global-executor hook
    /// (`GlobalJobRouting`); without the hook it falls back to task executor preferences. Both
    /// ways must give the same bytes, kernel job counts included.
    @Test func withoutJobRoutingTheOutputIsTheSameBytes() throws {
        for scenario in ["six-instance-starts", "node-restart"] {
            let arguments = ["run", "scenarios/\(scenario).yaml", "--format", "json", "--deterministic"]
            let routed = try CLI.run(arguments)
            let preferred = try CLI.run(arguments, environment: ["SIMRUN_NO_JOB_ROUTING": "1"])
            #expect(routed.status == 0 && preferred.status == 0, "\(routed.stderr) \(preferred.stderr)")
            #expect(routed.stdout.contains("\"jobs\""))
            #expect(routed.stdout == preferred.stdout, "\(scenario): output differs without job routing")
        }
    }
}
