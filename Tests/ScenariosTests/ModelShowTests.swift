import Model
import Scenarios
import Testing

/// `simrun model show`: every effective setting with where it comes from.
@Suite struct ModelShowTests {
    static let scenario = """
        seed: 1
        era: plan
        database:
          round_trip: 3ms
        overrides:
          sf_net: {batch_size: 4}
        variants:
          small:
            overrides:
              maintain: {interval: 10s}
          singular:
            steps: [1, 3, 4, 5, 6]
        """

    static func rows(_ variant: String) throws -> [String: ModelShow.Row] {
        let scenario = try ScenarioParser.load(text: Self.scenario, file: "s.yaml")
        let chosen = try #require(scenario.variant(named: variant))
        return Dictionary(uniqueKeysWithValues: ModelShow.of(scenario, variant: chosen).rows.map { ($0.key, $0) })
    }

    @Test func aSettingTheScenarioWroteNamesItsFileAndLine() throws {
        let rows = try Self.rows("small")
        #expect(rows["overrides.sf_net.batch_size"]?.value == "4")
        #expect(rows["overrides.sf_net.batch_size"]?.source == .scenario("s.yaml:6"))
        #expect(rows["database.round_trip"]?.source == .scenario("s.yaml:4"))
        #expect(rows["overrides.maintain.interval"]?.source == .scenario("variant small, s.yaml:10"))
        #expect(rows["era"]?.source == .scenario("s.yaml:2"))
    }

    @Test func aDefaultNamesItsSectionOrItsAssumption() throws {
        let rows = try Self.rows("small")
        #expect(rows["overrides.sf_net.singular_dequeue"]?.source.kind == "sourced")
        #expect(rows["overrides.hard_delete.interval"]?.value == "900s")
        #expect(rows["overrides.hard_delete.interval"]?.source.detail.hasPrefix("model §7") == true)
        #expect(rows["overrides.events.serialisation"]?.source.kind == "assumed")
        #expect(rows["overrides.tasks.network_ensure_mesh.service"]?.source.kind == "assumed")
        #expect(rows["overrides.tasks.instance_start.service"]?.source.kind == "sourced")
    }

    /// Turning step 2 off changes the dequeue without writing it: derived from the switch.
    @Test func aValueThatFollowsFromASwitchIsMarkedDerived() throws {
        let rows = try Self.rows("singular")
        #expect(rows["steps"]?.source == .scenario("variant singular, s.yaml:12"))
        #expect(rows["overrides.sf_net.dequeue"]?.value == "singular")
        #expect(rows["overrides.sf_net.dequeue"]?.source == .derived("from era, steps"))
    }

    /// Every setting of the catalog is printed, and every default has a source.
    @Test func everyCatalogSettingIsListedWithASource() {
        for era in Era.allCases {
            let show = ModelShow.defaults(era: era)
            #expect(show.rows.count >= ModelSetting.catalog.count)
            #expect(show.rows.allSatisfy { ["sourced", "assumed"].contains($0.source.kind) && !$0.source.detail.isEmpty })
        }
    }
}
