import ArgumentParser
import Model
import Scenarios

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Show the model's settings and where each comes from.",
        subcommands: [ShowModel.self])
}

struct ShowModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print every effective setting of a run, with its source.",
        discussion: """
            Each setting is marked sourced (stated by the model of the real system: the section of \
            docs/model.md), assumed (chosen here: the reason), scenario (written in the file: \
            file:line) or derived (follows from a switch the scenario set, such as steps or ideal). \
            Without a scenario file, prints an era's defaults.
            """)

    @Argument(help: "Scenario file (YAML); omit it for an era's defaults.")
    var scenario: String?

    @Option(help: "Variant of the scenario (default: its first default variant).")
    var variant: String?

    @Option(help: "Era whose defaults to show when no scenario is given (default: facade).")
    var era: String?

    @Option(help: "Output format.")
    var format: TableOrJSON = .table

    @Option(help: "Write to this file instead of standard output.")
    var output: String?

    @OptionGroup var limits: LimitOptions

    func validate() throws {
        if let era, Era(rawValue: era) == nil {
            throw ValidationError("--era: expected one of \(Era.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(era)\"")
        }
        if scenario == nil && variant != nil { throw ValidationError("--variant needs a scenario file") }
        // With a file, its variants say the era; an --era beside it was quietly ignored.
        if scenario != nil && era != nil {
            throw ValidationError("--era shows an era's defaults without a scenario file; with one, choose a --variant")
        }
    }

    func run() throws {
        let target = try OutputFile.check(output ?? "-", flag: "--output")
        try refuseClashes([target], inputs: scenario.map { [$0] } ?? [])
        let show: ModelShow
        if let path = scenario {
            let scenario = try limits.loadScenario(path)
            let chosen: [Variant]
            do {
                chosen = try ScenarioRunner.variants(variant.map { [$0] } ?? [], of: scenario)
            } catch {
                throw fail(error.description)
            }
            guard let first = chosen.first else { throw fail("\(path): the scenario has no variant to show") }
            show = ModelShow.of(scenario, variant: first)
        } else {
            show = ModelShow.defaults(era: era.flatMap(Era.init(rawValue:)) ?? .facade)
        }
        try target.write(format == .json ? show.json.rendered() + "\n" : show.table)
    }
}
