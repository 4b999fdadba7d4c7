import SpawnBasics
import SpawnDriver
import SpawnFormat
import SpawnIR
import Testing

@testable import SpawnSyntax

/// Hostile sizes (docs/limits.md): each input is handled with the right result, or refused with
/// the diagnostic that names the limit. Sizes here are smaller than `scripts/limits.sh`'s where
/// the full size would be slow in a debug build, but large enough that quadratic work or deep
/// recursion would show (as a hang or a crash). Nothing here measures time.
@Suite struct Limits {
  static let id = "sha256:" + String(repeating: "c", count: 64)

  static func compile(_ text: String) -> Compilation {
    Driver.compile(
      SourceFile(path: "Spawnfile", text: text), recipePath: "/src/limits/Spawnfile",
      options: CompileOptions(name: "limits", inspectContext: false))
  }

  static func errors(_ compilation: Compilation) -> [String] {
    compilation.diagnostics.filter { $0.severity == .error }.map { "\($0.code) \($0.message)" }
  }

  /// The runtime environment's value of `name`.
  static func runtimeValue(_ compilation: Compilation, _ name: String) -> String? {
    compilation.ir?.runtime?.environment.first { $0.key == name }?.value
  }

  // MARK: Nested substitutions

  static func nestedDefaults(_ depth: Int) -> String {
    String(repeating: "${V:-", count: depth) + "deepest" + String(repeating: "}", count: depth)
  }

  @Test func nestedDefaultsUpToTheLimitExpand() {
    let depth = ShellLexer.maximumNestingDepth
    let compilation = Self.compile("FROM \(Self.id)\nENV VALUE=\(Self.nestedDefaults(depth))\nCMD [\"/app\"]\n")
    #expect(Self.errors(compilation) == [])
    #expect(Self.runtimeValue(compilation, "VALUE") == "deepest")
    let alternatives = String(repeating: "${A:+x", count: depth) + String(repeating: "}", count: depth)
    let other = Self.compile("FROM \(Self.id)\nENV A=1\nENV VALUE=\(alternatives)\nCMD [\"/app\"]\n")
    #expect(Self.runtimeValue(other, "VALUE") == String(repeating: "x", count: depth))
  }

  @Test(arguments: [ShellLexer.maximumNestingDepth + 1, 10_000, 100_000])
  func nestedDefaultsBeyondTheLimitAreRefused(_ depth: Int) {
    let prefix = "FROM \(Self.id)\nENV VALUE="
    let compilation = Self.compile(prefix + Self.nestedDefaults(depth) + "\nCMD [\"/app\"]\n")
    let errors = compilation.diagnostics.filter { $0.severity == .error }
    #expect(errors.map(\.code) == ["SP3007"])
    // The span is the first `${` too deep.
    let offset = prefix.utf8.count + 5 * ShellLexer.maximumNestingDepth
    #expect(errors.first?.span == Span(offset, offset + 2))
    #expect(errors.first?.message.contains("\(ShellLexer.maximumNestingDepth)") == true)
  }

  @Test func deepNestingOnAHeredocLineIsRefusedByTheParser() {
    let depth = 10_000
    let text = "FROM \(Self.id)\nRUN cat <<EOF \(Self.nestedDefaults(depth))\nbody\nEOF\nCMD [\"/app\"]\n"
    let codes = Self.compile(text).diagnostics.filter { $0.severity == .error }.map(\.code)
    #expect(codes.first == "SP3007")
  }

  // MARK: Patterns

  /// The backtracking matcher ShellPattern used before (recursive, so only for small inputs):
  /// the oracle the automaton must agree with.
  static func backtrackingEnd(_ tokens: [ShellPattern.Token], _ value: [Unicode.Scalar], from start: Int, greedy: Bool) -> Int? {
    func match(_ token: Int, _ position: Int) -> Int? {
      if token == tokens.count { return position }
      switch tokens[token] {
      case .literal(let ch):
        return position < value.count && value[position] == ch ? match(token + 1, position + 1) : nil
      case .any:
        return position < value.count && value[position] != "\n" ? match(token + 1, position + 1) : nil
      case .star:
        var limit = position
        while limit < value.count && value[limit] != "\n" { limit += 1 }
        let candidates = greedy ? Array((position...limit).reversed()) : Array(position...limit)
        for candidate in candidates {
          if let end = match(token + 1, candidate) { return end }
        }
        return nil
      }
    }
    return match(0, start)
  }

