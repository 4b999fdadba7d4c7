import SpawnBasics
import SpawnSyntax

/// Leaving warnings out: `# spawnc ignore=CODE,...` before an instruction (that instruction
/// only), `# spawnc global ignore=CODE,...` anywhere (the whole file), and lists from the
/// command line or the configuration file. Codes may be given by name (`no-command`). Errors are
/// never left out: they mean the outputs would be wrong.
public enum Suppression {
  /// The diagnostics that remain, plus warnings about ignore comments that name unknown codes
  /// or errors, or are malformed. `ignored` holds codes (already resolved from names).
  public static func apply(_ diagnostics: [Diagnostic], tree: SyntaxTree, ignored: Set<String>) -> [Diagnostic] {
    var fileWide = ignored
    var perInstruction: [(range: Range<Int>, codes: Set<String>)] = []
    var remarks: [Diagnostic] = []
    for comment in tree.comments {
      guard let request = parse(comment, in: tree.file, remarks: &remarks) else { continue }
      if request.global {
        fileWide.formUnion(request.codes)
      } else if let instruction = tree.instructions.first(where: { $0.lines.upperBound >= comment.line }) {
        perInstruction.append((byteRange(of: instruction.lines, in: tree.file), request.codes))
      }
    }
    let kept = diagnostics.filter { diagnostic in
      guard diagnostic.severity != .error else { return true }
      if fileWide.contains(diagnostic.code) { return false }
      return !perInstruction.contains { $0.codes.contains(diagnostic.code) && $0.range.contains(diagnostic.span.start) }
    }
    let keptRemarks = remarks.filter { !fileWide.contains($0.code) }
    return (kept + keptRemarks).sortedByPosition()
  }

  /// Resolves codes or names from a list (command line, configuration): the codes, the words
  /// that name nothing, and the ones that name errors.
  public static func resolve(_ words: [String]) -> (codes: Set<String>, unknown: [String], errors: [String]) {
    var codes: Set<String> = []
    var unknown: [String] = []
    var errors: [String] = []
    for word in words {
      guard let kind = DiagnosticCatalog.lookup(word) else {
        unknown.append(word)
        continue
      }
      if kind.severity == .error { errors.append(word) } else { codes.insert(kind.code) }
    }
    return (codes, unknown, errors)
  }

  struct Request {
    var global: Bool
    var codes: Set<String>
  }

  /// Reads one comment: nil when it is not an ignore comment (or names nothing usable).
  static func parse(_ comment: Comment, in file: SourceFile, remarks: inout [Diagnostic]) -> Request? {
    let words = comment.text.split(whereSeparator: { $0 == " " || $0 == "\t" })
    guard words.count >= 2, words[0].lowercased() == "spawnc" else { return nil }
    var rest = words.dropFirst()
    let global = rest.first?.lowercased() == "global"
    if global { rest = rest.dropFirst() }
    guard let head = rest.first, head.lowercased().hasPrefix("ignore") || global else { return nil }
    let source = file.text(comment.span)
    let list = rest.joined(separator: " ")
    guard list.lowercased().hasPrefix("ignore="), list.count > "ignore=".count else {
      remarks.append(
        Diagnostic(
          .malformedIgnoreComment, "this ignore comment is not `# spawnc ignore=CODE,...`", at: comment.span,
          help: "Write the codes after `ignore=`, separated by commas: `# spawnc \(global ? "global " : "")ignore=SP2013`."))
      return nil
    }
    var codes: Set<String> = []
    var searchFrom = (source.utf8Offset(of: "=") ?? 0) + 1
    for word in list.dropFirst("ignore=".count).split(separator: ",") {
      let code = word.trimmingBlanks()
      guard !code.isEmpty else { continue }
      let offset = source.utf8Offset(of: code, from: searchFrom) ?? 0
      searchFrom = offset + code.utf8.count
      let span = Span(comment.span.start + offset, comment.span.start + offset + code.utf8.count)
      guard let kind = DiagnosticCatalog.lookup(code) else {
        let candidates = DiagnosticCatalog.all.flatMap { [$0.code, $0.name] }
        let guess = Suggest.closest(to: code, among: candidates).map { "; did you mean `\($0)`?" } ?? ""
        remarks.append(
          Diagnostic(
            .unknownIgnoredCode, "`\(code)` is not a spawnc diagnostic code\(guess)", at: span,
            help: "`spawnc explain --all` lists every code and name."))
        continue
      }
      if kind.severity == .error {
        remarks.append(
          Diagnostic(
            .errorNotIgnorable, "\(kind.code) (`\(kind.name)`) is an error, which cannot be ignored", at: span,
            help: "Fix what it reports (`spawnc explain \(kind.code)`) and remove it from this comment."))
        continue
      }
      codes.insert(kind.code)
    }
    return codes.isEmpty ? nil : Request(global: global, codes: codes)
  }

  /// The bytes of some physical lines.
  static func byteRange(of lines: ClosedRange<Int>, in file: SourceFile) -> Range<Int> {
    let start = file.lineStarts[min(lines.lowerBound, file.lineStarts.count - 1)]
    let end = lines.upperBound + 1 < file.lineStarts.count ? file.lineStarts[lines.upperBound + 1] : file.bytes.count
    return start..<end
  }
}

extension StringProtocol {
  /// The byte offset of the first occurrence of `needle` at or after byte `from`.
  func utf8Offset(of needle: some StringProtocol, from: Int = 0) -> Int? {
    let haystack = Array(utf8)
    let pattern = Array(needle.utf8)
    guard !pattern.isEmpty, haystack.count >= pattern.count, from <= haystack.count - pattern.count else { return nil }
    for start in from...(haystack.count - pattern.count) where haystack[start..<start + pattern.count].elementsEqual(pattern) {
      return start
    }
    return nil
  }

  /// Without leading and trailing spaces and tabs.
  func trimmingBlanks() -> String {
    var scalars = Substring(self).unicodeScalars[...]
    while let first = scalars.first, first == " " || first == "\t" { scalars = scalars.dropFirst() }
    while let last = scalars.last, last == " " || last == "\t" { scalars = scalars.dropLast() }
    return String(String.UnicodeScalarView(scalars))
  }
}
