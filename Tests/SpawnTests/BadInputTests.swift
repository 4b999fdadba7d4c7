import Foundation
import SpawnBasics
import SpawnDriver
import Testing

@testable import SpawnSyntax

/// Hostile or broken input gets a diagnostic (or is accepted where Dockerfile accepts it),
/// never a crash or a hang.
@Suite struct BadInput {
  static let id = "sha256:" + String(repeating: "b", count: 64)

  static func check(_ bytes: [UInt8]) -> Compilation {
    let compilation = Driver.compile(
      SourceFile(path: "Spawnfile", bytes: bytes), recipePath: "/src/bad/Spawnfile",
      options: CompileOptions(name: "bad", inspectContext: false))
    return compilation
  }

  @Test func emptyFile() {
    #expect(Self.check([]).diagnostics.map(\.code) == ["SP1003"])
  }

  @Test func binaryGarbage() {
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<20 {
      let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
      let compilation = Self.check(bytes)
      #expect(compilation.hasErrors)
    }
  }

  @Test func tenMegabyteFile() {
    var text = "FROM \(Self.id)\n"
    let line = "RUN echo " + String(repeating: "x", count: 90) + "\n"
    while text.utf8.count < 10 << 20 { text += line }
    text += "CMD [\"/app\"]\n"
    let clock = ContinuousClock()
    let start = clock.now
    let compilation = Self.check(Array(text.utf8))
    print("10 MB recipe (\(text.utf8.count) bytes): checked and compiled in \(clock.now - start)")
    #expect(!compilation.hasErrors)
  }

  @Test func unterminatedJSONFallsBackToShellFormWithAWarning() {
    let compilation = Self.check(Array("FROM \(Self.id)\nCMD [\"/app\", \"--flag\"\n".utf8))
    #expect(compilation.diagnostics.map(\.code) == ["SP1013"])
    #expect(compilation.ir?.runtime?.argv == ["/bin/sh", "-c", "[\"/app\", \"--flag\""])
  }

  @Test func unterminatedHeredoc() {
    let compilation = Self.check(Array("FROM \(Self.id)\nCMD [\"/app\"]\nRUN <<EOF\necho\n".utf8))
    #expect(compilation.diagnostics.map(\.code) == ["SP1010"])
  }

  @Test func continuationAtEndOfFile() {
    let compilation = Self.check(Array("FROM \(Self.id)\nCMD [\"/app\"]\nRUN echo a \\".utf8))
    #expect(compilation.diagnostics.map(\.code) == ["SP1014"])
    #expect(!compilation.hasErrors)
  }

  @Test func crlfFileMeansTheSameAsLF() throws {
    let lf = "FROM \(Self.id)\nENV A=1 \\\n    B=2\nCMD [\"/app\"]\n"
    let crlf = lf.replacingOccurrences(of: "\n", with: "\r\n")
    let a = Self.check(Array(lf.utf8))
    let b = Self.check(Array(crlf.utf8))
    #expect(b.diagnostics.isEmpty)
    #expect(a.ir?.runtime == b.ir?.runtime)
  }

  @Test func byteOrderMarkIsIgnored() throws {
    let text = "FROM \(Self.id)\nCMD [\"/app\"]\n"
    let compilation = Self.check([0xEF, 0xBB, 0xBF] + Array(text.utf8))
    #expect(compilation.diagnostics.isEmpty)
    #expect(compilation.ir?.runtime?.argv == ["/app"])
  }

  @Test func deeplyNestedJSONDoesNotOverflowTheStack() {
    let nested = String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
    let compilation = Self.check(Array("FROM \(Self.id)\nCMD \(nested)\n".utf8))
    #expect(compilation.hasErrors || !compilation.diagnostics.isEmpty)
  }

  @Test func longLineAndManyContinuations() {
    let longRun = "FROM \(Self.id)\nRUN echo " + String(repeating: "y", count: 1 << 20) + "\nCMD [\"/app\"]\n"
    let runErrors = Self.check(Array(longRun.utf8)).hasErrors
    #expect(!runErrors)
    // A runtime value that long cannot go into a settings file line: refused, naming the limit.
    let longEnv = "FROM \(Self.id)\nENV A=" + String(repeating: "y", count: 1 << 20) + "\nCMD [\"/app\"]\n"
    let codes = Self.check(Array(longEnv.utf8)).diagnostics.map(\.code)
    #expect(codes == ["SP6002"])
    let continued = "FROM \(Self.id)\nRUN echo \\\n" + String(repeating: "  a \\\n", count: 10_000) + "  end\nCMD [\"/app\"]\n"
    let compilation = Self.check(Array(continued.utf8))
    #expect(!compilation.hasErrors)
    #expect(compilation.ir?.image.finalStage.steps.count == 1)
    // Many words on one continued line: each word maps back to the file in its own pieces.
    let pairs = "FROM \(Self.id)\nENV \\\n" + (0..<10_000).map { "  V\($0)=\($0) \\\n" }.joined() + "  END=1\nCMD [\"/app\"]\n"
    let clock = ContinuousClock()
    let start = clock.now
    let env = Self.check(Array(pairs.utf8))
    print("ENV with 10,000 continued pairs: \(clock.now - start)")
    #expect(!env.hasErrors)
    #expect(env.ir?.runtime?.environment.count == 10_002)
  }

  /// Found by fuzzing: invalid UTF-8 inside an unterminated quote. The word's text holds a
  /// three-byte U+FFFD per bad byte, so the SP3004 span ran past the end of the file.
  @Test func invalidUTF8InAnUnterminatedQuoteKeepsSpansInTheFile() {
    let bytes = Array("FROM \(Self.id)\nARG abc=\"1 ".utf8) + [0xC9, 0xC9, 0xC9, 0xC9, 0x0A]
    let compilation = Self.check(bytes)
    #expect(Set(compilation.diagnostics.map(\.code)) == ["SP1001", "SP2013", "SP3004"])
    for diagnostic in compilation.diagnostics {
      #expect(diagnostic.span.start <= diagnostic.span.end && diagnostic.span.end <= bytes.count, "\(diagnostic.span)")
    }
    #expect(!DiagnosticRenderer.human(compilation.diagnostics, in: compilation.file).isEmpty)
  }

  @Test func lonelyCarriageReturnsAndControlCharacters() {
    let text = "FROM \(Self.id)\r\r\nLABEL a=\"\u{01}\u{7F}\"\nCMD [\"/app\"]\n"
    let compilation = Self.check(Array(text.utf8))
    #expect(!compilation.hasErrors, "\(compilation.diagnostics.map(\.message))")
  }
}
