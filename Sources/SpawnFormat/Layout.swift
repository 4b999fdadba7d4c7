import SpawnBasics
import SpawnSyntax

/// How much of an instruction the formatter may rewrite. The formatter starts every instruction
/// at `.canonical` and falls back when re-parsing shows a difference (see `Formatter`).
enum Level: Int, Comparable {
  /// Keyword, flags, separators, exec-form arrays and line breaks in canonical form.
  case canonical
  /// Only the keyword's case and the whitespace before and after the instruction.
  case keywordOnly
  /// The instruction's lines exactly as they are.
  case verbatim

  static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

  var next: Level { Level(rawValue: min(rawValue + 1, Level.verbatim.rawValue))! }
}

/// A part of an instruction's logical line and how to write it.
enum Piece {
  enum Rendering {
    /// The bytes as they are; line breaks inside stay where they are.
    case verbatim
    /// The bytes with ASCII letters upper-cased (a keyword).
    case upperCased
    /// Other bytes that mean the same (never used across a line break).
    case replaced([UInt8])
  }

  enum Spacing {
    /// Before the keyword: dropped. If the instruction starts with lines holding nothing but the
    /// escape character, one such line is kept, so that the comment lines after them stay inside
    /// the instruction (at the top of the file, they could become parser directives).
    case leading
    /// After the last argument: dropped.
    case trailing
    /// Between two parts: `inline` on one line; at a line break, `beforeBreak`, a space and the
    /// escape character end the line and the next one is indented.
    case between(inline: [UInt8], beforeBreak: [UInt8])
  }

  /// Significant text.
  case text(Range<Int>, Rendering)
  /// Whitespace that only separates (any amount means the same).
  case space(Range<Int>, Spacing)
}

/// Writes one instruction: its logical line cut into pieces, the original line breaks kept.
struct InstructionWriter {
  static let indent: [UInt8] = Array("    ".utf8)

  let line: LogicalLine
  let lines: PhysicalLines
  var escape: UInt8 { lines.escape }

  // MARK: Pieces

  /// The canonical pieces, or nil when the tree cannot be mapped onto the text (the caller then
  /// writes the instruction with less rewriting).
  func canonicalPieces(_ instruction: Instruction) -> [Piece]? {
    var tokens: [Token] = []
    guard collect(instruction, into: &tokens) else { return nil }
    tokens.sort { $0.range.lowerBound < $1.range.lowerBound }
    var pieces: [Piece] = []
    var position = 0
    for (index, token) in tokens.enumerated() {
      guard token.range.lowerBound >= position, token.range.upperBound <= line.text.count, !token.range.isEmpty else {
        return nil
      }
      let gap = position..<token.range.lowerBound
      if index == 0 {
        guard UTF8Scalar.isAllSpace(line.text[gap]) else { return nil }
        pieces.append(.space(gap, .leading))
      } else if !gap.isEmpty {
        if line.text[gap].allSatisfy(Self.isSeparator) {
          pieces.append(.space(gap, .between(inline: [0x20], beforeBreak: [])))
        } else {
          pieces.append(.text(gap, .verbatim))  // e.g. the `--` that ends the flags
        }
      }
      pieces += self.pieces(for: token)
      position = token.range.upperBound
    }
    guard !tokens.isEmpty else { return nil }
    appendTrailing(from: position, to: &pieces)
    return pieces
  }

  /// The pieces that only upper-case the keyword and drop the whitespace around the instruction.
  func keywordOnlyPieces(_ instruction: Instruction) -> [Piece]? {
    guard let keyword = line.range(of: instruction.keyword.span), keyword.lowerBound >= 0,
      UTF8Scalar.isAllSpace(line.text[0..<keyword.lowerBound])
    else { return nil }
    var pieces: [Piece] = [.space(0..<keyword.lowerBound, .leading), .text(keyword, .upperCased)]
    appendTrailing(from: keyword.upperBound, to: &pieces)
    return pieces
  }

