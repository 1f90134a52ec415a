import Foundation
import Testing

/// A headless Chromium, if one is installed (`scripts/chromium.sh` installs Debian's; `.ci/run`
/// calls it). `SIMRUN_CHROMIUM` names another binary.
enum Browser {
    static let path: String? = {
        if let given = ProcessInfo.processInfo.environment["SIMRUN_CHROMIUM"], !given.isEmpty { return given }
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
                return "\(directory)/\(name)"
            }
        }
        return nil
    }()

    /// Runs the browser headless on `arguments`, for at most two minutes.
    static func run(_ arguments: [String], profile: URL) throws -> CLIResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path!)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--no-first-run", "--hide-scrollbars", "--user-data-dir=\(profile.path)"] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let timer = DispatchSource.makeTimerSource()
        timer.schedule(deadline: .now() + 120)
        timer.setEventHandler { if process.isRunning { process.terminate() } }
        timer.resume()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        timer.cancel()
        return CLIResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                         stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// The PNG facts the test needs, read from the chunks without inflating the pixels: the
/// size (IHDR) and the compressed bytes of the image (IDAT). A blank page of the same size
/// compresses to almost nothing; charts and text do not.
struct PNGFacts {
    var width = 0
    var height = 0
    var imageBytes = 0

    init?(_ data: Data) {
        let bytes = [UInt8](data)
        guard bytes.count > 8, bytes.prefix(8) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
        func integer(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        var offset = 8
        while offset + 8 <= bytes.count {
            let length = integer(offset)
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            if type == "IHDR", offset + 16 <= bytes.count {
                width = integer(offset + 8)
                height = integer(offset + 12)
            }
            if type == "IDAT" { imageBytes += length }
            offset += 12 + length
        }
        guard width > 0, imageBytes > 0 else { return nil }
    }
}

@Suite(.serialized) struct HTMLBrowserTests {
    /// Reports JavaScript errors, failed loads and `console.error` calls into the document, so
    /// `--dump-dom` shows them. The report itself has no script.
    static let hook = """
        <script>(function () {
          var root = document.documentElement;
          function note(what) { root.setAttribute('data-report-errors', (root.getAttribute('data-report-errors') || '') + what + ';'); }
          window.addEventListener('error', function (event) { note(event.message || 'failed to load ' + (event.target && (event.target.src || event.target.href))); }, true);
          var original = console.error;
          console.error = function () { note('console.error ' + Array.prototype.join.call(arguments, ' ')); original.apply(console, arguments); };
        })();</script>
        """

    /// The report of a shipped scenario opened in headless Chromium: no console message, no
    /// script error or failed load (nothing is fetched), every chart in the rendered document,
    /// and a screenshot that is not blank (its image data several times a blank page's).
    @Test(.enabled(if: Browser.path != nil, "no headless Chromium found: run scripts/chromium.sh (or set SIMRUN_CHROMIUM) to run the browser test"))
    func reportRendersInChromiumWithoutErrors() throws {
        let directory = URL(fileURLWithPath: try scratchDirectory())
        let report = directory.appendingPathComponent("report.html")
        let run = try CLI.run(["compare", "scenarios/six-instance-starts.yaml", "--deterministic", "--html", report.path])
        #expect(run.status == 0, "\(run.stderr)")
        let html = try String(contentsOf: report, encoding: .utf8)
        let charts = html.components(separatedBy: "<svg ").count - 1
        #expect(charts >= 4)

        let hooked = directory.appendingPathComponent("hooked.html")
        try html.replacingOccurrences(of: "<head>", with: "<head>\n" + Self.hook).write(to: hooked, atomically: true, encoding: .utf8)
        let profile = directory.appendingPathComponent("profile")
        let dom = try Browser.run(["--enable-logging=stderr", "--v=0", "--dump-dom", hooked.absoluteString], profile: profile)
        #expect(dom.status == 0, "\(dom.stderr)")
        #expect(dom.stdout.contains("</svg>"), "no DOM came back: \(dom.stderr.suffix(2000))")
        #expect(!dom.stdout.contains("data-report-errors=\""),
                "errors in the page: \(dom.stdout.components(separatedBy: "data-report-errors=").dropFirst().first?.prefix(500) ?? "")")
        let consoleLines = dom.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }
        #expect(consoleLines.isEmpty, "console messages: \(consoleLines.joined(separator: "\n"))")
        #expect(dom.stdout.components(separatedBy: "<svg ").count - 1 == charts)

        let blankPage = directory.appendingPathComponent("blank.html")
        try "<!DOCTYPE html><html><head><title>blank</title></head><body></body></html>"
            .write(to: blankPage, atomically: true, encoding: .utf8)
        var facts: [PNGFacts] = []
        for (page, name) in [(report, "report.png"), (blankPage, "blank.png")] {
            let png = directory.appendingPathComponent(name)
            let shot = try Browser.run(["--window-size=1000,1600", "--screenshot=\(png.path)", page.absoluteString],
                                       profile: profile)
            #expect(shot.status == 0, "\(shot.stderr.suffix(2000))")
            let data = try Data(contentsOf: png)
            facts.append(try #require(PNGFacts(data), "\(name) is not a PNG"))
        }
        #expect(facts[0].width == 1000 && facts[0].height == 1600)
        #expect(facts[0].imageBytes > 5 * facts[1].imageBytes,
                "report \(facts[0].imageBytes) bytes of image data, blank page \(facts[1].imageBytes)")
    }
}
