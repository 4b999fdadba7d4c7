import SpawnBasics
import SpawnSyntax

/// Canonical formatting of a Spawnfile (`spawnc fmt`). The rules are in `docs/formatting.md`.
///
/// The formatter rewrites only what cannot change what the file means: the keyword's case, the
/// whitespace that merely separates words, flags and exec-form arrays (re-spelled with the same
/// values), indentation and blank lines. Text whose whitespace BuildKit keeps (shell-form
/// commands, quoted strings, here-documents) is copied as it is. Every result is re-parsed and
/// compared with the original (BuildKit's `Node.Dump()` of each instruction, its here-documents,
/// the directives and the comments); an instruction that would differ is written with less
/// rewriting instead, down to its original lines.
public enum Formatter {
  /// The formatted text, or nil when the file has syntax errors (a file that cannot be parsed
  /// exactly is never reformatted). Lines end in `\n` (here-document bodies keep their bytes);
  /// a byte-order mark is dropped.
  public static func format(_ file: SourceFile) -> String? { formatReporting(file)?.text }

  /// What `format` did: the text, and how far each instruction fell back from canonical form
  /// (tests check that the canonical rules alone keep every corpus file's meaning).
  struct Report {
    var text: String
    var levels: [Level]
    var leadingBlank: Bool
    /// Every instruction fell back to its original lines and still the result differed.
    var gaveUp: Bool
  }

  static func formatReporting(_ file: SourceFile) -> Report? {
    let tree = Parser.parse(file)
    guard !tree.diagnostics.contains(where: { $0.severity == .error }) else { return nil }
    let reference = Fingerprint(tree)
    var renderer = Renderer(tree: tree)
    var levels = [Level](repeating: .canonical, count: tree.instructions.count)
    var leadingBlank = false
    attempts: for _ in 0..<8 {
      let text = renderer.render(levels: levels, leadingBlank: leadingBlank)
      let candidate = Fingerprint(Parser.parse(SourceFile(path: file.path, bytes: text)))
      switch reference.compare(with: candidate) {
      case .same:
        return Report(
          text: String(decoding: text, as: UTF8.self),
          levels: levels.indices.map { renderer.written[$0] ?? levels[$0] }, leadingBlank: leadingBlank,
          gaveUp: false)
      case .instructions(let indices) where indices.contains(where: { levels[$0] < .verbatim }):
        for index in indices { levels[index] = levels[index].next }
      case .extraDirectives where !leadingBlank:
        // A comment that looked like a directive moved to the top: keep a blank line before it.
        leadingBlank = true
      default:
        guard levels.contains(where: { $0 < .verbatim }) else { break attempts }
        levels = levels.map(\.next)
      }
    }
    return Report(
      text: String(decoding: file.bytes, as: UTF8.self), levels: levels, leadingBlank: leadingBlank, gaveUp: true)
  }

  /// The parser's diagnostics: what `format` refuses a file for (its errors) and warnings.
  public static func syntaxDiagnostics(_ file: SourceFile) -> [Diagnostic] { Parser.parse(file).diagnostics }
}

/// What formatting must preserve, to compare a re-parsed result with the original.
struct Fingerprint {
  struct HeredocFacts: Equatable {
    var name: String
    var body: String
    var expands: Bool
    var stripsTabs: Bool
    var fileDescriptor: Int
  }

  var hasErrors: Bool
  var directives: [String]
  var escape: Unicode.Scalar
  var comments: [String]
  /// One line of BuildKit's dump per instruction, and its here-documents.
  var instructions: [(dump: Substring, heredocs: [HeredocFacts])]

  init(_ tree: SyntaxTree) {
    hasErrors = tree.diagnostics.contains { $0.severity == .error }
    directives = tree.directives.map { $0.name + "=" + $0.value }
    escape = tree.escapeToken
    comments = tree.comments.map(\.text)
    let dump = Dump.buildkit(tree).split(separator: "\n", omittingEmptySubsequences: false)
    instructions = tree.instructions.enumerated().map { index, instruction in
      let heredocs = instruction.heredocs.map {
        HeredocFacts(
          name: $0.name, body: $0.body.text, expands: $0.expands, stripsTabs: $0.stripsTabs,
          fileDescriptor: $0.fileDescriptor)
      }
      return (index < dump.count ? dump[index] : "", heredocs)
    }
  }

  enum Difference {
    case same
    /// These instructions differ.
    case instructions([Int])
    /// The result has directives the original does not have.
    case extraDirectives
    /// Something else differs (errors, comments, the number of instructions).
    case structure
  }

