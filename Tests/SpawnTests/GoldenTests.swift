import Foundation
import SpawnBasics
import SpawnConfig
import SpawnConfigYAML
import SpawnDriver
import Testing

/// Golden files: every example's outputs, and one directory per diagnostic case.
/// `UPDATE_GOLDENS=1 swift test` rewrites them; review the diff like code.
@Suite struct Goldens {
  /// `Tests/Goldens/examples/NAME/`: the files `spawnc compile` writes, and `diagnostics.txt`.
  @Test(arguments: Harness.exampleNames)
  func example(_ name: String) throws {
    let compilation = Harness.compileExample(name)
    #expect(!compilation.hasErrors, "\(DiagnosticRenderer.human(compilation.diagnostics, in: compilation.file))")
    let directory = TestPaths.root + "/Tests/Goldens/examples/" + name
    var failures: [String] = []
    let diagnostics = DiagnosticRenderer.human(compilation.diagnostics, in: compilation.file)
    if let failure = Harness.checkGolden(diagnostics, at: directory + "/diagnostics.txt") { failures.append(failure) }
    for file in compilation.outputs {
      if let failure = Harness.checkGolden(file.contents, at: directory + "/out/" + file.name) { failures.append(failure) }
    }
    let expected = Set(TestPaths.list(directory + "/out"))
    let produced = Set(compilation.outputs.map(\.name))
    if expected != produced && !Harness.updatingGoldens {
      failures.append("outputs \(produced.sorted()) but goldens \(expected.sorted())")
    }
    if let ir = compilation.ir {
      let json = ir.json.rendered(pretty: true) + "\n"
      if let failure = Harness.checkGolden(json, at: directory + "/ir.json") { failures.append(failure) }
    }
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
  }

  static var caseNames: [String] { TestPaths.list(TestPaths.cases) }

  /// `Tests/Cases/NAME/`: `input/Spawnfile` (plus any context files) and the expected
  /// `diagnostics.txt` (human format). Outputs are covered by the examples' goldens.
  @Test(arguments: caseNames)
  func diagnosticCase(_ name: String) throws {
    let failures = Self.runCase(name)
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
  }

  /// Runs one case; returns failure messages.
  static func runCase(_ name: String) -> [String] {
    let directory = TestPaths.cases + "/" + name
    let compilation = compileCase(name)
    var failures: [String] = []
    var rendered = ""
    if let configuration = caseConfiguration(name), let file = configuration.file {
      rendered += DiagnosticRenderer.human(configuration.diagnostics, in: file)
    }
    rendered += DiagnosticRenderer.human(compilation.diagnostics, in: compilation.file)
    if let failure = Harness.checkGolden(rendered, at: directory + "/diagnostics.txt") { failures.append(failure) }
    return failures
  }

  /// A case's `input/.spawnc.yaml`, read as `spawnc check` would (shown as `.spawnc.yaml`).
  static func caseConfiguration(_ name: String) -> Configuration? {
    let path = TestPaths.cases + "/" + name + "/input/.spawnc.yaml"
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    return Configuration.parse(SourceFile(path: ".spawnc.yaml", bytes: TestPaths.read(path)))
  }

  /// Compiles a case with its input directory as the build context (so symbolic-link checks see
  /// its files) but with fixed paths in the outputs.
  static func compileCase(_ name: String) -> Compilation {
    let directory = TestPaths.cases + "/" + name
    let bytes = TestPaths.read(directory + "/input/Spawnfile")
    let file = SourceFile(path: "Spawnfile", bytes: bytes)
    // Settings from the command line come from `## name NAME` and `## build-arg NAME=VALUE` lines.
    var arguments: [String: String] = [:]
    var containerName = name.lowercased()
    for line in TestPaths.readText(directory + "/input/Spawnfile").split(separator: "\n") {
      if line.hasPrefix("## build-arg ") {
        let pair = line.dropFirst("## build-arg ".count).split(separator: "=", maxSplits: 1)
        arguments[String(pair[0])] = pair.count > 1 ? String(pair[1]) : ""
      } else if line.hasPrefix("## name ") {
        containerName = String(line.dropFirst("## name ".count))
      }
    }
    let configuration = caseConfiguration(name)
    var options = CompileOptions(
      name: containerName, contextDirectory: directory + "/input", stateDirectory: Harness.stateDirectory, inspectContext: true,
      buildArguments: (configuration?.buildArguments ?? [:]).merging(arguments) { $1 })
    options.ignoredCodes = configuration?.ignoredCodes ?? []
    return Driver.compile(file, recipePath: "\(Harness.virtualRoot)/\(name)/Spawnfile", options: options)
  }

  /// Every code in the catalog is produced by at least one golden case.
  @Test func everyCodeHasACase() {
    var seen: Set<String> = []
    for name in Self.caseNames {
      for diagnostic in Self.compileCase(name).diagnostics { seen.insert(diagnostic.code) }
      for diagnostic in Self.caseConfiguration(name)?.diagnostics ?? [] { seen.insert(diagnostic.code) }
    }
    // A case too large to keep in the repository: one byte over the limit.
    var huge = [UInt8](repeating: UInt8(ascii: "#"), count: 64 << 20)
    huge.append(UInt8(ascii: "\n"))
    let tooLarge = Driver.compile(SourceFile(path: "Spawnfile", bytes: huge), recipePath: "/src/x/Spawnfile", options: CompileOptions(inspectContext: false))
    for diagnostic in tooLarge.diagnostics { seen.insert(diagnostic.code) }
    // Likewise (LimitsTests covers it): steps that would carry more than 64 MiB of environment.
    for diagnostic in Limits.compile(Limits.environmentHeavy).diagnostics { seen.insert(diagnostic.code) }
    let missing = DiagnosticCatalog.all.map(\.code).filter { !seen.contains($0) }
    print("diagnostic codes covered by Tests/Cases: \(DiagnosticCatalog.all.count - missing.count)/\(DiagnosticCatalog.all.count)")
    #expect(missing.isEmpty, "codes without a case in Tests/Cases: \(missing)")
  }
}
