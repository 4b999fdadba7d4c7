import Foundation
import SpawnBasics
import SpawnDriver
import Testing

/// The one helper per layer: compile recipes with fixed paths, run programs, compare goldens.
enum Harness {
  /// Paths baked into outputs in tests, so goldens do not depend on where the repository is.
  static let virtualRoot = "/src"
  static let stateDirectory = "/var/lib/spawnc"

  /// Compiles recipe text as `/src/NAME/Spawnfile`, without looking at any build context.
  static func compile(_ text: String, name: String = "app", buildArguments: [String: String] = [:]) -> Compilation {
    let file = SourceFile(path: "Spawnfile", text: text)
    let options = CompileOptions(
      name: name, contextDirectory: "\(virtualRoot)/\(name)", stateDirectory: stateDirectory, inspectContext: false,
      buildArguments: buildArguments)
    let compilation = Driver.compile(file, recipePath: "\(virtualRoot)/\(name)/Spawnfile", options: options)
    return compilation
  }

  /// Compiles `examples/NAME/Spawnfile` as `/src/examples/NAME/Spawnfile`.
  static func compileExample(_ name: String) -> Compilation {
    let bytes = TestPaths.read(TestPaths.examples + "/" + name + "/Spawnfile")
    let file = SourceFile(path: "examples/\(name)/Spawnfile", bytes: bytes)
    let options = CompileOptions(
      name: name, contextDirectory: "\(virtualRoot)/examples/\(name)", stateDirectory: stateDirectory,
      inspectContext: false)
    let compilation = Driver.compile(file, recipePath: "\(virtualRoot)/examples/\(name)/Spawnfile", options: options)
    return compilation
  }

  static var exampleNames: [String] {
    TestPaths.list(TestPaths.examples).filter { TestPaths.exists(TestPaths.examples + "/" + $0 + "/Spawnfile") }
  }

  // MARK: Programs

  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
    var output: String { stdout + stderr }
  }

  /// Runs a program to completion. `input` goes to its standard input.
  static func run(_ argv: [String], input: String? = nil, environment: [String: String]? = nil) throws -> Result {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: argv[0].hasPrefix("/") ? argv[0] : try which(argv[0]))
    process.arguments = Array(argv.dropFirst())
    if let environment { process.environment = environment }
    let stdout = Pipe()
    let stderr = Pipe()
    let stdin = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()
    // Read both pipes concurrently so a chatty program cannot block on a full pipe.
    nonisolated(unsafe) var errorData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errorData = stderr.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
      stderr: String(decoding: errorData, as: UTF8.self))
  }

  struct MissingTool: Error, CustomStringConvertible {
    var name: String
    var description: String { "\(name) is not installed (scripts/setup.sh installs it)" }
  }

  static func which(_ name: String) throws -> String {
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
      let path = "\(directory)/\(name)"
      if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    for directory in ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
      return "\(directory)/\(name)"
    }
    throw MissingTool(name: name)
  }

  /// The `spawnc` executable SwiftPM built next to the test bundle.
  static var spawncBinary: String {
    var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    while url.path != "/" {
      url.deleteLastPathComponent()
      let candidate = url.appendingPathComponent("spawnc").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return TestPaths.root + "/.build/debug/spawnc"
  }

  /// One directory per test run that holds every test's scratch files; removed when the test
  /// process exits (kept when `SPAWNC_KEEP_TEST_FILES` is set, for debugging a failure).
  static let scratchRoot: String = {
    let path = NSTemporaryDirectory() + "spawnc-tests-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    if ProcessInfo.processInfo.environment["SPAWNC_KEEP_TEST_FILES"] == nil {
      atexit {
        // --one-file-system: a mount left behind by a failed test is not descended into.
        let path = NSTemporaryDirectory() + "spawnc-tests-\(getpid())"
        _ = system("rm -rf --one-file-system '\(path)'")
      }
    }
    return path
  }()

  /// A fresh directory for one test's scratch files, under `scratchRoot`.
  static func temporaryDirectory(_ label: String = "spawnc-test") throws -> String {
    let path = scratchRoot + "/\(label)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  static func write(_ text: String, to path: String, executable: Bool = false) throws {
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path) }
  }

  // MARK: Goldens

  static var updatingGoldens: Bool { ProcessInfo.processInfo.environment["UPDATE_GOLDENS"] != nil }

  /// Compares text with a golden file; with `UPDATE_GOLDENS=1` rewrites the file instead.
  /// Returns a failure message (with a diff and the command that updates goldens) or nil.
  static func checkGolden(_ actual: String, at path: String) -> String? {
    let existing = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    if existing == actual { return nil }
    if updatingGoldens {
      try? write(actual, to: path)
      return nil
    }
    guard let existing else {
      return "missing golden \(path); run `UPDATE_GOLDENS=1 swift test` to create it"
    }
    return "golden \(path) differs; review and run `UPDATE_GOLDENS=1 swift test` to accept:\n" + diff(existing, actual)
  }

  /// A line diff (longest common subsequence) for failure messages, cut after 40 lines.
  static func diff(_ expected: String, _ actual: String) -> String {
    let old = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let new = actual.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var lengths = [[Int]](repeating: [Int](repeating: 0, count: new.count + 1), count: old.count + 1)
    for i in stride(from: old.count - 1, through: 0, by: -1) {
      for j in stride(from: new.count - 1, through: 0, by: -1) {
        lengths[i][j] = old[i] == new[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
      }
    }
    var lines: [String] = []
    var (i, j) = (0, 0)
    while (i < old.count || j < new.count) && lines.count < 40 {
      if i < old.count && j < new.count && old[i] == new[j] {
        i += 1
        j += 1
      } else if j < new.count && (i == old.count || lengths[i][j + 1] >= lengths[i + 1][j]) {
        lines.append("+ \(new[j])  (line \(j + 1))")
        j += 1
      } else {
        lines.append("- \(old[i])  (line \(i + 1))")
        i += 1
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  // MARK: Markers

  /// Removes `1️⃣`-style markers from a source and returns the text and each marker's byte offset.
  static func extractMarkers(_ marked: String) -> (text: String, offsets: [String: Int]) {
    let markers = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣"]
    var text = ""
    var offsets: [String: Int] = [:]
    var rest = Substring(marked)
    outer: while !rest.isEmpty {
      for marker in markers where rest.hasPrefix(marker) {
        offsets[marker] = text.utf8.count
        rest = rest.dropFirst(marker.count)
        continue outer
      }
      text.append(rest.removeFirst())
    }
    return (text, offsets)
  }
}

/// Checks that a marked recipe produces exactly the expected codes, each starting at its marker.
func assertDiagnostics(
  _ marked: String, _ expected: [String: String], buildArguments: [String: String] = [:],
  sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
  let (text, offsets) = Harness.extractMarkers(marked)
  let compilation = Harness.compile(text, buildArguments: buildArguments)
  let actual = compilation.diagnostics.map { "\($0.code)@\($0.span.start)" }.sorted()
  let wanted = expected.map { marker, code in "\(code)@\(offsets[marker] ?? -1)" }.sorted()
  #expect(
    actual == wanted,
    "\n\(DiagnosticRenderer.human(compilation.diagnostics, in: compilation.file))",
    sourceLocation: sourceLocation)
}
