import Foundation
import SpawnBasics
import SpawnDriver
import SpawnIR
import Testing

/// Values full of `%`, `$`, quotes, backslashes, `;`, `$(...)`, non-ASCII and newlines reach
/// systemd and the payload byte for byte, and never add a line, a key or a command.
@Suite struct Escaping {
  static let id = "sha256:" + String(repeating: "a", count: 64)

  /// Strings the exec form can carry (JSON escapes give newlines, tabs and quotes).
  static let hostile: [String] = [
    "100%", "%n %% %Z", "$HOME", "${X}", "$$", "$(id)", "`id`", "it's", "\"double\"", "'single'", "a\\b", "end\\",
    "\\", "a;b", ";", "| cat", "&& reboot", "héllo wörld ☃ 𝄞", "new\nline", "two\n\nblank", "tab\there", "cr\rlf",
    "bell\u{07}", "", " leading and trailing ", "Exec=/bin/false", "[Service]", "#comment", "a\\nb", "%%%", "\\\"",
  ]

  static func jsonArray(_ strings: [String]) -> String {
    JSONValue.array(strings.map { JSONValue.string($0) }).rendered(pretty: false)
  }

  /// ENV values the ENV syntax can carry (no newlines: continuation lines join).
  static let environment: [(String, String, String)] = [
    // name, as written in the recipe, the value it means
    ("PERCENT", #""100% %n %%""#, "100% %n %%"),
    ("DOLLAR", #"'$HOME ${X} $(id) `id`'"#, "$HOME ${X} $(id) `id`"),
    ("QUOTES", #""it's \"quoted\"""#, "it's \"quoted\""),
    ("BACKSLASH", #"'a\b\\c\'"#, "a\\b\\\\c\\"),
    ("SHELL", #""a; b | c && d > /etc/x""#, "a; b | c && d > /etc/x"),
    ("UNICODE", #""héllo wörld ☃ 𝄞""#, "héllo wörld ☃ 𝄞"),
    ("SPACES", #""  two  spaces  ""#, "  two  spaces  "),
    ("EMPTY", #""""#, ""),
    ("KEYLIKE", #""Environment=EVIL=1""#, "Environment=EVIL=1"),
    ("SECTIONLIKE", #""[Exec] User=root""#, "[Exec] User=root"),
  ]

  static var recipe: String {
    var text = "FROM \(id)\n"
    text += "ENV " + environment.map { "\($0.0)=\($0.1)" }.joined(separator: " \\\n    ") + "\n"
    text += #"LABEL org.opencontainers.image.title="100% \$weird 'q' \"x\" \\ ; \$(id)""# + "\n"
    text += #"LABEL org.opencontainers.image.documentation="https://example.com/a%20b?c=\$d""# + "\n"
    text += #"COPY ["weird %n \\$X 'q' \"d\".txt", "/opt/dir with spaces/"]"# + "\n"
    text += #"RUN ["/bin/busybox", "true"]"# + "\n"
    // The payload prints its arguments and environment, NUL-separated, so a test can compare them.
    let script = "printf '%s\\0' \"$@\"; printf 'ENVIRON\\0'; cat /proc/self/environ"
    text += "CMD " + jsonArray(["/bin/busybox", "sh", "-c", script, "argv0"] + hostile) + "\n"
    return text
  }

  /// Paths with blanks, `%`, `$`, quotes and a colon go into the outputs too.
  static let directory = "/src/e s%n$x'q\":c"
  static let hostileState = "/var/lib/spawnc state %n $x 'q' \":c"

  static func compile(stateDirectory: String = hostileState) -> Compilation {
    let file = SourceFile(path: "Spawnfile", text: recipe)
    let options = CompileOptions(name: "esc", contextDirectory: directory, stateDirectory: stateDirectory, inspectContext: false)
    return Driver.compile(file, recipePath: directory + "/Spawnfile", options: options)
  }

  @Test func compilesAndVerifies() throws {
    let compilation = Self.compile()
    let hasErrors = compilation.hasErrors
    #expect(!hasErrors, "\(DiagnosticRenderer.human(compilation.diagnostics, in: compilation.file))")
    let (status, output) = try SystemdTools.verify(compilation.outputs)
    #expect(status == 0 && output.isEmpty, "\(output)")
    let script = try #require(compilation.outputs.first { $0.name == "build-esc.sh" })
    let lint = try SystemdTools.shellcheck(script.contents)
    #expect(lint.status == 0 && lint.output.isEmpty, "\(lint.output)")
  }

  /// systemd's own parser (`systemd --test`) reads the ExecStart= line back into exactly the
  /// argv spawnc meant, and the Description= into the label's text.
  @Test func systemdReadsTheExactArguments() throws {
    let compilation = Self.compile()
    let ir = try #require(compilation.ir)
    let runtime = try #require(ir.runtime)
    let (dump, warnings) = try SystemdTools.parsedUnit("esc.service", among: compilation.outputs)
    #expect(warnings.isEmpty, "\(warnings)")
    let commands = SystemdTools.commandLines("ExecStart", in: dump)
    #expect(commands.count == 1)
    let expected = ["/usr/bin/systemd-nspawn", "--quiet", "--keep-unit", "--register=no", "--settings=trusted", "--console=pipe",
      "--machine=esc", "--directory=\(Self.hostileState)/images/esc", "--"] + runtime.argv
    #expect(commands.first == expected, "\(commands.first ?? [])\n!=\n\(expected)")
    #expect(runtime.argv.suffix(Self.hostile.count) == ArraySlice(Self.hostile))
    #expect(runtime.description == #"100% $weird 'q' "x" \ ; $(id)"#)
    let descriptionLine = dump.split(separator: "\n").first { $0.hasPrefix("\t\tDescription: ") }.map(String.init)
    #expect(descriptionLine == "\t\tDescription: " + runtime.description)
    #expect(dump.contains("\t\tDocumentation: https://example.com/a%20b?c=$d\n"))
    #expect(dump.contains("\t\tSource Path: \(Self.directory)/Spawnfile\n"))
    #expect(dump.contains("\t\tRequiresMountsFor: \(Self.hostileState) (origin-file)\n"))
  }

  /// The build script, run by a real sh with its step functions replaced by printers, passes
  /// every label, environment value, COPY source and argv to them exactly as the recipe says.
  @Test func buildScriptPassesExactValues() throws {
    let compilation = Self.compile()
    let ir = try #require(compilation.ir)
    let script = try #require(compilation.outputs.first { $0.name == "build-esc.sh" }).contents
    let printers = """
      spawnc_begin() { :; }
      spawnc_from_image() { :; }
      spawnc_step() { return 0; }
      spawnc_step_done() { :; }
      spawnc_run() { printf 'RUN\\0'; printf '%s\\0' "$@"; printf 'END\\0'; }
      spawnc_copy() { printf 'COPY\\0'; printf '%s\\0' "$@"; printf 'END\\0'; }
      spawnc_finish() { printf 'FINISH\\0'; printf '%s\\0' "$@"; printf 'END\\0'; }

      """
    let marker = "# ---- the recipe ----\n"
    let probe = try #require(script.range(of: marker)).upperBound
    let modified = String(script[..<probe]) + printers + String(script[probe...])
    let result = try Harness.run(["/bin/sh", "-s"], input: modified)
    #expect(result.status == 0, "\(result.stderr)")
    var calls: [[String]] = []
    var current: [String] = []
    for field in result.stdout.split(separator: "\0", omittingEmptySubsequences: false).map(String.init) {
      if field == "END" {
        calls.append(current)
        current = []
      } else {
        current.append(field)
      }
    }
    #expect(calls.count == 3, "\(calls)")
    guard calls.count == 3 else { return }
    // COPY arguments go through Dockerfile word processing even in exec form (as in BuildKit):
    // the quotes group, the escaped `$` stays.
    let copy = calls[0]
    #expect(copy == ["COPY", "context", "/opt/dir with spaces", "yes", "", "", "", "path", "weird %n $X q d.txt"])
    let run = calls[1]
    let step = ir.image.finalStage.steps[1]
    let environment = step.environment.map { $0.key + "=" + $0.value }
    #expect(run == ["RUN", "", "/", String(environment.count)] + environment + ["/bin/busybox", "true"])
    #expect(environment.contains("BACKSLASH=a\\b\\\\c\\"))
    let finish = calls[2]
    let config = ir.runtime!.imageConfig.rendered(pretty: false)
    #expect(
      finish == ["FINISH", "0", ir.paths.recipeDigest, config, String(ir.image.labels.count)]
        + ir.image.labels.flatMap { [$0.key, $0.value] })
    #expect(JSONValue.parse(config) == ir.runtime!.imageConfig, "the recorded configuration reads back")
  }

  /// The whole round trip at run time: systemd-nspawn, started with the ExecStart= argv that
  /// systemd parsed and with the generated .nspawn file, gives the payload exactly the recipe's
  /// arguments and environment.
  @Test(.enabled(if: getuid() == 0, "needs root to run systemd-nspawn"))
  func payloadSeesExactArgvAndEnvironment() throws {
    let state = try Harness.temporaryDirectory("escape state %n $x 'q' \":c")
    defer { try? FileManager.default.removeItem(atPath: state) }
    let compilation = Self.compile(stateDirectory: state)
    let root = try BusyboxRoot.make(in: state + "/checkouts/esc-root")
    try FileManager.default.createDirectory(atPath: state + "/images", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: state + "/images/esc", withDestinationPath: root)
    let settings = try #require(compilation.outputs.first { $0.name == "esc.nspawn" })
    try Harness.write(settings.contents, to: state + "/images/esc.nspawn")

    let (dump, _) = try SystemdTools.parsedUnit("esc.service", among: compilation.outputs)
    let argv = try #require(SystemdTools.commandLines("ExecStart", in: dump).first)
    let result = try Harness.run(argv)
    #expect(result.status == 0, "\(result.stderr)")
    let parts = result.stdout.split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
    let marker = try #require(parts.firstIndex(of: "ENVIRON"), "\(result.stdout) \(result.stderr)")
    #expect(Array(parts[..<marker]) == Self.hostile)
    let environ = Dictionary(
      parts[(marker + 1)...].filter { !$0.isEmpty }.map { entry -> (String, String) in
        let pair = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        return (String(pair[0]), pair.count > 1 ? String(pair[1]) : "")
      }, uniquingKeysWith: { _, last in last })
    for (name, _, value) in Self.environment {
      #expect(environ[name] == value, "\(name): \(String(describing: environ[name])) != \(value)")
    }
    #expect(environ["EVIL"] == nil)
  }

  /// A value no .nspawn line can hold is refused with a diagnostic, not written.
  @Test func carriageReturnInEnvironmentIsRefused() {
    let compilation = Harness.compile("FROM \(Self.id)\nENV A=\"x\ry\"\nCMD [\"/app\"]\n")
    let codes = compilation.diagnostics.map(\.code)
    #expect(codes == ["SP6002"])
    #expect(compilation.outputs.count == 0)
  }

  /// The checks above mean something: systemd's test mode does report a bad specifier.
  @Test func systemdTestModeReportsBadSpecifiers() throws {
    let unit = GeneratedFile(name: "probe.service", contents: "[Unit]\nDescription=50%2\n[Service]\nExecStart=/bin/true\n")
    let (_, warnings) = try SystemdTools.parsedUnit("probe.service", among: [unit])
    #expect(!warnings.isEmpty)
  }
}

/// A tiny root file system made from the build host's static busybox.
enum BusyboxRoot {
  static func make(in directory: String) throws -> String {
    let manager = FileManager.default
    for sub in ["bin", "usr", "etc", "dev", "proc", "sys", "run", "tmp", "var"] {
      try manager.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true)
    }
    try manager.copyItem(atPath: "/bin/busybox", toPath: directory + "/bin/busybox")
    try manager.createSymbolicLink(atPath: directory + "/bin/sh", withDestinationPath: "busybox")
    try Harness.write("root:x:0:0:root:/:/bin/sh\n", to: directory + "/etc/passwd")
    try Harness.write("root:x:0:\n", to: directory + "/etc/group")
    return directory
  }
}
