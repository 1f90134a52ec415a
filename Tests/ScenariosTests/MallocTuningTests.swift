import Foundation
import Testing

/// simrun starts itself again with glibc's thread cache enlarged (`MallocTuning` in the CLI),
/// unless the user set `GLIBC_TUNABLES` or `SIMRUN_MALLOC_TUNING=off`. What it runs with is
/// printed first by `simrun bench`; a run's output must not depend on it.
@Suite(.serialized) struct MallocTuningTests {
    /// The shortest bench: the M/M/1 rows with 1,000 customers, one round.
    static let bench = ["bench", "--mm1", "--customers", "1000", "--repeats", "1"]
    static let tunables = "GLIBC_TUNABLES=glibc.malloc.tcache_max=4096:glibc.malloc.tcache_count=1000"

    /// The first line `simrun bench` prints, with the environment given.
    func allocatorLine(_ environment: [String: String], unsetting: [String]) throws -> String {
        let result = try CLI.run(Self.bench, environment: environment, unsetting: unsetting)
        #expect(result.status == 0, "\(result.stderr)")
        return String(result.stdout.split(separator: "\n").first ?? "")
    }

    @Test func withoutASettingSimrunRunsWithItsOwnTunables() throws {
        let line = try allocatorLine([:], unsetting: ["GLIBC_TUNABLES", "SIMRUN_MALLOC_TUNING"])
        #expect(line.hasPrefix("allocator: \(Self.tunables) (simrun's setting"), "\(line)")
    }

    @Test(arguments: ["off", "0", "No", "false"])
    func optedOutItKeepsGlibcsDefaults(_ value: String) throws {
        let line = try allocatorLine(["SIMRUN_MALLOC_TUNING": value], unsetting: ["GLIBC_TUNABLES"])
        #expect(line.hasPrefix("allocator: glibc's defaults"), "\(line)")
    }

    @Test func aUsersOwnSettingIsKeptAsItIs() throws {
        let line = try allocatorLine(["GLIBC_TUNABLES": "glibc.malloc.tcache_count=7"], unsetting: ["SIMRUN_MALLOC_TUNING"])
        #expect(line == "allocator: GLIBC_TUNABLES=glibc.malloc.tcache_count=7 (from the environment)", "\(line)")
    }

    /// The allocator changes only the speed: the same scenario and seed give the same bytes.
    @Test func theOutputIsTheSameBytesEitherWay() throws {
        for scenario in ["six-instance-starts", "mmc"] {
            let arguments = ["run", "scenarios/\(scenario).yaml", "--format", "json", "--deterministic"]
            let tuned = try CLI.run(arguments, unsetting: ["GLIBC_TUNABLES", "SIMRUN_MALLOC_TUNING"])
            let plain = try CLI.run(arguments, environment: ["SIMRUN_MALLOC_TUNING": "off"], unsetting: ["GLIBC_TUNABLES"])
            #expect(tuned.status == 0 && plain.status == 0, "\(tuned.stderr) \(plain.stderr)")
            #expect(tuned.stdout.contains("\"jobs\""))
            #expect(tuned.stdout == plain.stdout, "\(scenario): output differs with glibc's defaults")
        }
    }
}
