import Foundation
import Testing

/// `simrun bench --format json`: one object on standard output that a program can read, the
/// progress lines on standard error, and the same figures the tables print. Speeds are not
/// asserted (they are measurements, not behaviour); their relations are.
@Suite(.serialized) struct BenchOutputTests {
    /// The JSON object a bench command prints, and its standard error.
    func benchJSON(_ arguments: [String]) throws -> (object: [String: Any], stderr: String) {
        let result = try CLI.run(["bench"] + arguments + ["--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return (try #require(parsed as? [String: Any]), result.stderr)
    }

    @Test func theMM1RowsAreOneObjectWithTheirRatios() throws {
        let (object, stderr) = try benchJSON(["--mm1", "--customers", "1000", "--repeats", "1"])
        #expect(object["benchmark"] as? String == "rows")
        #expect((object["allocator"] as? String)?.isEmpty == false)
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.compactMap { $0["name"] as? String } == ["plain M/M/1 (event loop, no actors)",
                                                            "kernel M/M/1 (bare actors)",
                                                            "model M/M/1 (ideal mode, sf-net)"])
        for row in rows {
            #expect(row["customers"] as? Int == 1000)
            let wall = try #require(row["wall_seconds"] as? Double)
            let rate = try #require(row["customers_per_second"] as? Double)
            // Each figure is written with six decimals, so the wall time is off by up to
            // 5e-7 s: customers = rate x wall within rate x 5e-7 (plus the rate's own rounding).
            #expect(wall > 0 && abs(rate * wall - 1000) <= rate * 5e-7 + 1e-6)
        }
        let plain = try #require(rows[0]["customers_per_second"] as? Double)
        let kernel = try #require(rows[1]["customers_per_second"] as? Double)
        let ratio = try #require(object["kernel_over_plain"] as? Double)
        #expect(abs(ratio - plain / kernel) <= 1e-3 * ratio)
        // Progress stays off standard output, which holds the object alone.
        #expect(stderr.contains("measured kernel M/M/1"))
    }

    @Test func theBacklogHasARowPerSize() throws {
        let (object, _) = try benchJSON(["--backlog", "10,20"])
        #expect(object["benchmark"] as? String == "backlog")
        #expect(object["variant"] as? String == "plan")
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.compactMap { $0["starts"] as? Int } == [10, 20])
        for row in rows {
            let starts = try #require(row["starts"] as? Int)
            let jobs = try #require(row["kernel_jobs"] as? Int)
            let perStart = try #require(row["jobs_per_start"] as? Double)
            #expect(try #require(row["ops"] as? Int) >= starts)
            #expect(abs(perStart - Double(jobs) / Double(starts)) <= 1e-6)
        }
    }
}
