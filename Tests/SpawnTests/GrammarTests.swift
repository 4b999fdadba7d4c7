import Foundation
import SpawnBasics
import Testing

@testable import SpawnSyntax

/// grammar/spawnfile.ebnf and the parser's tables say the same thing.
@Suite struct GrammarAgreement {
  /// Productions of the EBNF file: name → right-hand side (comments removed).
  static let productions: [String: String] = {
    var text = TestPaths.readText(TestPaths.root + "/grammar/spawnfile.ebnf")
    while let open = text.range(of: "(*"), let close = text.range(of: "*)", range: open.upperBound..<text.endIndex) {
      text.removeSubrange(open.lowerBound..<close.upperBound)
    }
    var result: [String: String] = [:]
    for statement in text.split(separator: ";") {
      let parts = statement.split(separator: "=", maxSplits: 1)
      guard parts.count == 2 else { continue }
      let name = parts[0].trimmingCharacters(in: .whitespacesAndNewlines)
      if !name.isEmpty && !name.contains(" ") { result[name] = String(parts[1]) }
    }
    return result
  }()

  /// The double-quoted terminals of a right-hand side.
  static func terminals(_ rhs: String) -> [String] {
    rhs.split(separator: "\"", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
  }

  /// The production names a right-hand side refers to.
  static func references(_ rhs: String) -> [String] {
    rhs.split(whereSeparator: { " ,|[]{}()\n".contains($0) }).map(String.init).filter { productions[$0] != nil }
  }

  @Test func instructionKeywordsAgree() throws {
    let instruction = try #require(Self.productions["instruction"])
    let keywords = Self.references(instruction).compactMap { Self.terminals(Self.productions[$0] ?? "").first }
    #expect(keywords.sorted() == Grammar.keywords.sorted())
    let unsupported = Self.terminals(try #require(Self.productions["unsupported-instruction"]))
    #expect(unsupported.sorted() == Grammar.unsupportedInstructions.map { $0.rawValue.uppercased() }.sorted())
  }

  @Test func flagsAgree() throws {
    for kind in InstructionKind.allCases where kind != .unknown {
      let production = Self.productions[kind.rawValue + "-flag"] ?? ""
      let flags = Self.terminals(production).filter { $0.hasPrefix("--") }.map { flag in
        String(flag.dropFirst(2).prefix { $0 != "=" })
      }
      #expect(flags.sorted() == Grammar.flags(for: kind).map(\.name).sorted(), "flags of \(kind.rawValue)")
      let kinds = Self.terminals(production).filter { $0.hasPrefix("--") }.map { $0.hasSuffix("=") }
      #expect(kinds == Grammar.flags(for: kind).filter { spec in flags.contains(spec.name) }.sorted { (flags.firstIndex(of: $0.name) ?? 0) < (flags.firstIndex(of: $1.name) ?? 0) }.map { $0.kind == .value })
    }
  }

  @Test func activationModesAgree() throws {
    #expect(Self.terminals(try #require(Self.productions["activation"])) == Grammar.activationModes)
  }

  /// Every keyword the grammar names is one the parser recognises.
  @Test func parserRecognisesEveryKeyword() {
    for keyword in Grammar.keywords + Grammar.unsupportedInstructions.map({ $0.rawValue.uppercased() }) {
      #expect(InstructionKind(keyword: keyword) != .unknown, "\(keyword)")
      #expect(InstructionKind(keyword: keyword.lowercased()) == InstructionKind(keyword: keyword))
    }
  }
}
