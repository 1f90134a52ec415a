import Foundation
import Testing

/// Every table or figure in the README is the output of the command printed above it: a
/// ```` ```sh ```` block holding one `swift run ... simrun ARGS` command (lines may continue
/// with `\`), followed (after prose, if any) by a ```` ```text ```` block with what it printed,
/// or, for output that is Markdown itself, by the lines between `<!-- output -->` and
/// `<!-- end output -->`.
/// This test runs every such command and fails when an output is stale. To refresh them all:
/// `SIMRUN_UPDATE_README=1 swift test -c release -Xswiftc -enable-testing --filter ReadmeTests`.
@Suite(.serialized) struct ReadmeTests {
    struct Block: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        /// Line range of the output block's contents in the README (0-based, end exclusive).
        var output: Range<Int>
        var testDescription: String { "simrun " + arguments.joined(separator: " ") }
    }

    static let readme = CLI.packageRoot.appendingPathComponent("README.md")
    static let outputStart = "<!-- output -->"
    static let outputEnd = "<!-- end output -->"

    /// The command/output pairs of the README, in order.
    static func blocks(_ lines: [String]) -> [Block] {
        var blocks: [Block] = []
        var index = 0
        while index < lines.count {
            guard lines[index] == "```sh" else { index += 1; continue }
            var end = index + 1
            while end < lines.count && lines[end] != "```" { end += 1 }
            var commands: [String] = []
            var current = ""
            for line in lines[(index + 1)..<min(end, lines.count)] {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.hasSuffix("\\") {
                    current += trimmed.dropLast() + " "
                } else {
                    commands.append(current + trimmed)
                    current = ""
                }
            }
            index = end + 1
            guard commands.count == 1, let command = commands.first,
                  let arguments = simrunArguments(command) else { continue }
            var next = index
            while next < lines.count && !lines[next].hasPrefix("```") && lines[next] != Self.outputStart { next += 1 }
            guard next < lines.count, lines[next] == "```text" || lines[next] == Self.outputStart else { continue }
            let closing = lines[next] == "```text" ? "```" : Self.outputEnd
            var close = next + 1
            while close < lines.count && lines[close] != closing { close += 1 }
            blocks.append(Block(arguments: arguments, output: (next + 1)..<close))
            index = close + 1
        }
        return blocks
    }

    /// The arguments of `swift run [-c release] simrun ARGS` (single quotes group words).
    static func simrunArguments(_ command: String) -> [String]? {
        var words: [String] = []
        var word = ""
        var quoted = false
        var inWord = false
        for character in command {
            if character == "'" { quoted.toggle(); inWord = true; continue }
            if character == " " && !quoted {
                if inWord { words.append(word) }
                word = ""
                inWord = false
                continue
            }
            word.append(character)
            inWord = true
        }
        if inWord { words.append(word) }
        guard words.first == "swift", words.dropFirst().first == "run",
              let at = words.firstIndex(of: "simrun") else { return nil }
        let before = words[2..<at]
        guard before.isEmpty || Array(before) == ["-c", "release"] else { return nil }
        return Array(words[(at + 1)...])
    }

    @Test func theReadmeHasGeneratedBlocks() throws {
        let lines = try String(contentsOf: Self.readme, encoding: .utf8).components(separatedBy: "\n")
        #expect(Self.blocks(lines).count >= 2)
    }

    @Test func everyGeneratedBlockIsWhatItsCommandPrints() throws {
        var lines = try String(contentsOf: Self.readme, encoding: .utf8).components(separatedBy: "\n")
        let update = ProcessInfo.processInfo.environment["SIMRUN_UPDATE_README"] == "1"
        // From the last block up, so replacing one block does not move the ones before it.
        for block in Self.blocks(lines).reversed() {
            let result = try CLI.run(block.arguments)
            #expect(result.status == 0, "\(block.testDescription): \(result.stderr)")
            var printed = result.stdout.components(separatedBy: "\n")
            if printed.last == "" { printed.removeLast() }
            if update {
                lines.replaceSubrange(block.output, with: printed)
            } else {
                #expect(Array(lines[block.output]) == printed,
                        "README.md is stale below `simrun \(block.arguments.joined(separator: " "))`; refresh with SIMRUN_UPDATE_README=1 (see ReadmeTests)")
            }
        }
        if update { try lines.joined(separator: "\n").write(to: Self.readme, atomically: true, encoding: .utf8) }
    }
}
