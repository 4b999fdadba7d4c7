import Foundation
import SpawnBasics
import SpawnDriver
import SpawnIR
import Testing

/// Hostile recipes, proven at run time: values full of `%` specifiers, `$VAR`, both quote kinds,
/// backslashes, `;`, `|`, `$(...)`, backticks, newlines and tabs (where the syntax carries them)
/// and non-ASCII text go through ENV, CMD, LABEL, WORKDIR, VOLUME, COPY and RUN; the real build
/// creates exactly the named paths, and the payload, started with the generated settings and
/// command lines, sees exactly the recipe's strings. Paths never carry control characters: the
/// checker refuses them (SP4016), and USER refuses anything but names and numbers (SP4007).
@Suite(.serialized, .enabled(if: getuid() == 0, "builds need root"))
struct HostileRecipes {
  /// The context file that COPY names (exec-form COPY sources go through Dockerfile word
  /// processing as in BuildKit: the single quotes group and vanish, `\$` is a literal `$`).
  static let contextFile = "in %n $X q ; | `id` é.txt"
  static let workdir = #"/w %n $x "q" ; | `id` é"#
  static let volume = "/data %n $x q :c é"
  static let label = #"100% $weird 'q' "x" \ ; $(id) `id`"#

  /// ENV as written in the recipe, and the values it means.
  static let environment: [(name: String, written: String, value: String)] = [
    ("P1", #""100% %n %% %Z""#, "100% %n %% %Z"),
    ("D1", #"'$HOME ${X} $(id) `id`'"#, "$HOME ${X} $(id) `id`"),
    ("Q1", #""it's \"quoted\"""#, "it's \"quoted\""),
    ("B1", #"'a\b\\c\'"#, #"a\b\\c\"#),
    ("S1", #""a; b | c && d > /etc/x""#, "a; b | c && d > /etc/x"),
    ("T1", "\"tab\there\"", "tab\there"),
    ("U1", #""héllo ☃ 𝄞""#, "héllo ☃ 𝄞"),
    ("K1", #""Environment=EVIL=1""#, "Environment=EVIL=1"),
    ("N1", #""[Files] Bind=/:/host""#, "[Files] Bind=/:/host"),
  ]

  /// Names that an exec-form RUN creates (no shell: each is one argument, taken literally).
  static let execNames = ["a;b", "$(id)", "`id`", "%n", "it's", "new\nline", "tab\there", "back\\slash", "☃ 𝄞"]

  static var recipe: String {
    let environmentLines = environment.map { "\($0.name)=\($0.written)" }.joined(separator: " \\\n    ")
    let touch = Escaping.jsonArray(["/bin/busybox", "touch"] + execNames.map { "/made/" + $0 })
    let payload = """
      printf '%s\\0' "$@"; printf 'ENVIRON\\0'; cat /proc/self/environ; printf 'CWD\\0%s\\0' "$(pwd)"; \
      echo written > '\(volume)/written'
      """
    return """
      ARG BUSYBOX
      FROM busybox@${BUSYBOX}
      ENV \(environmentLines)
      LABEL title="100% \\$weird 'q' \\"x\\" \\\\ ; \\$(id) `id`" "k %n \\$x"=v
      WORKDIR '\(workdir)'
      COPY ["in %n \\\\$X 'q' ; | `id` é.txt", "./"]
      RUN ["/bin/busybox", "mkdir", "/made"]
      RUN \(touch)
      RUN mkdir -p "/made/sh dir" && touch '/made/sh dir/q$x' "/made/sh dir/d\\"q" /made/sh\\ dir/\\;semi
      RUN ["/bin/busybox", "sh", "-c", "cat /proc/self/environ > /made/build-environ; pwd > /made/build-cwd"]
      VOLUME ["/data %n \\\\$x 'q' :c é"]
      CMD \(Escaping.jsonArray(["/bin/busybox", "sh", "-c", payload, "argv0"] + Escaping.hostile))

      """
  }

  /// Every path the build adds to the base, relative to the root.
  static var expectedNewPaths: Set<String> {
    var paths: Set<String> = [
      String(volume.dropFirst()), "made", "made/sh dir", "made/sh dir/q$x", "made/sh dir/d\"q", "made/sh dir/;semi",
      "made/build-environ", "made/build-cwd", String(workdir.dropFirst()), String(workdir.dropFirst()) + "/" + contextFile,
    ]
    for name in execNames { paths.insert("made/" + name) }
    return paths
  }

  /// Builds the recipe into a fresh store; returns the fixture and the compilation of the same recipe.
  static func buildIt() throws -> (BuildFixture, Compilation, String) {
    let fixture = try BuildFixture.make("hostile")
    let directory = try Harness.temporaryDirectory("hostile") + "/hostile"
    try Harness.write(recipe, to: directory + "/Spawnfile")
    try Harness.write("copied\n", to: directory + "/" + contextFile)
    let outcome = try fixture.build(directory + "/Spawnfile", name: "hostile")
    let id = try #require(outcome.id, "\(outcome.log)")
    let file = try Driver.load(directory + "/Spawnfile")
    let options = CompileOptions(
      name: "hostile", contextDirectory: directory, stateDirectory: fixture.state, buildArguments: ["BUSYBOX": fixture.baseID])
    let compilation = Driver.compile(file, recipePath: directory + "/Spawnfile", options: options)
    return (fixture, compilation, id)
  }

  /// Every path under a directory, relative to it (NUL-separated `find`, so newlines survive).
  static func tree(_ directory: String) throws -> Set<String> {
    let result = try Harness.run(["/usr/bin/find", directory, "-mindepth", "1", "-printf", "%P\\0"])
    return Set(result.stdout.split(separator: "\0").map(String.init))
  }

  /// `NAME=VALUE` entries of a NUL-separated environment block.
  static func environ<S: Sequence>(_ entries: S) -> [String: String] where S.Element == String {
    var result: [String: String] = [:]
    for entry in entries where !entry.isEmpty {
      let pair = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      result[String(pair[0])] = pair.count > 1 ? String(pair[1]) : ""
    }
    return result
  }

  @Test func outputsVerifyAndTheScriptIsClean() throws {
    let file = SourceFile(path: "Spawnfile", text: Self.recipe)
    let options = CompileOptions(
      name: "hostile", contextDirectory: "/src/hostile", stateDirectory: Escaping.hostileState, inspectContext: false,
      buildArguments: ["BUSYBOX": Escaping.id])
    let compilation = Driver.compile(file, recipePath: "/src/hostile/Spawnfile", options: options)
    #expect(!compilation.hasErrors, "\(DiagnosticRenderer.human(compilation.diagnostics, in: compilation.file))")
    let (status, output) = try SystemdTools.verify(compilation.outputs)
    #expect(status == 0 && output.isEmpty, "\(output)")
    let (_, warnings) = try SystemdTools.parsedUnit("hostile.service", among: compilation.outputs)
    #expect(warnings.isEmpty, "\(warnings)")
    let settings = try #require(compilation.outputs.first { $0.name == "hostile.nspawn" })
    #expect(try SystemdTools.lintNspawn(settings) == [])
    let script = try #require(compilation.outputs.first { $0.name == "build-hostile.sh" })
    let lint = try SystemdTools.shellcheck(script.contents)
    #expect(lint.status == 0 && lint.output.isEmpty, "\(lint.output)")
  }

  /// The real build creates exactly the named paths and nothing else, with the recipe's values.
  @Test func theBuildCreatesExactlyTheNamedPaths() throws {
    let (fixture, _, id) = try Self.buildIt()
    defer { fixture.expectIntactStore() }
    let base = try fixture.store.checkout(String(fixture.baseID.dropFirst(7)))
    let before = try Self.tree(base)
    let after = try Self.tree(fixture.checkout(of: "hostile"))
    #expect(before.isSubset(of: after), "the build removed \(before.subtracting(after))")
    let added = after.subtracting(before)
    #expect(added == Self.expectedNewPaths, "unexpected: \(added.subtracting(Self.expectedNewPaths)); missing: \(Self.expectedNewPaths.subtracting(added))")
    let root = fixture.checkout(of: "hostile")
    #expect(TestPaths.readText(root + String(Self.workdir.dropFirst()) + "/" + Self.contextFile) == "copied\n")

    // RUN saw the recipe's environment and working directory, byte for byte.
    let environ = Self.environ(TestPaths.readText(root + "made/build-environ").split(separator: "\0").map(String.init))
    for (name, _, value) in Self.environment {
      #expect(environ[name] == value, "\(name): \(String(describing: environ[name])) != \(value)")
    }
    #expect(environ["EVIL"] == nil)
    #expect(TestPaths.readText(root + "made/build-cwd") == Self.workdir + "\n")

    // Labels reach the commit metadata as written.
    let hex = String(id.dropFirst(7))
    #expect(fixture.store.metadata(hex, key: "spawnc.label.title") == Self.label)
    #expect(fixture.store.metadata(hex, key: "spawnc.label.k %n $x") == "v")
  }

  /// The payload, started exactly as the service would start it (ExecStartPre= and ExecStart=
  /// as systemd parsed them, the generated .nspawn beside the image), gets the recipe's argv,
  /// environment and working directory, and its volume write lands in the volume's directory.
  @Test func thePayloadSeesExactlyTheRecipesStrings() throws {
    let (fixture, compilation, _) = try Self.buildIt()
    defer { fixture.expectIntactStore() }
    let settings = try #require(compilation.outputs.first { $0.name == "hostile.nspawn" })
    try Harness.write(settings.contents, to: fixture.state + "/images/hostile.nspawn")
    let (dump, warnings) = try SystemdTools.parsedUnit("hostile.service", among: compilation.outputs)
    #expect(warnings.isEmpty, "\(warnings)")
    for pre in SystemdTools.commandLines("ExecStartPre", in: dump) {
      let result = try Harness.run(pre)
      #expect(result.status == 0, "\(pre): \(result.output)")
    }
    let argv = try #require(SystemdTools.commandLines("ExecStart", in: dump).first)
    let result = try Harness.run(argv)
    #expect(result.status == 0, "\(result.stderr)")
    let parts = result.stdout.split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
    let environMarker = try #require(parts.firstIndex(of: "ENVIRON"), "\(result.stdout) \(result.stderr)")
    let cwdMarker = try #require(parts.lastIndex(of: "CWD"))
    #expect(Array(parts[..<environMarker]) == Escaping.hostile)
    let environ = Self.environ(parts[(environMarker + 1)..<cwdMarker])
    for (name, _, value) in Self.environment {
      #expect(environ[name] == value, "\(name): \(String(describing: environ[name])) != \(value)")
    }
    #expect(environ["EVIL"] == nil)
    #expect(parts[cwdMarker + 1] == Self.workdir)

    let volumes = fixture.state + "/volumes/hostile"
    let entries = try FileManager.default.contentsOfDirectory(atPath: volumes)
    #expect(entries.count == 1, "\(entries)")
    if let entry = entries.first {
      #expect(TestPaths.readText(volumes + "/" + entry + "/written") == "written\n")
    }
  }

  /// What the syntax cannot carry safely is refused with a diagnostic, never written.
  @Test func unusableValuesAreRefused() {
    let cases: [(String, String)] = [
      ("COPY [\"a\\tb\", \"/x/\"]", "SP4016"),
      ("VOLUME [\"/data\\nExec=/bin/sh\"]", "SP4016"),
      ("WORKDIR \"/a\tb\"", "SP4016"),
      ("USER root;id", "SP4007"),
      ("USER \"$(id)\"", "SP4007"),
      ("USER 'a b'", "SP4007"),
      ("ENV A=\"x\ry\"", "SP6002"),
    ]
    for (line, code) in cases {
      let compilation = Harness.compile("FROM \(Escaping.id)\n\(line)\nCMD [\"/app\"]\n")
      let codes = compilation.diagnostics.filter { $0.severity == .error }.map(\.code)
      #expect(codes.contains(code), "\(line): \(codes)")
      #expect(compilation.outputs.isEmpty, "\(line) wrote outputs")
    }
  }
}

/// A build context with symbolic links that stay inside it and links that lead out of it.
enum EscapingContext {
  /// Makes `DIR/outside/secret` and the context `DIR/context`; returns the context.
  static func make() throws -> String {
    let directory = try Harness.temporaryDirectory("escaping-context")
    let context = directory + "/context"
    let manager = FileManager.default
    try Harness.write("secret\n", to: directory + "/outside/secret")
    try Harness.write("secret app.conf\n", to: directory + "/outside/app.conf")
    try Harness.write("app\n", to: context + "/conf/app.conf")
    try Harness.write("a\n", to: context + "/globs/a.conf")
    try Harness.write("d\n", to: context + "/data/file")
    try manager.createSymbolicLink(atPath: context + "/data/leak", withDestinationPath: "/etc/shadow")
    try manager.createSymbolicLink(atPath: context + "/inside-link", withDestinationPath: "conf/app.conf")
    try manager.createSymbolicLink(atPath: context + "/abs-link", withDestinationPath: "/etc/passwd")
    try manager.createSymbolicLink(atPath: context + "/rel-link", withDestinationPath: "../outside/secret")
    try manager.createSymbolicLink(atPath: context + "/dir-link", withDestinationPath: "/etc")
    try manager.createSymbolicLink(atPath: context + "/chain", withDestinationPath: "abs-link")
    return context
  }

  static func compile(_ instructions: String, context: String, state: String = "/var/lib/spawnc", baseID: String? = nil) -> Compilation {
    let text = (baseID == nil ? "FROM \(Escaping.id)\n" : "ARG BUSYBOX\nFROM busybox@${BUSYBOX}\n") + instructions + "CMD [\"/app\"]\n"
    let options = CompileOptions(
      name: "escape", contextDirectory: context, stateDirectory: state, buildArguments: baseID.map { ["BUSYBOX": $0] } ?? [:])
    return Driver.compile(SourceFile(path: context + "/Spawnfile", text: text), recipePath: context + "/Spawnfile", options: options)
  }
}

/// COPY sources that are absolute, climb out with `..`, or are or pass through symbolic links
/// that lead out of the context are refused when the recipe is checked.
@Suite struct ContextEscapes {
  @Test func refusedAtCheckTime() throws {
    let context = try EscapingContext.make()
    let cases: [(String, String?)] = [
      ("/etc/passwd", "SP5014"),
      ("../outside/secret", "SP4005"),
      ("conf/../../outside/secret", "SP4005"),
      ("abs-link", "SP4005"),
      ("rel-link", "SP4005"),
      ("dir-link/passwd", "SP4005"),
      ("chain", "SP4005"),
      ("globs/*", "SP4005"),
      ("inside-link", nil),
      ("conf/", nil),
      ("conf/../conf/app.conf", nil),
      ("data/", nil),
    ]
    // The links are made after the first compile, so the glob case is clean before.
    #expect(!EscapingContext.compile("COPY globs/* /x/\n", context: context).hasErrors)
    try FileManager.default.createSymbolicLink(atPath: context + "/globs/b.conf", withDestinationPath: "/etc/passwd")
    for (source, code) in cases {
      let compilation = EscapingContext.compile("COPY \(source) /x/\n", context: context)
      let codes = compilation.diagnostics.filter { $0.severity == .error }.map(\.code)
      #expect(codes == (code.map { [$0] } ?? []), "COPY \(source): \(codes)")
      if code == "SP4005", source.contains("link") || source == "chain" || source.hasPrefix("globs") {
        #expect(compilation.diagnostics.first?.message.contains("through the symbolic link") == true)
      }
    }
  }
}

/// The context can change between check and build: the build script checks every COPY source
/// again when it runs, and refuses before copying anything.
@Suite(.serialized, .enabled(if: getuid() == 0, "builds need root"))
struct ContextEscapesAtBuildTime {
  @Test func refusedAgainWhenTheBuildRuns() throws {
    let fixture = try BuildFixture.make("escape-build")
    defer { fixture.expectIntactStore() }
    let context = try EscapingContext.make()
    let compilation = EscapingContext.compile(
      "COPY conf/app.conf /etc/app.conf\nCOPY globs/*.conf /etc/globs/\nCOPY data/ /srv/data/\n", context: context,
      state: fixture.state, baseID: fixture.baseID)
    #expect(!compilation.hasErrors, "\(DiagnosticRenderer.human(compilation.diagnostics, in: compilation.file))")
    let script = try #require(compilation.outputs.first { $0.name == "build-escape.sh" })
    let scriptPath = try Harness.temporaryDirectory("escape-script") + "/build-escape.sh"
    try Harness.write(script.contents, to: scriptPath, executable: true)
    let manager = FileManager.default
    let outside = (context as NSString).deletingLastPathComponent + "/outside"

    // Each change swaps a checked source for a link out of the context, after the check.
    let changes: [(String, () throws -> Void, () throws -> Void)] = [
      ("a file replaced by a link", {
        try manager.removeItem(atPath: context + "/conf/app.conf")
        try manager.createSymbolicLink(atPath: context + "/conf/app.conf", withDestinationPath: "/etc/passwd")
      }, {
        try manager.removeItem(atPath: context + "/conf/app.conf")
        try Harness.write("app\n", to: context + "/conf/app.conf")
      }),
      ("a directory replaced by a link", {
        try manager.moveItem(atPath: context + "/conf", toPath: context + "/conf.saved")
        try manager.createSymbolicLink(atPath: context + "/conf", withDestinationPath: outside)
      }, {
        try manager.removeItem(atPath: context + "/conf")
        try manager.moveItem(atPath: context + "/conf.saved", toPath: context + "/conf")
      }),
      ("a link added where a wildcard matches", {
        try manager.createSymbolicLink(atPath: context + "/globs/b.conf", withDestinationPath: "/etc/passwd")
      }, {
        try manager.removeItem(atPath: context + "/globs/b.conf")
      }),
    ]
    for (what, change, undo) in changes {
      try change()
      let result = try Harness.run(["/bin/sh", scriptPath])
      #expect(result.status != 0, "\(what): the build went on")
      #expect(result.stderr.contains("leaves the build context"), "\(what): \(result.stderr)")
      #expect(!manager.fileExists(atPath: fixture.state + "/images/escape"), "\(what): an image appeared")
      try undo()
    }

    // Unchanged, it builds; a link inside a copied directory is copied as a link (as Docker
    // does), so the host file it names is not read.
    let result = try Harness.run(["/bin/sh", scriptPath])
    #expect(result.status == 0, "\(result.stderr)")
    let root = fixture.checkout(of: "escape")
    #expect(TestPaths.readText(root + "etc/app.conf") == "app\n")
    #expect(try manager.destinationOfSymbolicLink(atPath: root + "srv/data/leak") == "/etc/shadow")
    #expect(TestPaths.readText(root + "srv/data/file") == "d\n")
  }
}