  /// Everything after `position` up to trailing whitespace is kept verbatim; that whitespace is
  /// dropped, unless it hides an escape character before it from the parser (`\` then a
  /// carriage return or a no-break space): without it the line would continue.
  func appendTrailing(from position: Int, to pieces: inout [Piece]) {
    var end = line.text.count
    while end > position && Self.isUnicodeSpaceEnding(line.text, position, end) {
      end = Self.lastScalarStart(line.text, position, end)
    }
    if end > position { pieces.append(.text(position..<end, .verbatim)) }
    // The last two bytes the line will end with.
    var tail: [UInt8] = []
    for piece in pieces.reversed() where tail.count < 2 {
      guard case .text(let range, let rendering) = piece else {
        if case .space(_, .between) = piece { tail.insert(0x20, at: 0) }  // at least a space
        continue
      }
      if case .replaced(let bytes) = rendering {
        tail = Array(bytes.suffix(2 - tail.count)) + tail
      } else {
        tail = Array(line.text[range].suffix(2 - tail.count)) + tail
      }
    }
    if end < line.text.count && tail.last == escape && !(tail.count == 2 && tail[0] == escape) {
      if end > position { pieces.removeLast() }
      pieces.append(.text(position..<line.text.count, .verbatim))
      end = line.text.count
    }
    pieces.append(.space(end..<line.text.count, .trailing))
  }

  static func lastScalarStart(_ text: [UInt8], _ start: Int, _ end: Int) -> Int {
    var begin = end - 1
    while begin > start && text[begin] & 0xC0 == 0x80 { begin -= 1 }
    return begin
  }

  static func isUnicodeSpaceEnding(_ text: [UInt8], _ start: Int, _ end: Int) -> Bool {
    let begin = lastScalarStart(text, start, end)
    let (scalar, width) = UTF8Scalar.decode(text, at: begin, end: end)
    return begin + width == end && ShellLexer.isSpace(scalar)
  }

