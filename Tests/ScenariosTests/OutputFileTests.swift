import Foundation
import Testing

/// `--output` and `--trace` never destroy a user's file: they refuse what is not a file to
/// write, check before running, replace a file only with a whole one, and stream into FIFOs
/// and devices.
@Suite(.serialized) struct OutputFiles {
    static let quick = "scenarios/six-instance-starts.yaml"

    /// A fresh directory with a file in it.
    private func directoryWithAFile() throws -> (directory: String, kept: String) {
        let directory = try scratchDirectory()
        let kept = directory + "/keep.txt"
        try "mine\n".write(toFile: kept, atomically: false, encoding: .utf8)
        return (directory, kept)
    }

    @Test(arguments: ["--output", "--trace"])
    func aDirectoryIsRefusedAndLeftAsItWas(_ flag: String) throws {
        let (directory, kept) = try directoryWithAFile()
        let result = try CLI.run(["run", Self.quick, "--variant", "plan", flag, directory])
        #expect(result.status == 2)
        #expect(result.stderr == "simrun: \(flag) \(directory): is a directory; name a file to write; nothing was written\n")
        #expect(try String(contentsOfFile: kept, encoding: .utf8) == "mine\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["keep.txt"])
    }

    /// Writing goes through a temporary file of simrun's own, never `PATH.partial`: a user's
    /// file of that name survives, and no temporary file is left behind.
    @Test func aUsersPartialFileSurvivesAndNothingElseIsLeft() throws {
        let (directory, _) = try directoryWithAFile()
        let output = directory + "/report.json"
        try "user data\n".write(toFile: output + ".partial", atomically: false, encoding: .utf8)
        let result = try CLI.run(["run", Self.quick, "--variant", "plan", "--format", "json", "--output", output])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOfFile: output + ".partial", encoding: .utf8) == "user data\n")
        #expect(try String(contentsOfFile: output, encoding: .utf8).hasPrefix("{"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
                == ["keep.txt", "report.json", "report.json.partial"])
    }

    /// A replaced file keeps its permissions.
    @Test func aReplacedFileKeepsItsMode() throws {
        let (directory, _) = try directoryWithAFile()
        let output = directory + "/report.txt"
        try "old\n".write(toFile: output, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: output)
        let result = try CLI.run(["run", Self.quick, "--variant", "plan", "--output", output])
        #expect(result.status == 0, "\(result.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: output)[.posixPermissions] as? Int
        #expect(mode == 0o640)
        #expect(try String(contentsOfFile: output, encoding: .utf8).hasPrefix("scenario six-instance-starts"))
    }

    /// A missing directory is found before the run starts: no progress line appears.
    @Test func aMissingDirectoryIsRefusedBeforeTheRun() throws {
        let result = try CLI.run(["run", Self.quick, "--progress", "--output", "/no/such/dir/out.txt"])
        #expect(result.status == 2)
        #expect(result.stderr == "simrun: --output /no/such/dir/out.txt: directory /no/such/dir does not exist; "
                + "nothing was written\n")
    }

    @Test func theScenarioItselfIsNotOverwritten() throws {
        let path = try CLI.scenarioFile("networks: [net-a]\n")
        let result = try CLI.run(["run", path, "--output", path])
        #expect(result.status == 2)
        #expect(result.stderr == "simrun: --output \(path): is the same file as \(path); nothing was written\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "networks: [net-a]\n")
    }

    /// A character device and `-` are written straight into.
    @Test func devicesAndStandardOutputAreWrittenInPlace() throws {
        let null = try CLI.run(["run", Self.quick, "--variant", "plan", "--output", "/dev/null", "--trace", "/dev/null"])
        #expect(null.status == 0 && null.stdout.isEmpty, "\(null.stderr)")
        let dash = try CLI.run(["run", Self.quick, "--variant", "plan", "--output", "-"])
        #expect(dash.status == 0 && dash.stdout.hasPrefix("scenario six-instance-starts"))
    }

    /// A write that fails (a full device) is one line and status 2, not a trap.
    @Test func aFailedWriteIsAnErrorNotATrap() throws {
        let result = try CLI.run(["run", Self.quick, "--variant", "plan", "--output", "/dev/full"])
        #expect(result.status == 2)
        #expect(result.stderr == "simrun: --output /dev/full: cannot write: No space left on device\n")
    }

    /// A command's outputs are written all or none: an `.hgrm` file that cannot be written
    /// (its name a dangling symbolic link, seen only once the run has named its files) leaves
    /// the report, the trace, the HTML and the other histograms unwritten, and the directory
    /// made for them removed; standard output gets nothing.
    @Test func oneOutputThatCannotBeWrittenLeavesNoneWritten() throws {
        let directory = try scratchDirectory()
        let histograms = directory + "/hgrm"
        #expect(mkdir(histograms, 0o777) == 0)
        let dangling = histograms + "/plan.wait_seconds.all.hgrm"
        #expect(symlink(directory + "/nowhere/x", dangling) == 0)
        let result = try CLI.run(["run", Self.quick, "--variant", "plan", "--trace", directory + "/trace.tsv",
                                  "--html", directory + "/report.html", "--hgrm", histograms])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "simrun: --hgrm \(dangling): is a symbolic link to nothing; nothing was written\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["hgrm"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: histograms) == ["plan.wait_seconds.all.hgrm"])
        // A directory --hgrm made is removed again when the outputs fail.
        let made = directory + "/made"
        let full = try CLI.run(["run", Self.quick, "--variant", "plan", "--hgrm", made, "--output", "/dev/full"])
        #expect(full.status == 2)
        #expect(!FileManager.default.fileExists(atPath: made))
    }

    /// Two outputs on standard output would come out mixed: the second is refused.
    @Test func twoOutputsOnStandardOutputAreRefused() throws {
        let result = try CLI.run(["run", Self.quick, "--variant", "plan", "--html", "-"])
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "simrun: --html -: standard output already carries the report; name a file; "
                + "nothing was written\n")
        let trace = try CLI.run(["run", Self.quick, "--variant", "plan", "--trace", "-", "--output", "/dev/null"])
        // The trace alone on standard output, the report elsewhere, is fine.
        #expect(trace.status == 0, "\(trace.stderr)")
        #expect(trace.stdout.hasPrefix("variant\ttime\tkind\top\t"))
    }

    /// A FIFO is opened and written, not replaced: the reader gets the report.
    @Test func aFIFOIsWrittenIntoNotReplaced() throws {
        let (directory, _) = try directoryWithAFile()
        let fifo = directory + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        let received = ReceivedText()
        let reader = Thread {
            // Opening a FIFO to read waits for its writer, as simrun's open waits for a reader.
            let descriptor = open(fifo, O_RDONLY)
            guard descriptor >= 0 else { return received.set(nil) }
            let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
            received.set(String(decoding: handle.readDataToEndOfFile(), as: UTF8.self))
        }
        reader.start()
        let result = try CLI.run(["run", Self.quick, "--variant", "plan", "--output", fifo])
        #expect(result.status == 0, "\(result.stderr)")
        while received.get() == nil { usleep(10_000) }
        #expect(received.get()??.hasPrefix("scenario six-instance-starts") == true)
        var info = stat()
        #expect(stat(fifo, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO)
    }

    /// A run that hits its time limit or is stuck still writes its report, marked (exit 1).
    @Test func aStuckRunStillWritesItsMarkedReport() throws {
        let path = try CLI.scenarioFile("""
            time_limit: 1000000h
            networks: [net-a]
            workload:
              - at: 0s
                node_stop: {node: node-3}
              - at: 1s
                instance_start: {name: web, node: node-3, interfaces: [net-a]}
            """)
        let output = path + ".json"
        let result = try CLI.run(["run", path, "--format", "json", "--output", output, "--deterministic"])
        #expect(result.status == 1)
        let json = try String(contentsOfFile: output, encoding: .utf8)
        #expect(json.contains("\"state\": \"stuck\""))
        #expect(json.contains("\"reason\": \"no progress possible: 2 ops wait on queues no running daemon claims "
                              + "(stopped: node-3)"))
    }

    /// SIGINT and SIGTERM end a run at once with 130 and 143; the output file is not created
    /// and no temporary file is left.
    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func aSignalEndsTheRunWritingNothing(_ signal: Int32, _ status: Int32) throws {
        let (directory, _) = try directoryWithAFile()
        let output = directory + "/report.json"
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["run", "scenarios/mmc.yaml", "--progress", "--format", "json", "--output", output]
        process.currentDirectoryURL = CLI.packageRoot
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Wait for the run to have started (its first progress line), then signal it.
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("variant ideal") {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        let rest = errors.fileHandleForReading.readDataToEndOfFile()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == status)
        #expect(String(decoding: seen + rest, as: UTF8.self).contains("simrun: interrupted by "
                                                                     + (signal == SIGINT ? "SIGINT" : "SIGTERM")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["keep.txt"])
    }
}

/// Text a reader thread hands back.
final class ReceivedText: @unchecked Sendable {
    private let lock = NSLock()
    private var text: String??

    func set(_ value: String?) { lock.withLock { text = .some(value) } }
    func get() -> String?? { lock.withLock { text } }
}
