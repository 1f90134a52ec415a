import Foundation
import Testing

/// The docs quote lines of simrun's output as examples. Each such quote is a code block right
/// after a line `<!-- excerpt of: simrun ARGS -->` (or `<!-- excerpt of: simrun ARGS; file
/// NAME -->` for a file the command writes into `$DIR`, a fresh directory): this test runs the
/// command and fails when a quoted line (other than `...`) is no longer a line of what it
/// printed or wrote, so an example cannot go stale unnoticed. (Whole outputs in the README are
/// checked byte for byte by ``ReadmeTests``.)
@Suite(.serialized) struct DocExcerptTests {
    struct Excerpt: Sendable, CustomTestStringConvertible {
        var document: String
        var arguments: [String]
        var file: String?
        var lines: [String]
        var testDescription: String { "\(document): simrun " + arguments.joined(separator: " ") }
    }

    static let marker = "<!-- excerpt of: simrun "

    /// The excerpts of one document, in order.
    static func excerpts(in document: String, _ lines: [String]) -> [Excerpt] {
        var found: [Excerpt] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            index += 1
            guard line.hasPrefix(marker), line.hasSuffix(" -->") else { continue }
            let command = line.dropFirst(marker.count).dropLast(" -->".count)
            let parts = command.components(separatedBy: "; file ")
            let arguments = parts[0].split(separator: " ").map(String.init)
            guard index < lines.count, lines[index] == "```" else { continue }
            var end = index + 1
            while end < lines.count && lines[end] != "```" { end += 1 }
            found.append(Excerpt(document: document, arguments: arguments,
                                 file: parts.count > 1 ? parts[1] : nil,
                                 lines: Array(lines[(index + 1)..<end])))
            index = end + 1
        }
        return found
    }

    static func allExcerpts() throws -> [Excerpt] {
        let docs = CLI.packageRoot.appendingPathComponent("docs")
        let names = try FileManager.default.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }.sorted()
        return try names.flatMap { name in
            let text = try String(contentsOf: docs.appendingPathComponent(name), encoding: .utf8)
            return excerpts(in: "docs/" + name, text.components(separatedBy: "\n"))
        }
    }

    @Test func theDocsHaveExcerpts() throws {
        // docs/outputs.md quotes CSV rows and a .hgrm file; a marker the parser no longer
        // finds would leave those quotes unchecked.
        #expect(try Self.allExcerpts().count >= 3)
    }

    @Test func aQuotedLineMustBeInTheOutput() {
        let excerpt = Excerpt(document: "doc", arguments: [], file: nil, lines: ["a,1", "...", "b,2"])
        #expect(Self.missing(excerpt, from: ["a,1", "b,2", "c,3"]).isEmpty)
        #expect(Self.missing(excerpt, from: ["a,1", "b,3"]) == ["b,2"])
    }

    /// The quoted lines (other than `...`) that `output` does not hold.
    static func missing(_ excerpt: Excerpt, from output: [String]) -> [String] {
        let printed = Set(output)
        return excerpt.lines.filter { $0 != "..." && !printed.contains($0) }
    }

    @Test func everyExcerptIsStillWhatItsCommandPrints() throws {
        for excerpt in try Self.allExcerpts() {
            let directory = try scratchDirectory()
            let arguments = excerpt.arguments.map { $0 == "$DIR" ? directory : $0 }
            let result = try CLI.run(arguments)
            #expect(result.status == 0, "\(excerpt.testDescription): \(result.stderr)")
            let output: String
            if let file = excerpt.file {
                output = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            } else {
                output = result.stdout
            }
            let missing = Self.missing(excerpt, from: output.components(separatedBy: "\n"))
            #expect(missing.isEmpty, "\(excerpt.testDescription): stale lines \(missing)")
        }
    }
}