  /// Bytes that every argument parser treats as a word separator.
  static func isSeparator(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D && byte != 0x0A) }

  // MARK: Tokens

  struct Token {
    enum Kind {
      case keyword
      /// A flag; its text as BuildKit reads it (quotes removed, escapes applied).
      case flag(String)
      case verbatim
      /// An exec-form array: the decoded strings and where their literals are.
      case json([(range: Range<Int>, value: String)])
    }

    var range: Range<Int>
    var kind: Kind
  }

  /// The significant parts of an instruction, mapped onto the logical line.
  func collect(_ instruction: Instruction, into tokens: inout [Token]) -> Bool {
    guard let keyword = line.range(of: instruction.keyword.span) else { return false }
    tokens.append(Token(range: keyword, kind: .keyword))
    for flag in instruction.flags {
      guard let range = line.range(of: flag.word.span) else { return false }
      tokens.append(Token(range: range, kind: .flag(flag.word.text)))
    }
    return collect(instruction.arguments, of: instruction.kind, argumentText: instruction.argumentText, into: &tokens)
  }

  func collect(_ arguments: Arguments, of kind: InstructionKind, argumentText: Word, into tokens: inout [Token]) -> Bool
  {
    func verbatim(_ span: Span) -> Bool {
      guard let range = line.range(of: span) else { return false }
      tokens.append(Token(range: range, kind: .verbatim))
      return true
    }
    switch arguments {
    case .none:
      return true
    case .ignored:
      return argumentText.text.isEmpty || verbatim(argumentText.span)
    case .text(let word):
      return verbatim(word.span)
    case .words(let words):
      // COPY, ADD and VOLUME arguments that start with `[` but are not JSON: tidying the
      // spaces between the words could make them JSON (exec form), so they stay as written.
      if [.copy, .add, .volume].contains(kind), let first = words.first, let last = words.last,
        first.text.hasPrefix("[")
      {
        return verbatim(Span(first.span.start, max(first.span.end, last.span.end)))
      }
      return words.allSatisfy { verbatim($0.span) }
    case .pairs(let pairs):
      for pair in pairs {
        if pair.separator.isEmpty {
          guard verbatim(pair.key.span), verbatim(pair.value.span) else { return false }
          continue
        }
        // The whole `NAME=value` word: from the key's start to the value's end.
        let end = pair.value.span.isEmpty ? pair.value.span.start : pair.value.span.end
        guard end > pair.key.span.start, verbatim(Span(pair.key.span.start, end)) else { return false }
      }
      return true
    case .exec(let words):
      guard let array = line.range(of: argumentText.span) else { return false }
      return collectArray(words, in: array, into: &tokens)
    case .trigger(let inner):
      return collect(inner, into: &tokens)
    case .healthcheck(let type, let command):
      guard let kindRange = line.range(of: type.span) else { return false }
      tokens.append(Token(range: kindRange, kind: .verbatim))
      switch command {
      case .none:
        return true
      case .text(let word):
        return verbatim(word.span)
      case .exec(let words):
        guard let all = line.range(of: argumentText.span), all.upperBound > kindRange.upperBound else { return false }
        var open = kindRange.upperBound
        while open < all.upperBound && Self.isSeparator(line.text[open]) { open += 1 }
        if open < all.upperBound && line.text[open] != UInt8(ascii: "[") {
          // BuildKit splits the type off byte by byte (0xA0 counts as a space), so a no-break
          // space after `CMD` leaves half of it in the type: keep all of it as written.
          tokens.append(Token(range: kindRange.upperBound..<all.upperBound, kind: .verbatim))
          return true
        }
        return collectArray(words, in: open..<all.upperBound, into: &tokens)
      default:
        return false
      }
    }
  }

  /// An exec-form array `[...]` spanning `array`, its literals located by their spans.
  func collectArray(_ words: [Word], in array: Range<Int>, into tokens: inout [Token]) -> Bool {
    guard array.count >= 2, line.text[array.lowerBound] == UInt8(ascii: "["),
      line.text[array.upperBound - 1] == UInt8(ascii: "]")
    else { return false }
    var literals: [(range: Range<Int>, value: String)] = []
    var position = array.lowerBound + 1
    for word in words {
      guard let range = line.range(of: word.span), range.lowerBound >= position, range.upperBound < array.upperBound,
        line.text[range.lowerBound] == UInt8(ascii: "\""), line.text[range.upperBound - 1] == UInt8(ascii: "\"")
      else { return false }
      literals.append((range, word.text))
      position = range.upperBound
    }
    tokens.append(Token(range: array, kind: .json(literals)))
    return true
  }

  /// Whether a line break falls strictly inside a range.
  func hasBreak(inside range: Range<Int>) -> Bool {
    line.content.dropFirst().contains { $0.start > range.lowerBound && $0.start < range.upperBound }
  }

  func pieces(for token: Token) -> [Piece] {
    switch token.kind {
    case .keyword:
      return [.text(token.range, .upperCased)]
    case .verbatim:
      return [.text(token.range, .verbatim)]
    case .flag(let text):
      if !hasBreak(inside: token.range), let canonical = Self.canonicalFlag(text, escape: escape) {
        return [.text(token.range, .replaced(canonical))]
      }
      return [.text(token.range, .verbatim)]
    case .json(let literals):
      if literals.contains(where: { hasBreak(inside: $0.range) }) { return [.text(token.range, .verbatim)] }
      let open = token.range.lowerBound
      let close = token.range.upperBound - 1
      var pieces: [Piece] = [.text(open..<(open + 1), .replaced([UInt8(ascii: "[")]))]
      var position = open + 1
      for (index, literal) in literals.enumerated() {
        let comma: [UInt8] = index == 0 ? [] : [UInt8(ascii: ",")]
        pieces.append(
          .space(
            position..<literal.range.lowerBound, .between(inline: index == 0 ? [] : comma + [0x20], beforeBreak: comma))
        )
        pieces.append(.text(literal.range, .replaced(Self.jsonLiteral(literal.value))))
        position = literal.range.upperBound
      }
      pieces.append(.space(position..<close, .between(inline: [], beforeBreak: [])))
      pieces.append(.text(close..<(close + 1), .replaced([UInt8(ascii: "]")])))
      return pieces
    }
  }

  /// `--name=value` as BuildKit reads it, when writing it so reads back the same: no
  /// whitespace (byte-wise, as BuildKit splits flags), quotes or escape characters.
  static func canonicalFlag(_ text: String, escape: UInt8) -> [UInt8]? {
    // BuildKit splits flags byte by byte and counts 0x85 and 0xA0 as spaces, so a flag can end
    // inside a UTF-8 sequence; its text then holds U+FFFD instead of the bytes.
    // Unicode spaces are flag text for BuildKit, but trimmed at the end of an instruction.
    guard !text.unicodeScalars.contains(where: { $0 == "\u{FFFD}" || ShellLexer.isSpace($0) }) else { return nil }
    let bytes = Array(text.utf8)
    guard bytes.count > 2, bytes[0] == UInt8(ascii: "-"), bytes[1] == UInt8(ascii: "-") else { return nil }
    for byte in bytes {
      if (byte >= 0x09 && byte <= 0x0D) || byte == 0x20 || byte == 0x85 || byte == 0xA0 || byte == UInt8(ascii: "\"")
        || byte == UInt8(ascii: "'") || byte == escape
      {
        return nil
      }
    }
    return bytes
  }

  /// A JSON string literal with the fewest escapes: `"` and `\`, and control characters.
  static func jsonLiteral(_ value: String) -> [UInt8] {
    var out: [UInt8] = [UInt8(ascii: "\"")]
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": out += Array("\\\"".utf8)
      case "\\": out += Array("\\\\".utf8)
      case "\n": out += Array("\\n".utf8)
      case "\r": out += Array("\\r".utf8)
      case "\t": out += Array("\\t".utf8)
      case "\u{08}": out += Array("\\b".utf8)
      case "\u{0C}": out += Array("\\f".utf8)
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
        } else {
          out += Array(String(scalar).utf8)
        }
      }
    }
    out.append(UInt8(ascii: "\""))
    return out
  }

  // MARK: Writing

  /// The instruction's output lines (without `\n`): its own lines with the comment lines inside
  /// the continuation, and those after its last line.
  func write(_ pieces: [Piece]) -> [[UInt8]] {
    var output: [[UInt8]] = []
    var after: [[UInt8]] = []
    var current: [UInt8] = []
    var next = 1
    let boundaries = line.content.count

    // Comment lines inside the continuation are indented like the line after them.
    func comments(_ j: Int, indent: [UInt8] = Self.indent) -> [[UInt8]] {
      line.comments[j - 1].map { indent + lines.commentText($0) }
    }
    func verbatimBreak() {
      current.append(escape)
      output.append(current)
      let following = line.content[next]
      let indent = line.text[following.start..<(following.start + following.count)].prefix { $0 == 0x20 || $0 == 0x09 }
      output += comments(next, indent: Array(indent))
      current = []
      next += 1
    }

    for piece in pieces {
      switch piece {
      case .text(let range, let rendering):
        switch rendering {
        case .replaced(let bytes):
          while next < boundaries && line.boundary(next) <= range.lowerBound { verbatimBreak() }
          current += bytes
        case .verbatim, .upperCased:
          var position = range.lowerBound
          func take(_ upTo: Int) {
            let slice = line.text[position..<upTo]
            if case .upperCased = rendering {
              current += slice.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }
            } else {
              current += slice
            }
            position = upTo
          }
          while next < boundaries && line.boundary(next) < range.upperBound {
            take(max(position, line.boundary(next)))
            verbatimBreak()
          }
          take(range.upperBound)
        }
      case .space(let range, let spacing):
        var consumed: [Int] = []
        while next < boundaries && line.boundary(next) <= range.upperBound {
          consumed.append(next)
          next += 1
        }
        switch spacing {
        case .leading:
          if !consumed.isEmpty {
            output.append([escape])
            for j in consumed { output += comments(j) }
            current = Self.indent
          }
        case .trailing:
          for j in consumed { after += comments(j) }
        case .between(let inline, let beforeBreak):
          if consumed.isEmpty {
            current += inline
          } else {
            current += beforeBreak + [0x20, escape]
            output.append(current)
            for j in consumed { output += comments(j) }
            current = Self.indent
          }
        }
      }
    }
    while next < boundaries { verbatimBreak() }
    if line.isUnterminated { current += [0x20, escape] }
    output.append(current)
    after += line.comments[line.content.count - 1].map { Self.indent + lines.commentText($0) }
    return output + after
  }
}
