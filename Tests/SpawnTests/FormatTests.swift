import Foundation
import SpawnBasics
import SpawnDriver
import SpawnSyntax
import Testing

@testable import SpawnFormat

/// `spawnc fmt`: the formatter keeps what a file means (BuildKit's dump, here-documents,
/// comments, directives, the compiled IR), reaches a fixed point in one pass, and writes the
/// layout docs/formatting.md describes.
@Suite struct FormatterProperties {
  struct Input {
    var name: String
    var bytes: [UInt8]
  }

  static var examples: [Input] {
    Harness.exampleNames.map {
      Input(name: "examples/\($0)", bytes: TestPaths.read(TestPaths.examples + "/\($0)/Spawnfile"))
    }
  }

  static var corpusDockerfiles: [Input] {
    let directory = TestPaths.corpus + "/dockerfiles"
    return TestPaths.list(directory).filter { $0.hasSuffix(".Dockerfile") }.map {
      Input(name: "dockerfiles/\($0)", bytes: TestPaths.read(directory + "/" + $0))
    }
  }

  static var buildkitTestfiles: [Input] {
    let directory = TestPaths.corpus + "/buildkit-parser/testfiles"
    return TestPaths.list(directory).map {
      Input(name: "testfiles/\($0)", bytes: TestPaths.read(directory + "/\($0)/Dockerfile"))
    }
  }

  static var goldenInputs: [Input] {
    FormatGoldens.caseNames.map {
      Input(name: "format/\($0)", bytes: TestPaths.read(FormatGoldens.directory + "/\($0)/input"))
    }
  }

  /// Formats each input that parses without errors and checks every property; returns how many
  /// were checked and the failures.
  static func check(_ inputs: [Input]) -> (checked: Int, skipped: [String], failures: [String]) {
    var checked = 0
    var skipped: [String] = []
    var failures: [String] = []
    for input in inputs {
      let file = SourceFile(path: input.name, bytes: input.bytes)
      let tree = Parser.parse(file)
      guard !tree.diagnostics.hasErrors else {
        #expect(Formatter.format(file) == nil, "\(input.name) has syntax errors, so it must not be formatted")
        skipped.append(input.name)
        continue
      }
      checked += 1
      guard let report = Formatter.formatReporting(file) else {
        failures.append("\(input.name): not formatted although it parses")
        continue
      }
      let once = report.text
      // The re-parse check is a safety net: the canonical rules alone must keep the meaning.
      let fallbacks = report.levels.indices.filter { report.levels[$0] != .canonical }
      if report.gaveUp || !fallbacks.isEmpty {
        failures.append(
          "\(input.name): instructions \(fallbacks.map { $0 + 1 }) needed a fallback (gave up: \(report.gaveUp))")
      }
      let formatted = Parser.parse(SourceFile(path: input.name, text: once))
      failures += sameMeaning(tree, formatted).map { "\(input.name): \($0)" }
      failures += layoutProblems(once, formatted).map { "\(input.name): \($0)" }
      let twice = Formatter.format(SourceFile(path: input.name, text: once))
      if twice != once {
        failures.append("\(input.name): formatting again changes it:\n" + Harness.diff(once, twice ?? "<nil>"))
      }
    }
    return (checked, skipped, failures)
  }