  func compare(with other: Fingerprint) -> Difference {
    if other.hasErrors || other.escape != escape { return .structure }
    if other.directives != directives {
      return directives.isEmpty && !other.directives.isEmpty ? .extraDirectives : .structure
    }
    guard other.instructions.count == instructions.count else { return .structure }
    let differing = instructions.indices.filter {
      instructions[$0].dump != other.instructions[$0].dump
        || instructions[$0].heredocs != other.instructions[$0].heredocs
    }
    if !differing.isEmpty { return .instructions(differing) }
    return other.comments == comments ? .same : .structure
  }
}

/// Writes the whole file: directives, comments, blank lines and instructions.
struct Renderer {
  let tree: SyntaxTree
  let lines: PhysicalLines
  let directiveLines: Set<Int>
  /// Each instruction's logical line, joined once.
  var logical: [Int: LogicalLine] = [:]
  /// How the last `render` wrote each instruction (with less rewriting than asked for when the
  /// tree could not be mapped onto the text).
  var written: [Int: Level] = [:]

  init(tree: SyntaxTree) {
    self.tree = tree
    self.lines = PhysicalLines(tree.file, escape: UInt8(tree.escapeToken.value))
    self.directiveLines = Set(tree.directives.map { tree.file.lineIndex(of: $0.span.start) })
  }

  /// Collects output lines, collapsing blank lines.
  struct Output {
    var bytes: [UInt8] = []
    var blankPending = false

    mutating func line(_ line: [UInt8]) {
      startLine()
      bytes += line
      bytes.append(0x0A)
    }

    mutating func raw(_ text: ArraySlice<UInt8>) {
      guard !text.isEmpty else { return }
      startLine()
      bytes += text
      if text.last != 0x0A { bytes.append(0x0A) }
    }

    mutating func blank() { blankPending = true }

    mutating func startLine() {
      if blankPending && !bytes.isEmpty { bytes.append(0x0A) }
      blankPending = false
    }
  }

  mutating func render(levels: [Level], leadingBlank: Bool) -> [UInt8] {
    var output = Output()
    var index = 0
    var next = 0
    while index < lines.count {
      if next < tree.instructions.count && tree.instructions[next].lines.lowerBound <= index {
        let instruction = tree.instructions[next]
        if instruction.lines.lowerBound == index {
          write(instruction, number: next, level: levels[next], to: &output)
          index = instruction.lines.upperBound + 1
        }
        next += 1
        continue
      }
      let content = lines.withoutNewline(index)
      if directiveLines.contains(index) {
        output.line(Array(lines.bytes[lines.trimTrailingSpace(content)]))
      } else if lines.isComment(index) {
        output.line(lines.commentText(index))
      } else if lines.isBlank(index) {
        output.blank()
      } else {
        output.line(Array(lines.bytes[content]))
      }
      index += 1
    }
    return leadingBlank ? [0x0A] + output.bytes : output.bytes
  }

  mutating func write(_ instruction: Instruction, number: Int, level: Level, to output: inout Output) {
    let range = instruction.lines
    let verbatim = lines.bytes[lines.ranges[range.lowerBound].lowerBound..<lines.ranges[range.upperBound].upperBound]
    written[number] = .verbatim
    guard level < .verbatim else { return output.raw(verbatim) }
    if logical[number] == nil { logical[number] = lines.join(from: range.lowerBound) }
    let line = logical[number]!
    // The joined lines must end where the tree says (here-document bodies follow them).
    let bodies = line.lastLine < range.upperBound
    guard line.lastLine <= range.upperBound, bodies == !instruction.heredocs.isEmpty else {
      return output.raw(verbatim)
    }
    let writer = InstructionWriter(line: line, lines: lines)
    if UTF8Scalar.isAllSpace(line.text[...]) {
      // Nothing but escape characters before the end of the file: BuildKit still makes an
      // (empty) instruction of them. One escape character keeps it.
      written[number] = .canonical
      output.line([lines.escape])
      for comments in line.comments {
        for comment in comments { output.line(InstructionWriter.indent + lines.commentText(comment)) }
      }
      return
    }
    var pieces = level == .canonical ? writer.canonicalPieces(instruction) : nil
    let wroteCanonical = pieces != nil
    if pieces == nil { pieces = writer.keywordOnlyPieces(instruction) }
    guard let pieces else { return output.raw(verbatim) }
    written[number] = wroteCanonical ? .canonical : .keywordOnly
    for text in writer.write(pieces) { output.line(text) }
    if bodies {
      output.raw(lines.bytes[lines.ranges[line.lastLine + 1].lowerBound..<lines.ranges[range.upperBound].upperBound])
    }
  }
}
