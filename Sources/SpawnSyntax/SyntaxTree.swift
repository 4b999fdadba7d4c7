import SpawnBasics

/// Maps byte offsets in a piece of text back to byte offsets in the source file.
///
/// An instruction continued over several lines is one logical line made of pieces of physical
/// lines (escape characters and comment lines removed); each piece starts at `textOffset` in the
/// text and at `fileOffset` in the file, and runs until the next piece.
public struct SourceMap: Hashable, Sendable {
  public struct Piece: Hashable, Sendable {
    public var textOffset: Int
    public var fileOffset: Int
  }

  public var pieces: [Piece]

  public init(pieces: [Piece]) {
    precondition(!pieces.isEmpty)
    self.pieces = pieces
  }

  /// A map for text copied verbatim from one place in the file.
  public static func contiguous(at fileOffset: Int) -> SourceMap {
    SourceMap(pieces: [Piece(textOffset: 0, fileOffset: fileOffset)])
  }

  private func pieceIndex(_ textOffset: Int) -> Int {
    var low = 0
    var high = pieces.count - 1
    while low < high {
      let mid = (low + high + 1) / 2
      if pieces[mid].textOffset <= textOffset { low = mid } else { high = mid - 1 }
    }
    return low
  }

  /// The file offset of the byte at `textOffset` (the start of a range).
  public func fileOffset(_ textOffset: Int) -> Int {
    let piece = pieces[pieceIndex(textOffset)]
    return piece.fileOffset + (textOffset - piece.textOffset)
  }

  /// The file span of a text range (the end maps from the range's last byte, so a range that
  /// ends where a piece ends does not stretch to the next piece).
  public func fileSpan(_ range: Range<Int>) -> Span {
    let start = fileOffset(range.lowerBound)
    guard range.upperBound > range.lowerBound else { return Span.at(start) }
    let end = fileOffset(range.upperBound - 1) + 1
    return Span(start, max(start, end))
  }

  /// The map of the text that starts at `textOffset` in this text.
  public func shifted(by textOffset: Int) -> SourceMap {
    slice(textOffset..<Int.max)
  }

  /// The map of a sub-range of this text (only the pieces it covers, so taking many words
  /// from one long continued line stays linear).
  public func slice(_ range: Range<Int>) -> SourceMap {
    let first = pieceIndex(range.lowerBound)
    var result = [Piece(textOffset: 0, fileOffset: fileOffset(range.lowerBound))]
    var index = first + 1
    while index < pieces.count && pieces[index].textOffset < range.upperBound {
      result.append(Piece(textOffset: pieces[index].textOffset - range.lowerBound, fileOffset: pieces[index].fileOffset))
      index += 1
    }
    return SourceMap(pieces: result)
  }
}

/// A piece of instruction text and where it came from.
public struct Word: Hashable, Sendable {
  /// The text as the parser split it. Quotes and escapes are still in it, except in exec-form
  /// (JSON) elements, which are decoded.
  public var text: String
  /// Where the word is in the source (for a JSON string: the whole literal, quotes included).
  public var span: Span
  /// Maps byte offsets in `text` to the file, when `text` is a verbatim copy of source bytes.
  public var map: SourceMap?

  public init(text: String, span: Span, map: SourceMap?) {
    self.text = text
    self.span = span
    self.map = map
  }

  /// The file span of a byte range of `text`; the whole word when the text is not verbatim.
  public func span(of range: Range<Int>) -> Span {
    guard let map else { return span }
    let clamped = min(range.lowerBound, text.utf8.count)..<min(range.upperBound, text.utf8.count)
    let mapped = map.fileSpan(clamped)
    // Text decoded from invalid UTF-8 (already an error, SP1001) holds a three-byte U+FFFD for
    // each bad byte, so its offsets run ahead of the file's and could map past the word, or past
    // the end of the file (found by fuzzing). Keep the span inside the word.
    let start = min(max(mapped.start, span.start), span.end)
    return Span(start, min(max(mapped.end, start), span.end))
  }
}

/// Every instruction keyword the parser recognises (spawnc supports a subset; see `Grammar`).
public enum InstructionKind: String, Sendable, CaseIterable {
  case from, run, cmd, entrypoint, copy, add, env, arg, expose, volume, workdir, user, label, stopsignal
  case maintainer, onbuild, healthcheck, shell
  /// A word that is not an instruction.
  case unknown

  public init(keyword: String) {
    // A switch rather than `init(rawValue:)`, which builds an array of every case's name.
    switch keyword.lowercased() {
    case "from": self = .from
    case "run": self = .run
    case "cmd": self = .cmd
    case "entrypoint": self = .entrypoint
    case "copy": self = .copy
    case "add": self = .add
    case "env": self = .env
    case "arg": self = .arg
    case "expose": self = .expose
    case "volume": self = .volume
    case "workdir": self = .workdir
    case "user": self = .user
    case "label": self = .label
    case "stopsignal": self = .stopsignal
    case "maintainer": self = .maintainer
    case "onbuild": self = .onbuild
    case "healthcheck": self = .healthcheck
    case "shell": self = .shell
    default: self = .unknown
    }
  }
}