  /// What formatting must keep: the dump, here-documents, directives and comments.
  static func sameMeaning(_ original: SyntaxTree, _ formatted: SyntaxTree) -> [String] {
    var problems: [String] = []
    let before = Dump.buildkit(original)
    let after = Dump.buildkit(formatted)
    if before != after { problems.append("BuildKit's dump differs:\n" + Harness.diff(before, after)) }
    if formatted.diagnostics.hasErrors {
      problems.append("the result has errors: \(formatted.diagnostics.map(\.message))")
    }
    func heredocs(_ tree: SyntaxTree) -> [[String]] {
      tree.instructions.map {
        $0.heredocs.map { "\($0.name)|\($0.expands)|\($0.stripsTabs)|\($0.fileDescriptor)|\($0.body.text)" }
      }
    }
    if heredocs(original) != heredocs(formatted) { problems.append("here-documents differ") }
    if original.directives.map({ "\($0.name)=\($0.value)" }) != formatted.directives.map({ "\($0.name)=\($0.value)" }) {
      problems.append("directives differ")
    }
    if original.escapeToken != formatted.escapeToken { problems.append("the escape character differs") }
    if original.comments.map(\.text) != formatted.comments.map(\.text) {
      problems.append(
        "comments differ:\n"
          + Harness.diff(
            original.comments.map(\.text).joined(separator: "\n"),
            formatted.comments.map(\.text).joined(separator: "\n")))
    }
    return problems
  }

  /// The layout rules that hold for every result: one final newline, no blank line first or
  /// twice in a row, no trailing whitespace or carriage return outside here-document bodies.
  static func layoutProblems(_ text: String, _ tree: SyntaxTree) -> [String] {
    var problems: [String] = []
    let bytes = Array(text.utf8)
    if bytes.last != 0x0A || bytes.dropLast().last == 0x0A { problems.append("does not end in exactly one newline") }
    if text.hasPrefix("\u{FEFF}") { problems.append("starts with a byte-order mark") }
    var bodyLines: Set<Int> = []
    for instruction in tree.instructions {
      for heredoc in instruction.heredocs where !heredoc.body.span.isEmpty {
        let first = tree.file.lineIndex(of: heredoc.body.span.start)
        let last = tree.file.lineIndex(of: heredoc.body.span.end)  // the terminator line
        bodyLines.formUnion(first...last)
      }
    }
    // Split bytes, not characters: "\r\n" is one Character.
    let lines = Array(text.utf8).split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map {
      String(decoding: $0, as: UTF8.self)
    }
    var previousBlank = false
    for (index, line) in lines.enumerated() where !bodyLines.contains(index) {
      let blank = line.isEmpty
      if blank && index == 0 { problems.append("starts with a blank line") }
      if blank && previousBlank { problems.append("two blank lines before line \(index + 1)") }
      previousBlank = blank
      // The one exception: whitespace that hides an escape character (`\` then a carriage
      // return) from the parser, which would otherwise continue the line.
      let kept = line.unicodeScalars.reversed().drop { ShellLexer.isSpace($0) }
      let hidesEscape =
        kept.first == tree.escapeToken
        && line.unicodeScalars.reversed().prefix { ShellLexer.isSpace($0) }.contains { $0 != " " && $0 != "\t" }
      if !hidesEscape && (line.hasSuffix(" ") || line.hasSuffix("\t") || line.hasSuffix("\r")) {
        problems.append("trailing whitespace on line \(index + 1): \(line.debugDescription)")
      }
    }
    return problems
  }

  @Test func examplesAreFormattedWithoutChangingTheirMeaning() {
    let result = Self.check(Self.examples)
    print("format: examples: \(result.checked) checked")
    #expect(result.checked == Harness.exampleNames.count && result.checked >= 6 && result.skipped.isEmpty)
    #expect(result.failures.isEmpty, "\(result.failures.joined(separator: "\n"))")
  }

  @Test func corpusDockerfilesAreFormattedWithoutChangingTheirMeaning() {
    let inputs = Self.corpusDockerfiles
    let result = Self.check(inputs)
    print("format: corpus/dockerfiles: \(result.checked) of \(inputs.count) checked (the others have syntax errors)")
    #expect(inputs.count == 60)
    #expect(result.checked == 60, "skipped: \(result.skipped)")
    #expect(result.failures.isEmpty, "\(result.failures.joined(separator: "\n"))")
  }