  @Test func patternAutomatonAgreesWithBacktracking() throws {
    var generator = SystemRandomNumberGenerator()
    let alphabet: [Unicode.Scalar] = ["a", "b", "\n"]
    for _ in 0..<3_000 {
      let pattern = String(
        String.UnicodeScalarView(
          (0..<Int.random(in: 0...5, using: &generator)).map { _ in
            ["a", "b", "*", "?", "\n"].randomElement(using: &generator)! as Unicode.Scalar
          }))
      let value = (0..<Int.random(in: 0...8, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
      let compiled = try ShellPattern(pattern)
      for greedy in [true, false] {
        let expected = Self.backtrackingEnd(compiled.tokens, value, from: 0, greedy: greedy)
        let found = compiled.search(in: value, from: 0, anchored: true, greedy: greedy)?.end
        #expect(found == expected, "pattern \(pattern.debugDescription) value \(String(String.UnicodeScalarView(value)).debugDescription) greedy \(greedy)")
      }
      // Unanchored: the leftmost start that matches, with its longest end.
      var expected: (Int, Int)?
      for start in 0...value.count {
        if let end = Self.backtrackingEnd(compiled.tokens, value, from: start, greedy: true) {
          expected = (start, end)
          break
        }
      }
      let found = compiled.search(in: value, from: 0, anchored: false, greedy: true)
      #expect(found?.start == expected?.0 && found?.end == expected?.1, "pattern \(pattern.debugDescription) unanchored")
    }
  }

  @Test func longPatternsAndValues() {
    // A 100,000-character pattern and value: the old matcher recursed once per pattern character.
    let long = String(repeating: "ab", count: 50_000)
    let text = """
      FROM \(Self.id)
      ENV V=\(long)x
      ENV PREFIX=${V#\(long)} SUFFIX=${V%b*} ALL=${V//a/-} STARS=${V//*x/y} NONE=${V//*z/y}
      CMD ["/app"]

      """
    let compilation = Self.compile(text)
    #expect(Self.errors(compilation) == [])
    #expect(Self.runtimeValue(compilation, "PREFIX") == "x")
    #expect(Self.runtimeValue(compilation, "SUFFIX") == String(long.dropLast()))
    #expect(Self.runtimeValue(compilation, "ALL") == String(repeating: "-b", count: 50_000) + "x")
    #expect(Self.runtimeValue(compilation, "STARS") == "y")
    #expect(Self.runtimeValue(compilation, "NONE") == long + "x")
  }
}

// MARK: Environments of many steps

extension Limits {
  /// 1,000 variables of 1 KiB, then 70 steps: each step repeats 1 MiB of environment, 70 MiB
  /// in all, over the 64 MiB the build script may carry (SP6003).
  static let environmentHeavy: String = {
    let value = String(repeating: "v", count: 1024)
    var text = "FROM \(Limits.id)\n"
    for index in 0..<1_000 { text += "ENV V\(index)=\(value)\n" }
    for index in 0..<70 { text += "RUN echo \(index)\n" }
    return text + "CMD [\"/app\"]\n"
  }()

  @Test func stepEnvironmentsOverTheLimitAreRefused() {
    let compilation = Self.compile(Self.environmentHeavy)
    let errors = compilation.diagnostics.filter { $0.severity == .error }
    #expect(errors.map(\.code) == ["SP6003"])
    // At the step whose environment crosses the limit: the 66th RUN (each carries 1,027,954
    // bytes, PATH included; 66 of them are the first to pass 64 MiB).
    let lines = Self.environmentHeavy.split(separator: "\n", omittingEmptySubsequences: false)
    let offset = lines[0..<(1 + 1_000 + 65)].reduce(0) { $0 + $1.utf8.count + 1 }
    #expect(errors.first?.span.start == offset)
    #expect(compilation.outputs.isEmpty)
  }

  /// Many ENV, each used by the RUN after it: the checker used to copy the environment at every
  /// step (quadratic); now `check` is linear, and the outputs, which repeat the environment per
  /// step, are refused by SP6003 once they would be too large.
  @Test func manyVariablesUsedByManySteps() {
    let count = 1_000
    var text = "FROM \(Self.id)\n"
    for index in 0..<count { text += "ENV VARIABLE_\(index)=value\(index)\nRUN echo \"$VARIABLE_\(index)\"\n" }
    text += "CMD [\"/app\"]\n"
    let compilation = Self.compile(text)
    #expect(Self.errors(compilation) == [])
    let steps = compilation.ir?.image.finalStage.steps ?? []
    #expect(steps.count == count)
    #expect(steps.last?.environment.count == count + 1)  // PATH and every variable
    #expect(steps.last?.environment.last == KeyValue("VARIABLE_\(count - 1)", "value\(count - 1)"))
    #expect(steps[10].environment.map(\.key) == ["PATH"] + (0...10).map { "VARIABLE_\($0)" })

    // A hundred times as many: over the limit, refused in linear time.
    var big = "FROM \(Self.id)\n"
    for index in 0..<100_000 { big += "ENV VARIABLE_\(index)=value\(index)\nRUN echo \"$VARIABLE_\(index)\"\n" }
    big += "CMD [\"/app\"]\n"
    #expect(Self.compile(big).diagnostics.filter { $0.severity == .error }.map(\.code) == ["SP6003"])
  }

  /// Many variables then a few steps: handled, each step with every variable.
  @Test func manyVariablesThenFewSteps() {
    var text = "FROM \(Self.id)\nARG FLAVOUR=release\n"
    for index in 0..<50_000 { text += "ENV VARIABLE_\(index)=value\(index)\n" }
    text += "ENV VARIABLE_7=changed FLAVOUR=env\n"
    for index in 0..<5 { text += "RUN echo \"$VARIABLE_\(index * 97)\" \"${VARIABLE_\(49_999 - index):-unset}\"\n" }
    text += "CMD [\"/app\"]\n"
    let compilation = Self.compile(text)
    #expect(Self.errors(compilation) == [])
    let steps = compilation.ir?.image.finalStage.steps ?? []
    #expect(steps.count == 5)
    let environment = steps.first?.environment ?? []
    #expect(environment.count == 50_002)
    #expect(environment[8] == KeyValue("VARIABLE_7", "changed"))  // replaced in place
    #expect(environment.last == KeyValue("FLAVOUR", "env"))  // ENV wins over the ARG
    if case .run(let argv) = steps.first?.action {
      #expect(argv.last == "echo \"$VARIABLE_0\" \"${VARIABLE_49999:-unset}\"")
    }
  }
}

// MARK: Many instructions, long lines

extension Limits {
  @Test func manyInstructionsAndALongExecForm() {
    var text = "FROM \(Self.id)\n"
    for index in 0..<20_000 { text += index % 2 == 0 ? "ENV STEP=\(index)\n" : "RUN echo $STEP\n" }
    let arguments = (0..<100_000).map { "\"argument\($0)\"" }.joined(separator: ", ")  // about 1.6 MB
    text += "CMD [\"/app\", \(arguments)]\n"
    let compilation = Self.compile(text)
    #expect(compilation.tree?.instructions.count == 20_002)
    // Too long for one settings line: refused, naming the limit.
    #expect(Self.errors(compilation).map { String($0.prefix(6)) } == ["SP6002"])
    // Without it, every step is there.
    let accepted = Self.compile(String(text[..<text.range(of: "CMD [")!.lowerBound]) + "CMD [\"/app\"]\n")
    #expect(Self.errors(accepted) == [])
    #expect(accepted.ir?.image.finalStage.steps.count == 10_000)
  }
}
