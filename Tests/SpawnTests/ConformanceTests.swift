import Foundation
import SpawnBasics
import Testing

@testable import SpawnSyntax

/// Conformance against BuildKit's own parser and lexer test data in `../shared/corpus/`.
@Suite struct BuildKitConformance {
  static var testfiles: String { TestPaths.corpus + "/buildkit-parser/testfiles" }

  @Test func everyTestfileParsesToBuildKitsDump() throws {
    let cases = TestPaths.list(Self.testfiles)
    #expect(cases.count == 33, "expected BuildKit's 33 parser cases")
    var failures: [String] = []
    for name in cases {
      let directory = Self.testfiles + "/" + name
      let file = SourceFile(path: name, bytes: TestPaths.read(directory + "/Dockerfile"))
      let tree = Parser.parse(file)
      let dump = Dump.buildkit(tree)
      let expected = TestPaths.readText(directory + "/result")
      if dump != expected {
        failures.append("\(name):\n--- expected\n\(expected)--- got\n\(dump)")
      }
      let errors = tree.diagnostics.filter { $0.severity == .error }
      if !errors.isEmpty { failures.append("\(name): unexpected errors \(errors.map(\.message))") }
    }
    print("buildkit-parser/testfiles: \(cases.count - failures.count)/\(cases.count) dumps equal")
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
  }

  @Test func everyNegativeCaseIsRejected() {
    let directory = TestPaths.corpus + "/buildkit-parser/testfiles-negative"
    let cases = TestPaths.list(directory)
    #expect(cases.count == 4)
    for name in cases {
      let file = SourceFile(path: name, bytes: TestPaths.read(directory + "/" + name + "/Dockerfile"))
      let tree = Parser.parse(file)
      #expect(tree.diagnostics.hasErrors, "\(name) should be rejected")
    }
    print("buildkit-parser/testfiles-negative: \(cases.count) rejected")
  }

  @Test func lineNumbersMatchBuildKit() {
    let file = SourceFile(path: "Dockerfile", bytes: TestPaths.read(TestPaths.corpus + "/buildkit-parser/testfile-line/Dockerfile"))
    let tree = Parser.parse(file)
    let ranges = tree.instructions.map { ($0.lines.lowerBound + 1, $0.lines.upperBound + 1) }
    #expect(ranges.count == 3)
    #expect(ranges.map(\.0) == [5, 11, 17])
    #expect(ranges.map(\.1) == [5, 12, 31])
  }

  @Test func envVarTableExpandsLikeBuildKit() throws {
    let lines = TestPaths.readText(TestPaths.corpus + "/buildkit-parser/shell/envVarTest").split(
      separator: "\n", omittingEmptySubsequences: false)
    let env = ["PWD": "/home", "SHELL": "bash", "KOREAN": "한국어", "NULL": ""]
    let lexer = ShellLexer()
    var checked = 0
    var failures: [String] = []
    for (number, rawLine) in lines.enumerated() {
      if rawLine.hasPrefix("#") { continue }
      let line = rawLine.trimmingCharacters(in: .whitespaces)
      if line.isEmpty { continue }
      let fields = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
      #expect(fields.count == 3)
      if fields[0] == "W" { continue }
      checked += 1
      let input = fields[1]
      let expected = fields[2]
      do {
        let result = try lexer.process(input, lookup: { env[$0] })
        if expected == "error" || result.value != expected {
          failures.append("line \(number + 1): \(input) → \(result.value), expected \(expected)")
        }
      } catch {
        if expected != "error" { failures.append("line \(number + 1): \(input) failed: \(error.message)") }
      }
    }
    print("shell/envVarTest: \(checked - failures.count)/\(checked) cases pass")
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
  }