  @Test func buildkitTestfilesAreFormattedWithoutChangingTheirMeaning() {
    let inputs = Self.buildkitTestfiles
    let result = Self.check(inputs)
    print(
      "format: buildkit-parser/testfiles: \(result.checked) of \(inputs.count) checked (skipped: \(result.skipped))")
    #expect(inputs.count == 33)
    #expect(result.checked == 33, "skipped: \(result.skipped)")
    #expect(result.failures.isEmpty, "\(result.failures.joined(separator: "\n"))")
  }

  /// The corpus files with their whitespace, keyword case and line ends scrambled
  /// (deterministically): formatting must keep the meaning of every variant, too.
  static func scrambled(_ input: Input, seed: UInt64) -> Input {
    var state = seed &+ 0x9E37_79B9_7F4A_7C15
    func random(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
    let blanks: [[UInt8]] = [
      [0x20], [0x20, 0x20, 0x20], [0x09], [0x20, 0x09, 0x20], [0x0B], [0x0C], [0xC2, 0xA0], [0x20, 0x0D, 0x20],
      [0xE2, 0x80, 0x83],
    ]
    let escape = input.bytes.starts(with: Array("# escape=`".utf8)) ? UInt8(ascii: "`") : UInt8(ascii: "\\")
    var out: [UInt8] = []
    var atLineStart = true
    var inKeyword = false
    for byte in input.bytes {
      switch byte {
      case 0x20 where random(12) == 0:
        // A line break: the escape character, maybe a comment or blank line, an indentation.
        out += random(2) == 0 ? [0x20, escape] : [escape]
        if random(3) == 0 { out += blanks[random(blanks.count)] }
        out.append(0x0A)
        if random(4) == 0 { out += Array("  # a comment\n".utf8) }
        if random(8) == 0 { out.append(0x0A) }
        out += [[], [0x20], [0x20, 0x20, 0x20, 0x20], [0x09]][random(4)]
      case 0x20 where random(3) == 0:
        out += blanks[random(blanks.count)]
      case 0x0D:
        break  // line ends are chosen below
      case 0x0A:
        if random(4) == 0 { out += blanks[random(blanks.count)] }  // trailing blanks
        if random(3) == 0 { out.append(0x0D) }  // CRLF
        out.append(byte)
        if random(8) == 0 { out.append(0x0A) }  // an extra blank line
        if random(4) == 0 { out += blanks[random(blanks.count)] }  // indentation
      case UInt8(ascii: "A")...UInt8(ascii: "Z") where (atLineStart || inKeyword) && random(2) == 0:
        out.append(byte + 0x20)
      default:
        out.append(byte)
      }
      inKeyword = (atLineStart || inKeyword) && byte >= UInt8(ascii: "A")
      atLineStart = byte == 0x0A || (atLineStart && (byte == 0x20 || byte == 0x09))
    }
    return Input(name: "\(input.name) (scrambled, seed \(seed))", bytes: out)
  }

  static var variants: Int { Int(ProcessInfo.processInfo.environment["SPAWNC_FORMAT_VARIANTS"] ?? "") ?? 5 }

  @Test func scrambledFilesAreFormattedWithoutChangingTheirMeaning() {
    let originals = Self.examples + Self.corpusDockerfiles + Self.buildkitTestfiles + Self.goldenInputs
    let inputs = originals.enumerated().flatMap { index, input in
      (0..<Self.variants).map { Self.scrambled(input, seed: UInt64(index * Self.variants + $0)) }
    }
    let result = Self.check(inputs)
    print("format: \(result.checked) scrambled files checked, \(result.skipped.count) skipped (syntax errors)")
    #expect(result.checked >= inputs.count * 3 / 4)
    #expect(result.failures.isEmpty, "\(result.failures.prefix(20).joined(separator: "\n"))")
  }

  @Test func goldenInputsAreFormattedWithoutChangingTheirMeaning() {
    let result = Self.check(Self.goldenInputs)
    #expect(result.checked == FormatGoldens.caseNames.count && result.checked >= 8)
    #expect(result.failures.isEmpty, "\(result.failures.joined(separator: "\n"))")
  }

  // MARK: The compiled result

  /// Compiles recipe bytes as `examples/NAME/Spawnfile`, as `Harness.compileExample` does.
  static func compile(_ bytes: [UInt8], asExample name: String) -> Compilation {
    let file = SourceFile(path: "examples/\(name)/Spawnfile", bytes: bytes)
    let options = CompileOptions(
      name: name, contextDirectory: "\(Harness.virtualRoot)/examples/\(name)", stateDirectory: Harness.stateDirectory,
      inspectContext: false)
    return Driver.compile(file, recipePath: "\(Harness.virtualRoot)/examples/\(name)/Spawnfile", options: options)
  }

  /// The value with the named members' values emptied, wherever they are.
  static func blanking(_ names: Set<String>, in value: JSONValue) -> JSONValue {
    switch value {
    case .object(let members):
      return .object(
        members.map { key, member in (key, names.contains(key) ? .string("") : blanking(names, in: member)) })
    case .array(let items):
      return .array(items.map { blanking(names, in: $0) })
    default:
      return value
    }
  }

  @Test(arguments: Harness.exampleNames)
  func formattingAnExampleKeepsItsIR(_ name: String) throws {
    let bytes = TestPaths.read(TestPaths.examples + "/\(name)/Spawnfile")
    let original = Self.compile(bytes, asExample: name)
    let formatted = try #require(Formatter.format(SourceFile(path: name, bytes: bytes)))
    let reformatted = Self.compile(Array(formatted.utf8), asExample: name)
    #expect(!original.hasErrors && !reformatted.hasErrors)
    let before = Self.blanking(["recipeDigest"], in: try #require(original.ir).json).rendered(pretty: true)
    let after = Self.blanking(["recipeDigest"], in: try #require(reformatted.ir).json).rendered(pretty: true)
    #expect(before == after, "\(Harness.diff(before, after))")
    // The digest is the one field that must change when the bytes do.
    if Array(formatted.utf8) != bytes { #expect(original.ir?.paths.recipeDigest != reformatted.ir?.paths.recipeDigest) }
  }

  /// The golden inputs are messier than the examples; apart from the step descriptions (the
  /// progress lines, which quote the instruction as written) their IR is the same too.
  @Test func formattingTheGoldenInputsKeepsTheirIR() throws {
    var compared = 0
    for input in Self.goldenInputs {
      let original = Self.compile(input.bytes, asExample: "app")
      guard !original.hasErrors, let ir = original.ir else { continue }
      let formatted = try #require(Formatter.format(SourceFile(path: input.name, bytes: input.bytes)))
      let reformatted = Self.compile(Array(formatted.utf8), asExample: "app")
      let ignored: Set<String> = ["recipeDigest", "description"]
      let before = Self.blanking(ignored, in: ir.json).rendered(pretty: true)
      let after = Self.blanking(ignored, in: try #require(reformatted.ir, "\(input.name)").json).rendered(pretty: true)
      #expect(before == after, "\(input.name):\n\(Harness.diff(before, after))")
      compared += 1
    }
    #expect(compared >= 5, "most golden inputs are complete recipes")
  }

  // MARK: Specific rules

  @Test func filesWithSyntaxErrorsAreNotFormatted() {
    for text in [
      "ENV A\n", "", "# only a comment\n", "RUN <<EOF\nnever ends\n", "# escape=x\nFROM a\n", "CMD [\"a\", 1]\n",
    ] {
      #expect(Formatter.format(SourceFile(path: "Spawnfile", text: text)) == nil, "\(text.debugDescription)")
    }
  }

  /// Small cases, each about one rule (the goldens show whole files).
  @Test(arguments: [
    // Keyword case, one space, trailing whitespace, final newline.
    ("run   echo  a   \n", "RUN echo  a\n"),
    ("FROM a\n\n\n\nCMD x", "FROM a\n\nCMD x\n"),
    // The whitespace at a line break of a shell command is kept: BuildKit keeps it in the command.
    ("RUN a  \\\n  b\n", "RUN a  \\\n  b\n"),
    ("RUN a\\\nb\n", "RUN a\\\nb\n"),
    // Between words it only separates.
    ("EXPOSE 80\\\n  443\n", "EXPOSE 80 \\\n    443\n"),
    // A word broken across lines stays broken there.
    ("EXPOSE 80\\\n80\n", "EXPOSE 80\\\n80\n"),
    // `FROM x as y`: the stage keyword is an argument, kept as written.
    ("from a as b\n", "FROM a as b\n"),
    // Legacy `ENV KEY value`: the value is the rest of the line, spaces and all.
    ("ENV   KEY   a  b   c\n", "ENV KEY a  b   c\n"),
    ("ENV A=1    B=\"x  y\"\n", "ENV A=1 B=\"x  y\"\n"),
    // Flags: BuildKit's reading of them, re-spelled; a value with a space keeps its quotes.
    ("COPY --from=\"a\"  --chown='1 2' x y\n", "COPY --from=a --chown='1 2' x y\n"),
    // Exec form: the same strings, minimally escaped.
    ("CMD [\"\\u0041\", \"\\/\",\"\\u00e9\\n\"]\n", "CMD [\"A\", \"/\", \"é\\n\"]\n"),
    // Not JSON: shell form, kept.
    ("CMD ['a', 'b']\n", "CMD ['a', 'b']\n"),
    // A comment that would become a directive at the top keeps the blank line before it.
    ("\n# escape=`\nFROM a\n", "\n# escape=`\nFROM a\n"),
    ("\n# nothing special\nFROM a\n", "# nothing special\nFROM a\n"),
    // Carriage returns and a byte-order mark go.
    ("\u{FEFF}FROM a\r\nCMD b\r\n", "FROM a\nCMD b\n"),
    // Blank lines inside a continuation go (BuildKit warns about them); comments stay inside.
    ("RUN a \\\n\n  # c\n    && b\n", "RUN a \\\n    # c\n    && b\n"),
    // Here-document bodies are never touched, not even their carriage returns.
    ("run  <<EOF\r\nbody  \r\nEOF\r\nCMD x\r\n", "RUN <<EOF\nbody  \r\nEOF\r\nCMD x\n"),
    // The file ends inside a continuation: it still does.
    ("RUN a   \\  ", "RUN a \\\n"),
    // ONBUILD's instruction is formatted too; HEALTHCHECK's `cmd` is an argument.
    ("onbuild   run  [ \"a\" ]\n", "ONBUILD RUN [\"a\"]\n"),
    ("healthcheck  --interval=5s   cmd  curl  x\n", "HEALTHCHECK --interval=5s cmd curl  x\n"),
    // Not JSON (a raw tab inside the string), so shell words: tidying them would make JSON.
    ("COPY  [ \"a\tb\",  \"c\" ]\n", "COPY [ \"a\tb\",  \"c\" ]\n"),
    // An instruction that starts with a lone escape character keeps one, so that the comments
    // after it stay inside (here they would become directives).
    ("# syntax=x\n\\\n# escape=`\nFROM a\n", "# syntax=x\n\\\n    # escape=`\n    FROM a\n"),
    // Only escape characters up to the end of the file: BuildKit still reads an (empty) instruction.
    ("FROM a\n\\\n  # c\n \u{0C}\n", "FROM a\n\\\n    # c\n"),
    // A carriage return hides the escape character at the end: removing it would continue the line.
    ("RUN a\\\r\t\nCMD b\n", "RUN a\\\r\t\nCMD b\n"),
  ])
  func rule(_ input: String, _ expected: String) {
    let formatted = Formatter.format(SourceFile(path: "Spawnfile", text: input))
    #expect(formatted == expected, "\(input.debugDescription) → \(formatted.debugDescription)")
  }

  @Test func unifiedDiff() {
    let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"
    let new = "a\nB\nc\nd\ne\nf\ng\nh\ni\nJ\nk"
    let diff = UnifiedDiff.render(old: old, new: new, oldName: "a/x", newName: "b/x")
    #expect(
      diff == """
        --- a/x
        +++ b/x
        @@ -1,5 +1,5 @@
         a
        -b
        +B
         c
         d
         e
        @@ -7,4 +7,5 @@
         g
         h
         i
        -j
        +J
        +k
        \\ No newline at end of file

        """)
    #expect(UnifiedDiff.render(old: old, new: old, oldName: "a", newName: "b").isEmpty)
    #expect(UnifiedDiff.render(old: "", new: "x\n", oldName: "a", newName: "b") == "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n")
  }
}

/// `Tests/Goldens/format/CASE/input` formatted is `Tests/Goldens/format/CASE/output`;
/// `UPDATE_GOLDENS=1 swift test --filter Format` rewrites the outputs.
@Suite struct FormatGoldens {
  static var directory: String { TestPaths.root + "/Tests/Goldens/format" }
  static var caseNames: [String] { TestPaths.list(directory).filter { TestPaths.exists(directory + "/\($0)/input") } }

  @Test(arguments: caseNames)
  func golden(_ name: String) throws {
    let input = TestPaths.read(Self.directory + "/\(name)/input")
    let formatted = try #require(Formatter.format(SourceFile(path: name, bytes: input)))
    if let failure = Harness.checkGolden(formatted, at: Self.directory + "/\(name)/output") {
      Issue.record("\(failure)")
    }
    // The output is itself formatted.
    let output = TestPaths.readText(Self.directory + "/\(name)/output")
    #expect(Formatter.format(SourceFile(path: name, text: output)) == output)
  }

  @Test func theCasesCoverTheRules() {
    #expect(
      Set(Self.caseNames).isSuperset(of: [
        "messy-spacing", "lowercase-keywords", "continuation-comments", "heredocs", "json-arrays", "escape-backtick",
        "crlf",
      ]))
    // A checkout that converted line endings would make the CRLF case test nothing.
    #expect(TestPaths.readText(Self.directory + "/crlf/input").contains("\r\n"))
  }
}

/// `spawnc fmt` on files, standard input, `--check` and `--diff`.
@Suite struct FormatCommandLine {
  static let id = "sha256:" + String(repeating: "d", count: 64)
  static let messy = "from   \(id)\ncmd   [ \"/app\" ]\n\n\n"
  static let tidy = "FROM \(id)\nCMD [\"/app\"]\n"
  static let broken = "FROM \(id)\nCMD [\"/app\", 1]\n"

  static func spawnc(_ arguments: [String], input: String? = nil) throws -> Harness.Result {
    try Harness.run([Harness.spawncBinary] + arguments, input: input)
  }

  static func file(_ text: String, in directory: String, _ name: String = "Spawnfile") throws -> String {
    let path = directory + "/" + name
    try Harness.write(text, to: path)
    return path
  }

  static func inode(_ path: String) throws -> Int {
    try #require(FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int)
  }

  @Test func checkListsUnformattedFilesAndWritesNothing() throws {
    let directory = try Harness.temporaryDirectory("fmt")
    let messy = try Self.file(Self.messy, in: directory, "messy")
    let tidy = try Self.file(Self.tidy, in: directory, "tidy")
    let clean = try Self.spawnc(["fmt", "--check", tidy])
    #expect(clean.status == 0 && clean.output.isEmpty, "\(clean.output)")
    let dirty = try Self.spawnc(["fmt", "--check", tidy, messy])
    #expect(dirty.status == 1)
    #expect(dirty.stdout == messy + "\n")
    #expect(TestPaths.readText(messy) == Self.messy, "--check must not write")
    let stdin = try Self.spawnc(["fmt", "--check", "-"], input: Self.messy)
    #expect(stdin.status == 1 && stdin.stdout == "<stdin>\n")
  }

  @Test func rewritesInPlaceKeepingTheModeOnlyWhenChanged() throws {
    let directory = try Harness.temporaryDirectory("fmt")
    let path = try Self.file(Self.messy, in: directory)
    try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
    let link = directory + "/link"
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "Spawnfile")
    let result = try Self.spawnc(["fmt", link])
    #expect(result.status == 0 && result.output.isEmpty, "\(result.output)")
    #expect(TestPaths.readText(path) == Self.tidy)
    let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    #expect(mode == 0o640)
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "Spawnfile", "the link stays a link")
    #expect(TestPaths.list(directory) == ["Spawnfile", "link"], "no temporary file is left")
    // A formatted file is not written again.
    let before = try Self.inode(path)
    let again = try Self.spawnc(["fmt", path])
    #expect(again.status == 0)
    #expect(try Self.inode(path) == before)
  }

  @Test func standardInputGoesToStandardOutput() throws {
    let result = try Self.spawnc(["fmt", "-"], input: Self.messy)
    #expect(result.status == 0 && result.stdout == Self.tidy && result.stderr.isEmpty, "\(result.output)")
  }

  @Test func filesWithSyntaxErrorsAreLeftAlone() throws {
    let directory = try Harness.temporaryDirectory("fmt")
    let broken = try Self.file(Self.broken, in: directory, "broken")
    let messy = try Self.file(Self.messy, in: directory, "messy")
    let result = try Self.spawnc(["fmt", broken, messy])
    #expect(result.status == 1)
    #expect(result.stderr.contains("error[SP1012]"), "\(result.stderr)")
    #expect(result.stdout.isEmpty)
    #expect(TestPaths.readText(broken) == Self.broken)
    #expect(TestPaths.readText(messy) == Self.tidy, "the other files are still formatted")
    let stdin = try Self.spawnc(["fmt", "-"], input: Self.broken)
    #expect(stdin.status == 1 && stdin.stdout.isEmpty && stdin.stderr.contains("SP1012"))
  }

  @Test func diffShowsTheChangesAndWritesNothing() throws {
    let directory = try Harness.temporaryDirectory("fmt")
    let path = try Self.file(Self.messy, in: directory)
    let result = try Self.spawnc(["fmt", "--diff", path])
    #expect(result.status == 0)
    #expect(
      result.stdout.hasPrefix("--- \(path)\t(original)\n+++ \(path)\t(formatted)\n@@ -1,4 +1,2 @@\n"),
      "\(result.stdout)")
    #expect(result.stdout.contains("\n-from   \(Self.id)\n") && result.stdout.contains("\n+FROM \(Self.id)\n"))
    #expect(TestPaths.readText(path) == Self.messy)
    // patch(1) reads it: applied to the file, it gives the formatted text.
    if let patch = try? Harness.which("patch") {
      let patched = directory + "/patched"
      let applied = try Harness.run([patch, "-s", "-o", patched, path], input: result.stdout)
      #expect(applied.status == 0, "\(applied.output)")
      #expect(TestPaths.readText(patched) == Self.tidy)
    }
    let checked = try Self.spawnc(["fmt", "--check", "--diff", path])
    #expect(checked.status == 1 && checked.stdout == result.stdout)
  }

  @Test func usageErrors() throws {
    let directory = try Harness.temporaryDirectory("fmt")
    let missing = try Self.spawnc(["fmt", directory + "/nope"])
    #expect(missing.status == 2 && missing.stderr.contains("cannot read"), "\(missing.output)")
    let none = try Self.spawnc(["fmt"])
    #expect(none.status == 2)
    let twice = try Self.spawnc(["fmt", "-", "-"], input: "")
    #expect(twice.status == 2)
  }
}