/// A flag between the keyword and the arguments: `--name=value` or `--name`.
public struct Flag: Hashable, Sendable {
  /// The flag as BuildKit extracts it: quotes removed, escapes applied.
  public var word: Word

  public init(word: Word) { self.word = word }

  /// The name without the leading dashes.
  public var name: String {
    let body = word.text.dropFirst(2)
    return String(body.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? body)
  }

  /// The text after the first `=`, or nil for a bare flag.
  public var value: String? {
    guard let equals = word.text.firstIndex(of: "=") else { return nil }
    return String(word.text[word.text.index(after: equals)...])
  }

  /// The span of the value, for diagnostics about it (the whole flag when there is no value).
  public var valueSpan: Span {
    guard let value else { return word.span }
    let count = word.text.utf8.count
    return word.span(of: (count - value.utf8.count)..<count)
  }
}

/// `NAME=value` (or legacy `NAME value`) in ENV and LABEL. Both parts keep their quotes.
public struct KeyValue: Hashable, Sendable {
  public var key: Word
  public var value: Word
  /// `"="` for `NAME=value`, `""` for the legacy `NAME value` form.
  public var separator: String

  public init(key: Word, value: Word, separator: String) {
    self.key = key
    self.value = value
    self.separator = separator
  }
}

/// A here-document: `<<EOF` on the instruction line, the body on the lines after it.
public struct Heredoc: Hashable, Sendable {
  /// The delimiter with quotes removed.
  public var name: String
  /// The `<<EOF` word on the instruction line.
  public var marker: Word
  /// The body: every line up to (not including) the delimiter line, each with its `\n`.
  public var body: Word
  /// False when any part of the delimiter was quoted (`<<"EOF"`): the body is taken literally.
  public var expands: Bool
  /// `<<-EOF`: leading tabs are removed from the body lines and the delimiter line.
  public var stripsTabs: Bool
  /// The file descriptor in `3<<EOF` (0 when not given).
  public var fileDescriptor: Int
}

/// The arguments of an instruction, in the shape the instruction's parser gave them.
public indirect enum Arguments: Hashable, Sendable {
  /// No arguments at all.
  case none
  /// Exec form: a JSON array of strings (RUN, CMD, ENTRYPOINT, SHELL, COPY, ADD, VOLUME).
  case exec([Word])
  /// The rest of the line as one piece: shell form, or USER, WORKDIR, STOPSIGNAL, MAINTAINER.
  case text(Word)
  /// Whitespace-separated words (FROM, EXPOSE, and COPY, ADD, VOLUME when not JSON), or the
  /// quote-aware words of ARG.
  case words([Word])
  /// ENV and LABEL pairs.
  case pairs([KeyValue])
  /// ONBUILD's wrapped instruction.
  case trigger(Instruction)
  /// HEALTHCHECK's type word (`CMD`, `NONE`) and its command.
  case healthcheck(kind: Word, command: Arguments)
  /// An unknown instruction's arguments, which are not parsed.
  case ignored
}

/// One instruction: a keyword, flags, arguments and any here-documents.
public struct Instruction: Hashable, Sendable {
  public var keyword: Word
  public var kind: InstructionKind
  public var flags: [Flag]
  public var arguments: Arguments
  public var heredocs: [Heredoc]
  /// The raw argument text after the flags, trimmed (before any per-instruction parsing).
  public var argumentText: Word
  /// From the keyword to the end of the instruction's last line, not counting here-document bodies.
  public var span: Span
  /// 0-based indices of the first and last physical line, here-document bodies included.
  public var lines: ClosedRange<Int>
  /// The parser reported a problem with this instruction; later phases stay quiet about it.
  public var isMalformed: Bool

  public init(
    keyword: Word, kind: InstructionKind, flags: [Flag], arguments: Arguments, heredocs: [Heredoc],
    argumentText: Word, span: Span, lines: ClosedRange<Int>, isMalformed: Bool
  ) {
    self.keyword = keyword
    self.kind = kind
    self.flags = flags
    self.arguments = arguments
    self.heredocs = heredocs
    self.argumentText = argumentText
    self.span = span
    self.lines = lines
    self.isMalformed = isMalformed
  }

  /// Exec form (a JSON array) rather than shell form.
  public var isExecForm: Bool {
    if case .exec = arguments { return true }
    return false
  }
}

/// A parser directive at the top of the file: `# escape=\``.
public struct Directive: Hashable, Sendable {
  public var name: String
  public var value: String
  public var span: Span
  public var valueSpan: Span
}

/// A comment line (`# ...`), kept so that a formatter can put it back.
public struct Comment: Hashable, Sendable {
  /// The text after `#`, trimmed.
  public var text: String
  public var span: Span
  /// 0-based physical line.
  public var line: Int
}

/// What the parser returns: the instructions, the trivia around them and the diagnostics.
public struct SyntaxTree: Sendable {
  public var file: SourceFile
  public var directives: [Directive]
  /// `\` or `` ` ``.
  public var escapeToken: Unicode.Scalar
  public var instructions: [Instruction]
  public var comments: [Comment]
  public var diagnostics: [Diagnostic]
}