  @Test func wordsTableSplitsLikeBuildKit() throws {
    let lines = TestPaths.readText(TestPaths.corpus + "/buildkit-parser/shell/wordsTest").split(
      separator: "\n", omittingEmptySubsequences: false)
    var env: [String: String] = [:]
    let lexer = ShellLexer()
    var checked = 0
    var failures: [String] = []
    for (number, line) in lines.enumerated() where !line.isEmpty {
      if line.hasPrefix("#") { continue }
      if line.hasPrefix("ENV ") {
        let assignment = line.dropFirst(3).drop { $0 == " " }
        let parts = assignment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        env[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        continue
      }
      let fields = line.split(separator: "|", omittingEmptySubsequences: false)
      #expect(fields.count == 2)
      let input = fields[0].trimmingCharacters(in: .whitespaces)
      let expected = String(fields[1].drop { $0 == " " }).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      checked += 1
      let currentEnv = env
      let words = (try? lexer.process(input, lookup: { currentEnv[$0] }).words) ?? ["error"]
      if words != expected { failures.append("line \(number + 1): \(input) → \(words), expected \(expected)") }
    }
    print("shell/wordsTest: \(checked - failures.count)/\(checked) cases pass")
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
  }

  @Test func realWorldDockerfilesParseToBuildKitsDump() {
    let directory = TestPaths.corpus + "/dockerfiles"
    let files = TestPaths.list(directory).filter { $0.hasSuffix(".Dockerfile") }
    #expect(files.count == 60)
    var failures: [String] = []
    for name in files {
      let path = directory + "/" + name
      let tree = Parser.parse(SourceFile(path: name, bytes: TestPaths.read(path)))
      let expected = TestPaths.readText(String(path.dropLast(".Dockerfile".count)) + ".buildkit-dump")
      let dump = Dump.buildkit(tree)
      if dump != expected {
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let gotLines = dump.split(separator: "\n", omittingEmptySubsequences: false)
        let index = Array(zip(expectedLines, gotLines)).firstIndex { $0 != $1 } ?? min(expectedLines.count, gotLines.count)
        let want = index < expectedLines.count ? String(expectedLines[index]) : "<end>"
        let got = index < gotLines.count ? String(gotLines[index]) : "<end>"
        failures.append("\(name): first difference at dump line \(index + 1):\n  expected \(want)\n  got      \(got)")
      }
      if tree.diagnostics.hasErrors { failures.append("\(name): \(tree.diagnostics.map(\.message))") }
    }
    print("corpus/dockerfiles: \(files.count - failures.count)/\(files.count) dumps equal")
    #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
  }
}

import SpawnDriver

/// `spawnc check` on real-world Dockerfiles reports only what spawnc deliberately does not
/// accept: unpinned bases, unsupported Dockerfile features (SP5xxx) and, as a warning, a final
/// stage without a command (built as a base image). Never a crash or an unexplained error.
@Suite struct CorpusCheck {
  static let allowed: Set<String> = ["SP2001", "SP2013"]

  @Test func realWorldDockerfilesGetOnlyExplainedDiagnostics() {
    let directory = TestPaths.corpus + "/dockerfiles"
    let files = TestPaths.list(directory).filter { $0.hasSuffix(".Dockerfile") }
    var counts: [String: Int] = [:]
    var unexpected: [String] = []
    var clean = 0
    for name in files {
      let file = SourceFile(path: name, bytes: TestPaths.read(directory + "/" + name))
      let compilation = Driver.compile(
        file, recipePath: "/src/corpus/Dockerfile", options: CompileOptions(name: "corpus", inspectContext: false))
      if compilation.diagnostics.isEmpty { clean += 1 }
      for diagnostic in compilation.diagnostics {
        counts[diagnostic.code, default: 0] += 1
        if !Self.allowed.contains(diagnostic.code) && !diagnostic.code.hasPrefix("SP5") {
          unexpected.append(DiagnosticRenderer.gnu([diagnostic], in: file))
        }
      }
    }
    let summary = counts.keys.sorted().map { "\($0)×\(counts[$0]!)" }.joined(separator: " ")
    print("corpus/dockerfiles: \(files.count) files checked, \(clean) without diagnostics; \(summary)")
    #expect(unexpected.isEmpty, "\(unexpected.joined())")
  }
}
