import Foundation
import Testing

/// `spawnc check` as hooks and CI use it: formats (goldens), --werror, --ignore, ignore
/// comments, --stdin-filename and `.spawnc.yaml`.
@Suite struct CheckOptions {
  static let id = "sha256:" + String(repeating: "d", count: 64)

  static func spawnc(_ arguments: [String], input: String? = nil, in directory: String? = nil) throws -> Harness.Result {
    var argv = [Harness.spawncBinary] + arguments
    if let directory {
      argv = ["/bin/sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", directory] + argv
    }
    return try Harness.run(argv, input: input)
  }

  /// The same recipe in every format, run from `Tests/Goldens/formats` so paths are stable.
  @Test(arguments: ["human", "gnu", "json", "sarif"])
  func formatGolden(_ format: String) throws {
    let directory = TestPaths.root + "/Tests/Goldens/formats"
    let result = try Self.spawnc(["check", "--no-config", "--format", format, "input/Spawnfile"], in: directory)
    #expect(result.status == 1, "\(result.stderr)")
    let name = format == "json" || format == "sarif" ? "\(format).json" : "\(format).txt"
    let failure = Harness.checkGolden(result.stdout, at: directory + "/" + name)
    #expect(failure == nil, "\(failure ?? "")")
  }

  /// The caret sits under the span in terminal columns: wide characters and emoji take two,
  /// combining marks none.
  @Test func caretCountsTerminalColumns() throws {
    let text = "FROM \(Self.id)\nENV A=\"e\u{301}🙂日本\" B=${NOPE}\nCMD [\"/x\"]\n"
    let result = try Self.spawnc(["check", "--stdin-filename", "Spawnfile", "-"], input: text)
    let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let source = try #require(lines.firstIndex { $0.hasPrefix("2 | ") })
    // `ENV A="` 7 + e 1 + combining acute 0 + 🙂 2 + 日本 4 + `" B=` 4 = 18 columns before `${NOPE}`.
    #expect(lines[source + 1] == "  | " + String(repeating: " ", count: 18) + "^^^^^^^", "\(result.stdout)")
  }

  @Test func werrorFailsOnWarnings() throws {
    let directory = try Harness.temporaryDirectory("werror") + "/app"
    try Harness.write("FROM \(Self.id)\n", to: directory + "/Spawnfile")  // SP2013, a warning
    #expect(try Self.spawnc(["check", "--no-config", directory + "/Spawnfile"]).status == 0)
    #expect(try Self.spawnc(["check", "--no-config", "--werror", directory + "/Spawnfile"]).status == 1)
    let ignored = try Self.spawnc(["check", "--no-config", "--werror", "--ignore", "no-command", directory + "/Spawnfile"])
    #expect(ignored.status == 0 && ignored.stdout.isEmpty, "\(ignored.stdout)")
  }

  @Test func ignoreRejectsUnknownCodesAndErrors() throws {
    let directory = try Harness.temporaryDirectory("ignore") + "/app"
    try Harness.write("FROM \(Self.id)\n", to: directory + "/Spawnfile")
    let unknown = try Self.spawnc(["check", "--ignore", "SP2031", directory + "/Spawnfile"])
    #expect(unknown.status == 2)
    #expect(unknown.stderr.contains("`SP2031` is not a spawnc diagnostic code; did you mean SP2001?"))
    let error = try Self.spawnc(["check", "--ignore", "SP2001", directory + "/Spawnfile"])
    #expect(error.status == 2)
    #expect(error.stderr.contains("`SP2001` is an error, and errors cannot be ignored"))
  }

  @Test func stdinFilenameNamesTheInputAndItsContext() throws {
    let directory = try Harness.temporaryDirectory("stdin") + "/web"
    try Harness.write("x\n", to: directory + "/present.txt")
    let text = "FROM \(Self.id)\nCOPY present.txt missing.txt /srv/\nCMD [\"/a\"]\nEXPOSE 99999\n"
    let result = try Self.spawnc(
      ["check", "--format", "gnu", "--stdin-filename", directory + "/Spawnfile", "-"], input: text)
    #expect(result.status == 1)
    #expect(result.stdout.hasPrefix(directory + "/Spawnfile:4:8: error:"), "\(result.stdout)")
    // Without a file argument of `-`, the flag makes no sense.
    let misuse = try Self.spawnc(["check", "--stdin-filename", "x", directory + "/present.txt"])
    #expect(misuse.status == 2)
  }

  @Test func configurationIsFoundAndOverridden() throws {
    let root = try Harness.temporaryDirectory("config")
    try Harness.write(
      "ignore: [SP2014]\nwerror: true\nformat: gnu\nbuild-args:\n  BASE: \(Self.id)\n", to: root + "/.spawnc.yaml")
    let recipe = "ARG BASE\nFROM ${BASE}\nCMD [\"/a\"]\nCMD [\"/b\"]\nLABEL a=b\nLABEL a=c\n"
    try Harness.write(recipe, to: root + "/services/web/Spawnfile")
    // Found two directories up: BASE comes from build-args, SP2014 is ignored, gnu format.
    let found = try Self.spawnc(["check", root + "/services/web/Spawnfile"])
    #expect(found.status == 0, "\(found.stdout)\(found.stderr)")
    #expect(found.stdout.isEmpty)
    // --format wins over the file's; --no-config drops it all (BASE has no value: SP2001).
    let json = try Self.spawnc(["check", "--format", "json", root + "/services/web/Spawnfile"])
    #expect(json.stdout == "[]\n")
    let none = try Self.spawnc(["check", "--no-config", root + "/services/web/Spawnfile"])
    #expect(none.status == 1)
    #expect(none.stdout.contains("error[SP2001]"))
    #expect(none.stdout.contains("warning[SP2014]"))
    // An explicit --config, with werror: the warning now fails the check.
    try Harness.write("werror: true\nbuild-args: {BASE: \"\(Self.id)\"}\n", to: root + "/strict.yaml")
    let strict = try Self.spawnc(["check", "--config", root + "/strict.yaml", root + "/services/web/Spawnfile"])
    #expect(strict.status == 1)
    #expect(strict.stdout.contains("warning[SP2014]"))
    // A broken configuration: its diagnostics, exit 2, and the recipe is not checked.
    try Harness.write("werror: [yes]\n", to: root + "/services/.spawnc.yml")
    let broken = try Self.spawnc(["check", root + "/services/web/Spawnfile"])
    #expect(broken.status == 2)
    #expect(broken.stderr.contains("error[SP7004]: `werror` takes `true` or `false`"))
    #expect(broken.stderr.contains(".spawnc.yml:1:9"))
  }
}
