import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the simulator's speed (build with -c release for meaningful figures).")

    func run() throws {
        print("bench: not yet")
    }
}
