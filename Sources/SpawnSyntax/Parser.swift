import SpawnBasics

/// Turns Spawnfile text into a `SyntaxTree`. It never fails: problems become diagnostics and
/// parsing resumes at the next instruction.
///
/// Line handling follows BuildKit's `frontend/dockerfile/parser` exactly (directives, escape
/// character, continuation, comments inside continuations, here-documents, flag extraction and
/// the per-instruction argument shapes), so that `Dump.buildkit(tree)` reproduces BuildKit's own
/// `Node.Dump()` on its conformance files.
public enum Parser {
  /// Inputs larger than this are refused (SP1004).
  public static let maximumFileSize = 64 << 20

  public static func parse(_ file: SourceFile) -> SyntaxTree {
    var parser = ParserState(file: file)
    parser.run()
    return SyntaxTree(
      file: file, directives: parser.directives, escapeToken: Unicode.Scalar(parser.escape),
      instructions: parser.instructions, comments: parser.comments, diagnostics: parser.diagnostics.diagnostics)
  }
}

/// The text of one instruction after continuation lines were joined.
struct LogicalLine {
  var bytes: [UInt8]
  var map: SourceMap

  func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

  func word(_ range: Range<Int>) -> Word {
    Word(text: text(range), span: map.fileSpan(range), map: map.slice(range))
  }

  func span(_ range: Range<Int>) -> Span { map.fileSpan(range) }

  /// The sub-line from `offset`, as ONBUILD needs for its wrapped instruction.
  func suffix(from offset: Int) -> LogicalLine {
    LogicalLine(bytes: Array(bytes[offset...]), map: map.shifted(by: offset))
  }
}

/// The physical lines of a file as byte ranges, each including its `\n`, read off the file's
/// index of line starts (a final line without `\n` counts; an empty file has none).
struct PhysicalLines {
  let starts: [Int]
  let end: Int

  var count: Int { starts.count - 1 + (starts[starts.count - 1] < end ? 1 : 0) }

  subscript(index: Int) -> Range<Int> {
    starts[index]..<(index + 1 < starts.count ? starts[index + 1] : end)
  }
}

private struct ParserState {
  let file: SourceFile
  let bytes: [UInt8]
  var escape: UInt8 = UInt8(ascii: "\\")
  var directivesDone = false
  var seenDirectives: Set<String> = []
  var directives: [Directive] = []
  var instructions: [Instruction] = []
  var comments: [Comment] = []
  var diagnostics = DiagnosticBag()
  /// Byte ranges of the physical lines, each including its `\n` (BuildKit's scanner keeps it).
  let lines: PhysicalLines

  init(file: SourceFile) {
    self.file = file
    self.bytes = file.bytes
    self.lines = PhysicalLines(starts: file.lineStarts, end: file.bytes.count)
  }

  mutating func run() {
    guard bytes.count <= Parser.maximumFileSize else {
      diagnostics.report(
        .fileTooLarge, "the file is \(bytes.count >> 20) MiB; spawnc reads recipes up to \(Parser.maximumFileSize >> 20) MiB",
        at: Span.at(0), help: "Split the recipe, or check that this is the file you meant.")
      return
    }
    checkEncoding()

    var index = 0
    while index < lines.count {
      var raw = lines[index]
      if index == 0, bytes[raw].starts(with: [0xEF, 0xBB, 0xBF]) {
        raw = (raw.lowerBound + 3)..<raw.upperBound
      }
      let firstLine = index
      index += 1
      let wasComment = isComment(raw)
      let (token, isDirective) = processLine(raw, stripLeadingWhitespace: true)
      if wasComment && !isDirective { recordComment(raw, line: firstLine) }

      var (content, isEnd) = trimContinuation(token)
      if isEnd && content.isEmpty { continue }

      var logical: [UInt8] = Array(bytes[content])
      var pieces = [SourceMap.Piece(textOffset: 0, fileOffset: content.lowerBound)]
      var lastByteEnd = content.upperBound
      while !isEnd && index < lines.count {
        let physical = lines[index]
        let (token, _) = processLine(physical, stripLeadingWhitespace: false)
        index += 1
        if isComment(physical) {
          recordComment(physical, line: index - 1)
          continue
        }
        if isBlank(token) {
          diagnostics.report(
            .emptyContinuationLine, "empty line inside a continued instruction",
            at: Span.at(physical.lowerBound),
            help: "Remove the blank line, or end the instruction on the line before it.",
            fixIts: [.replace(Span(physical.lowerBound, physical.upperBound), with: "", "remove the empty line")])
          continue
        }
        (content, isEnd) = trimContinuation(token)
        pieces.append(SourceMap.Piece(textOffset: logical.count, fileOffset: content.lowerBound))
        logical.append(contentsOf: bytes[content])
        if !content.isEmpty { lastByteEnd = content.upperBound }
      }
      if !isEnd {
        let lastLine = lines[index - 1]
        diagnostics.report(
          .continuationAtEOF, "the file ends in the middle of a continued instruction",
          at: Span.at(trimmedEnd(lastLine)),
          help: "Remove the trailing escape character if the instruction is complete.")
      }

      let line = LogicalLine(bytes: logical, map: SourceMap(pieces: pieces))
      var instruction = parseInstruction(line, firstLine: firstLine)
      instruction.span = Span(instruction.keyword.span.start, max(instruction.keyword.span.end, lastByteEnd))
      instruction.lines = firstLine...(index - 1)
      if canContainHeredoc(instruction), logical.contains(UInt8(ascii: "<")) {
        readHeredocs(into: &instruction, line: line, nextLine: &index)
      }
      instructions.append(instruction)
    }

    if instructions.isEmpty {
      diagnostics.report(
        .noInstructions, bytes.isEmpty ? "the file is empty" : "the file has no instructions",
        at: Span.at(bytes.count),
        help: "A Spawnfile starts with `FROM sha256:<id>` and, for a service, has a `CMD` or `ENTRYPOINT`.")
    }
  }

  // MARK: Encoding and lines

  mutating func checkEncoding() {
    if let nul = bytes.firstIndex(of: 0) {
      diagnostics.report(
        .nulByte, "the file contains a NUL byte; is it a binary file?", at: Span(nul, nul + 1),
        help: "A Spawnfile is text. Check that this is the file you meant.")
    }
    if let invalid = UTF8Decoding.firstInvalidOffset(bytes) {
      diagnostics.report(
        .invalidUTF8, "invalid UTF-8 byte 0x\(String(bytes[invalid], radix: 16, uppercase: true))",
        at: Span(invalid, invalid + 1),
        help: "Re-encode the file as UTF-8, e.g. `iconv -f latin1 -t utf-8`.")
    }
  }


  /// The range without trailing `\r` and `\n` bytes (BuildKit's `trimNewline`).
  func trimNewline(_ range: Range<Int>) -> Range<Int> {
    var end = range.upperBound
    while end > range.lowerBound && (bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D) { end -= 1 }
    return range.lowerBound..<end
  }

  func trimmedEnd(_ range: Range<Int>) -> Int { trimNewline(range).upperBound }

  /// Skips leading Unicode whitespace (Go's `unicode.IsSpace`).
  func trimLeadingWhitespace(_ range: Range<Int>) -> Range<Int> {
    var start = range.lowerBound
    while start < range.upperBound {
      let (scalar, width) = UTF8Decoding.decode(bytes, at: start, end: range.upperBound)
      guard ShellLexer.isSpace(scalar) else { break }
      start += width
    }
    return start..<range.upperBound
  }

  func isComment(_ range: Range<Int>) -> Bool {
    let trimmed = trimLeadingWhitespace(range)
    return !trimmed.isEmpty && bytes[trimmed.lowerBound] == UInt8(ascii: "#")
  }

  func isBlank(_ range: Range<Int>) -> Bool { trimLeadingWhitespace(trimNewline(range)).isEmpty }

  mutating func recordComment(_ range: Range<Int>, line: Int) {
    let trimmed = trimLeadingWhitespace(trimNewline(range))
    let text = String(decoding: bytes[(trimmed.lowerBound + 1)..<trimmed.upperBound], as: UTF8.self)
    comments.append(
      Comment(text: Self.trimSpaces(text), span: Span(trimmed.lowerBound, trimmed.upperBound), line: line))
  }

  static func trimSpaces(_ text: String) -> String {
    var scalars = Substring(text).unicodeScalars[...]
    while let first = scalars.first, ShellLexer.isSpace(first) { scalars.removeFirst() }
    while let last = scalars.last, ShellLexer.isSpace(last) { scalars.removeLast() }
    return String(String.UnicodeScalarView(scalars))
  }

  /// BuildKit's `processLine`: trims the newline (and leading blanks on instruction lines), feeds
  /// the directive parser, and empties comment lines.
  mutating func processLine(_ raw: Range<Int>, stripLeadingWhitespace: Bool) -> (Range<Int>, Bool) {
    var token = trimNewline(raw)
    if stripLeadingWhitespace { token = trimLeadingWhitespace(token) }
    let isDirective = parseDirective(token)
    if isComment(token) { return (token.lowerBound..<token.lowerBound, isDirective) }
    return (token, isDirective)
  }

  /// BuildKit's `trimContinuationCharacter`: the escape character as the last non-blank
  /// character (not itself escaped) continues the instruction on the next line.
  func trimContinuation(_ range: Range<Int>) -> (Range<Int>, Bool) {
    var end = range.upperBound
    while end > range.lowerBound && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
    guard end > range.lowerBound, bytes[end - 1] == escape else { return (range, true) }
    let escapeIndex = end - 1
    if escapeIndex == range.lowerBound { return (range.lowerBound..<range.lowerBound, false) }
    if bytes[escapeIndex - 1] == escape { return (range, true) }
    return (range.lowerBound..<escapeIndex, false)
  }

  // MARK: Directives

  /// Recognises `# name=value` while directives are still allowed; returns whether it was one.
  mutating func parseDirective(_ token: Range<Int>) -> Bool {
    guard !directivesDone else { return false }
    guard !token.isEmpty, bytes[token.lowerBound] == UInt8(ascii: "#") else {
      directivesDone = true
      return false
    }
    let isRegexSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0C || $0 == 0x0D }
    let body = trimLeadingWhitespace((token.lowerBound + 1)..<token.upperBound)
    var cursor = body.lowerBound
    let isLetter: (UInt8) -> Bool = { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }
    let isDigit: (UInt8) -> Bool = { $0 >= 0x30 && $0 <= 0x39 }
    guard cursor < body.upperBound, isLetter(bytes[cursor]) else {
      directivesDone = true
      return false
    }
    while cursor < body.upperBound && (isLetter(bytes[cursor]) || isDigit(bytes[cursor])) { cursor += 1 }
    let nameRange = body.lowerBound..<cursor
    while cursor < body.upperBound && isRegexSpace(bytes[cursor]) { cursor += 1 }
    guard cursor < body.upperBound, bytes[cursor] == UInt8(ascii: "=") else {
      directivesDone = true
      return false
    }
    cursor += 1
    while cursor < body.upperBound && isRegexSpace(bytes[cursor]) { cursor += 1 }
    var valueEnd = body.upperBound
    while valueEnd > cursor && isRegexSpace(bytes[valueEnd - 1]) { valueEnd -= 1 }
    guard valueEnd > cursor else {
      directivesDone = true
      return false
    }
    let name = String(decoding: bytes[nameRange], as: UTF8.self).lowercased()
    guard name == "syntax" || name == "escape" || name == "check" else {
      directivesDone = true
      return false
    }
    let value = String(decoding: bytes[cursor..<valueEnd], as: UTF8.self)
    let span = Span(token.lowerBound, token.upperBound)
    let valueSpan = Span(cursor, valueEnd)
    if seenDirectives.contains(name) {
      diagnostics.report(
        .duplicateDirective, "the `\(name)` directive is given twice", at: span,
        help: "Keep one `# \(name)=` line at the top of the file.",
        notes: directives.filter { $0.name == name }.map { DiagnosticNote("first given here", at: $0.span) })
      return false
    }
    seenDirectives.insert(name)
    if name == "escape" {
      guard value == "\\" || value == "`" else {
        diagnostics.report(
          .invalidEscapeDirective, "invalid escape character `\(value)`; it must be `\\` or `` ` ``", at: valueSpan,
          help: "Write `# escape=\\` (the default) or `# escape=``.")
        return false
      }
      escape = value.utf8.first!
    }
    directives.append(Directive(name: name, value: value, span: span, valueSpan: valueSpan))
    return true
  }

  // MARK: Instructions

  func isSplitSpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0B || byte == 0x0C || byte == 0x0D
  }

  /// The range without leading and trailing Unicode whitespace (Go's `strings.TrimSpace`).
  func trimSpace(_ line: LogicalLine, _ range: Range<Int>) -> Range<Int> {
    var start = range.lowerBound
    while start < range.upperBound {
      let (scalar, width) = UTF8Decoding.decode(line.bytes, at: start, end: range.upperBound)
      guard ShellLexer.isSpace(scalar) else { break }
      start += width
    }
    var end = range.upperBound
    while end > start {
      var begin = end - 1
      while begin > start && line.bytes[begin] & 0xC0 == 0x80 { begin -= 1 }
      let (scalar, width) = UTF8Decoding.decode(line.bytes, at: begin, end: end)
      guard begin + width == end, ShellLexer.isSpace(scalar) else { break }
      end = begin
    }
    return start..<end
  }

  /// BuildKit's `newNodeFromLine`: keyword, flags, then the instruction's own argument parser.
  mutating func parseInstruction(_ line: LogicalLine, firstLine: Int) -> Instruction {
    let trimmed = trimSpace(line, 0..<line.bytes.count)
    var keywordEnd = trimmed.lowerBound
    while keywordEnd < trimmed.upperBound && !isSplitSpace(line.bytes[keywordEnd]) { keywordEnd += 1 }
    var restStart = keywordEnd
    while restStart < trimmed.upperBound && isSplitSpace(line.bytes[restStart]) { restStart += 1 }

    let keyword = line.word(trimmed.lowerBound..<keywordEnd)
    var flags: [Flag] = []
    var argumentRange = trimmed.upperBound..<trimmed.upperBound
    if restStart < trimmed.upperBound {
      let (flagWords, remainder) = extractFlags(line, restStart..<trimmed.upperBound)
      flags = flagWords.map(Flag.init(word:))
      argumentRange = trimSpace(line, remainder)
    }
    let kind = InstructionKind(keyword: keyword.text)
    var malformed = false
    let arguments = parseArguments(kind, keyword: keyword, line, argumentRange, malformed: &malformed)
    return Instruction(
      keyword: keyword, kind: kind, flags: flags, arguments: arguments, heredocs: [],
      argumentText: line.word(argumentRange), span: line.span(trimmed), lines: firstLine...firstLine,
      isMalformed: malformed)
  }

  /// BuildKit's `extractBuilderFlags`: leading words that start with `--`, up to a bare `--`.
  /// Works byte by byte, as BuildKit does.
  func extractFlags(_ line: LogicalLine, _ range: Range<Int>) -> ([Word], Range<Int>) {
    enum Phase { case spaces, word, quote }
    var words: [Word] = []
    var phase = Phase.spaces
    var text: [UInt8] = []
    var quote: UInt8 = 0
    var blankOK = false
    var wordStart = range.lowerBound
    var position = range.lowerBound
    let end = range.upperBound
    let bytes = line.bytes
    func isSpace(_ byte: UInt8) -> Bool { (byte >= 0x09 && byte <= 0x0D) || byte == 0x20 || byte == 0x85 || byte == 0xA0 }
    func makeWord(_ upTo: Int) -> Word {
      Word(text: String(decoding: text, as: UTF8.self), span: line.span(wordStart..<upTo), map: nil)
    }

    while position <= end {
      let ch: UInt8 = position < end ? bytes[position] : 0
      if phase == .spaces {
        if position == end { break }
        if isSpace(ch) {
          position += 1
          continue
        }
        if ch != UInt8(ascii: "-") || position + 1 == end || bytes[position + 1] != UInt8(ascii: "-") {
          return (words, position..<end)
        }
        phase = .word
        wordStart = position
      }
      if phase != .spaces && position == end {
        if text != [0x2D, 0x2D] && (blankOK || !text.isEmpty) { words.append(makeWord(position)) }
        break
      }
      if phase == .word {
        if isSpace(ch) {
          phase = .spaces
          if text == [0x2D, 0x2D] { return (words, position..<end) }
          if blankOK || !text.isEmpty { words.append(makeWord(position)) }
          text = []
          blankOK = false
          position += 1
          continue
        }
        if ch == UInt8(ascii: "'") || ch == UInt8(ascii: "\"") {
          quote = ch
          blankOK = true
          phase = .quote
          position += 1
          continue
        }
        var current = ch
        if ch == escape {
          if position + 1 == end {
            position += 1
            continue
          }
          position += 1
          current = bytes[position]
        }
        text.append(current)
        position += 1
        continue
      }
      // Inside quotes.
      if ch == quote {
        phase = .word
        position += 1
        continue
      }
      var current = ch
      if ch == escape {
        if position + 1 == end {
          phase = .word
          position += 1
          continue
        }
        position += 1
        current = bytes[position]
      }
      text.append(current)
      position += 1
    }
    return (words, end..<end)
  }

  mutating func parseArguments(
    _ kind: InstructionKind, keyword: Word, _ line: LogicalLine, _ range: Range<Int>, malformed: inout Bool
  ) -> Arguments {
    switch kind {
    case .run, .cmd, .entrypoint, .shell:
      return parseMaybeJSON(kind, line, range, malformed: &malformed)
    case .copy, .add, .volume:
      if range.isEmpty { return .none }
      switch JSONArray.parse(line.bytes, range) {
      case .strings(let strings): return .exec(strings.map { jsonWord($0, line) })
      case .notAllStrings(let element):
        reportNonString(line, element)
        malformed = true
        return .none
      case .notAnArray, .invalid:
        return .words(splitWhitespace(line, range))
      }
    case .from, .expose:
      return range.isEmpty ? .none : .words(splitWhitespace(line, range))
    case .user, .workdir, .stopsignal, .maintainer:
      return range.isEmpty ? .none : .text(line.word(range))
    case .env, .label:
      return parseNameValue(kind, keyword: keyword, line, range, malformed: &malformed)
    case .arg:
      let words = parseWords(line, range)
      return words.isEmpty ? .none : .words(words)
    case .onbuild:
      if range.isEmpty { return .none }
      let trigger = parseInstruction(line.suffix(from: range.lowerBound).prefix(range.count), firstLine: 0)
      if trigger.isMalformed { malformed = true }
      return .trigger(trigger)
    case .healthcheck:
      if range.isEmpty { return .none }
      var separator = range.lowerBound
      func byteIsSpace(_ byte: UInt8) -> Bool { (byte >= 0x09 && byte <= 0x0D) || byte == 0x20 || byte == 0x85 || byte == 0xA0 }
      while separator < range.upperBound && !byteIsSpace(line.bytes[separator]) { separator += 1 }
      var next = separator
      while next < range.upperBound && byteIsSpace(line.bytes[next]) { next += 1 }
      let command = parseMaybeJSON(kind, line, next..<range.upperBound, malformed: &malformed)
      return .healthcheck(kind: line.word(range.lowerBound..<separator), command: command)
    case .unknown:
      return .ignored
    }
  }

  func jsonWord(_ element: JSONArray.Element, _ line: LogicalLine) -> Word {
    Word(text: element.value, span: line.span(element.range), map: nil)
  }

  mutating func reportNonString(_ line: LogicalLine, _ element: Range<Int>) {
    diagnostics.report(
      .nonStringJSON, "exec-form arrays may only hold strings", at: line.span(element),
      help: "Put the element in double quotes, e.g. `[\"sleep\", \"10\"]`.")
  }

  /// BuildKit's `parseMaybeJSON`: a JSON array of strings is the exec form, anything else is
  /// one shell-form string.
  mutating func parseMaybeJSON(
    _ kind: InstructionKind, _ line: LogicalLine, _ range: Range<Int>, malformed: inout Bool
  ) -> Arguments {
    if range.isEmpty { return .none }
    let trimmed = trimSpace(line, range).lowerBound..<range.upperBound
    switch JSONArray.parse(line.bytes, trimmed) {
    case .strings(let strings):
      return .exec(strings.map { jsonWord($0, line) })
    case .notAllStrings(let element):
      reportNonString(line, element)
      malformed = true
      return .none
    case .invalid:
      if kind == .run || kind == .cmd || kind == .entrypoint, looksLikeIntendedJSON(line, trimmed) {
        warnJSONLike(line, range)
      }
    case .notAnArray:
      if kind == .run || kind == .cmd || kind == .entrypoint, isQuotedJSON(line, trimmed) {
        warnJSONLike(line, range)
      }
    }
    return .text(line.word(range))
  }

  mutating func warnJSONLike(_ line: LogicalLine, _ range: Range<Int>) {
    diagnostics.report(
      .jsonLikeShellForm, "this is not a valid JSON array, so it runs as a shell command", at: line.span(range),
      help: "Exec form needs JSON: double-quoted strings, commas between them, and a closing `]`, e.g. `[\"/app\", \"-v\"]`.")
  }

  /// `['a', 'b']`, `["a", "b"` and the like: the author meant exec form.
  func looksLikeIntendedJSON(_ line: LogicalLine, _ range: Range<Int>) -> Bool {
    var cursor = range.lowerBound + 1
    while cursor < range.upperBound && (line.bytes[cursor] == 0x20 || line.bytes[cursor] == 0x09) { cursor += 1 }
    guard cursor < range.upperBound else { return false }
    if line.bytes[cursor] == UInt8(ascii: "'") { return true }
    return cursor == range.lowerBound + 1 && line.bytes[cursor] == UInt8(ascii: "\"")
  }

  /// `'["a", "b"]'` or `"[\"a\"]"`: a JSON array wrapped in shell quotes.
  func isQuotedJSON(_ line: LogicalLine, _ range: Range<Int>) -> Bool {
    guard range.count >= 4 else { return false }
    let first = line.bytes[range.lowerBound]
    let last = line.bytes[range.upperBound - 1]
    guard first == last, first == UInt8(ascii: "'") || first == UInt8(ascii: "\"") else { return false }
    return line.bytes[range.lowerBound + 1] == UInt8(ascii: "[")
      && line.bytes[range.upperBound - 2] == UInt8(ascii: "]")
  }

  /// BuildKit's `parseStringsWhitespaceDelimited`: split at runs of ASCII blanks.
  func splitWhitespace(_ line: LogicalLine, _ range: Range<Int>) -> [Word] {
    var words: [Word] = []
    var start = range.lowerBound
    var cursor = range.lowerBound
    while cursor <= range.upperBound {
      if cursor == range.upperBound || isSplitSpace(line.bytes[cursor]) {
        words.append(line.word(start..<cursor))
        while cursor < range.upperBound && isSplitSpace(line.bytes[cursor]) { cursor += 1 }
        start = cursor
        if cursor == range.upperBound { break }
        continue
      }
      cursor += 1
    }
    return words
  }

  /// BuildKit's `parseWords`: words separated by Unicode whitespace, with quotes and escapes
  /// kept in the text (they are processed later, during variable expansion).
  func parseWords(_ line: LogicalLine, _ range: Range<Int>) -> [Word] {
    enum Phase { case spaces, word, quote }
    var words: [Word] = []
    var phase = Phase.spaces
    var quote: Unicode.Scalar = "\0"
    var blankOK = false
    // The word's text as UTF-8 (appending bytes is far cheaper than appending scalars to a String).
    var built: [UInt8] = []
    func add(_ scalar: Unicode.Scalar) {
      if scalar.value < 0x80 { built.append(UInt8(truncatingIfNeeded: scalar.value)) } else { built.append(contentsOf: scalar.utf8) }
    }
    var wordStart = range.lowerBound
    var position = range.lowerBound
    let end = range.upperBound
    let escapeScalar = Unicode.Scalar(escape)
    func finish(_ upTo: Int) -> Word {
      Word(text: String(decoding: built, as: UTF8.self), span: line.span(wordStart..<upTo), map: line.map.slice(wordStart..<upTo))
    }

    while position <= end {
      var (ch, width): (Unicode.Scalar, Int) = ("\0", 0)
      if position < end { (ch, width) = UTF8Decoding.decode(line.bytes, at: position, end: end) }
      if phase == .spaces {
        if position == end { break }
        if ShellLexer.isSpace(ch) {
          position += width
          continue
        }
        phase = .word
        wordStart = position
      }
      if phase != .spaces && position == end {
        if blankOK || !built.isEmpty { words.append(finish(position)) }
        break
      }
      if phase == .word {
        if ShellLexer.isSpace(ch) {
          phase = .spaces
          if blankOK || !built.isEmpty { words.append(finish(position)) }
          built.removeAll(keepingCapacity: true)
          blankOK = false
          position += width
          continue
        }
        if ch == "'" || ch == "\"" {
          quote = ch
          blankOK = true
          phase = .quote
        }
        if ch == escapeScalar {
          if position + width == end {
            position += width
            continue
          }
          add(ch)
          position += width
          (ch, width) = UTF8Decoding.decode(line.bytes, at: position, end: end)
        }
        add(ch)
        position += width
        continue
      }
      // Inside quotes.
      if ch == quote { phase = .word }
      if ch == escapeScalar && quote != "'" {
        if position + width == end {
          phase = .word
          position += width
          continue
        }
        position += width
        add(ch)
        (ch, width) = UTF8Decoding.decode(line.bytes, at: position, end: end)
      }
      add(ch)
      position += width
    }
    return words
  }

  /// BuildKit's `parseNameVal` for ENV and LABEL: `NAME=value ...`, or legacy `NAME value`.
  mutating func parseNameValue(
    _ kind: InstructionKind, keyword: Word, _ line: LogicalLine, _ range: Range<Int>, malformed: inout Bool
  ) -> Arguments {
    let words = parseWords(line, range)
    guard let first = words.first else { return .none }
    let name = kind.rawValue.uppercased()

    if !first.text.contains("=") {
      var keyEnd = range.lowerBound
      while keyEnd < range.upperBound && !isSplitSpace(line.bytes[keyEnd]) { keyEnd += 1 }
      var valueStart = keyEnd
      while valueStart < range.upperBound && isSplitSpace(line.bytes[valueStart]) { valueStart += 1 }
      guard keyEnd < range.upperBound else {
        let key = line.text(range.lowerBound..<keyEnd)
        diagnostics.report(
          .missingArguments, "`\(name) \(key)` has no value", at: Span.at(line.span(range).end),
          help: "Write `\(name) \(key)=value`; use `\(name) \(key)=\"\"` for an empty value.")
        malformed = true
        return .none
      }
      return .pairs([
        KeyValue(key: line.word(range.lowerBound..<keyEnd), value: line.word(valueStart..<range.upperBound), separator: "")
      ])
    }

    var pairs: [KeyValue] = []
    for word in words {
      guard let equals = word.text.utf8.firstIndex(of: UInt8(ascii: "=")) else {
        diagnostics.report(
          .missingEquals, "expected `NAME=value`, found `\(word.text)`", at: word.span,
          help: "Once the first pair uses `=`, every word must be a `NAME=value` pair. Quote values with spaces: `\(name) A=\"x y\"`.")
        malformed = true
        return .none
      }
      let split = word.text.utf8.distance(from: word.text.utf8.startIndex, to: equals)
      let count = word.text.utf8.count
      let keyText = String(decoding: Array(word.text.utf8)[..<split], as: UTF8.self)
      let valueText = String(decoding: Array(word.text.utf8)[(split + 1)...], as: UTF8.self)
      let key = Word(text: keyText, span: word.span(of: 0..<split), map: word.map)
      let valueMap = word.map.map { $0.shifted(by: split + 1) }
      let value = Word(text: valueText, span: word.span(of: (split + 1)..<count), map: valueMap)
      pairs.append(KeyValue(key: key, value: value, separator: "="))
    }
    return .pairs(pairs)
  }

  // MARK: Here-documents

  func canContainHeredoc(_ instruction: Instruction) -> Bool {
    var target = instruction
    if target.kind == .onbuild, case .trigger(let trigger) = target.arguments { target = trigger }
    guard target.kind == .run || target.kind == .copy || target.kind == .add else { return false }
    return !target.isExecForm
  }

  /// Finds `<<EOF` words on the instruction line and reads each body from the following lines.
  mutating func readHeredocs(into instruction: inout Instruction, line: LogicalLine, nextLine index: inout Int) {
    let text = String(decoding: line.bytes, as: UTF8.self)
    guard text.contains("<<") else { return }
    var lexer = ShellLexer(escapeToken: "\\")
    lexer.rawQuotes = true
    lexer.rawEscapes = true
    lexer.skipUnsetEnv = true
    let words: [String]
    do {
      words = try lexer.process(text, lookup: { _ in nil }).words
    } catch {
      if error.kind == .tooDeep {
        // The checker never sees this instruction's here-documents, so it is reported here.
        diagnostics.report(
          .substitutionTooDeep, error.message,
          at: line.span(error.range),
          help: "Compute the value in steps with intermediate variables, e.g. `ARG INNER=${B:-default}` and then `${A:-$INNER}`.")
        instruction.isMalformed = true
      }
      return
    }

    var searchFrom = 0
    for word in words {
      guard let (name, expands, stripsTabs, descriptor) = Parser.heredocWord(word) else { continue }
      // Locate the marker in the line for diagnostics: the next `<<`, widened to its word.
      let markerRange = markerRange(in: line, from: &searchFrom)
      let marker = line.word(markerRange)
      var bodyStart: Int? = nil
      var bodyEnd = 0
      var terminated = false
      while index < lines.count {
        let physical = lines[index]
        index += 1
        var candidate = trimNewline(physical)
        if stripsTabs {
          while !candidate.isEmpty && bytes[candidate.lowerBound] == 0x09 {
            candidate = (candidate.lowerBound + 1)..<candidate.upperBound
          }
        }
        if bytes[candidate].elementsEqual(name.utf8) {
          terminated = true
          break
        }
        if bodyStart == nil { bodyStart = physical.lowerBound }
        bodyEnd = physical.upperBound
      }
      let start = bodyStart ?? (index < lines.count ? lines[index].lowerBound : bytes.count)
      let end = bodyStart == nil ? start : bodyEnd
      let body = Word(
        text: String(decoding: bytes[start..<end], as: UTF8.self), span: Span(start, end), map: .contiguous(at: start))
      instruction.heredocs.append(
        Heredoc(
          name: name, marker: marker, body: body, expands: expands, stripsTabs: stripsTabs,
          fileDescriptor: descriptor))
      instruction.lines = instruction.lines.lowerBound...(index - 1)
      if !terminated {
        diagnostics.report(
          .unterminatedHeredoc, "the here-document `\(name)` is never terminated", at: marker.span,
          help: "End the here-document with a line that holds exactly `\(name)`.")
        instruction.isMalformed = true
        return
      }
    }
  }

  func markerRange(in line: LogicalLine, from searchFrom: inout Int) -> Range<Int> {
    let bytes = line.bytes
    var cursor = searchFrom
    while cursor + 1 < bytes.count && !(bytes[cursor] == UInt8(ascii: "<") && bytes[cursor + 1] == UInt8(ascii: "<")) {
      cursor += 1
    }
    guard cursor + 1 < bytes.count else { return 0..<bytes.count }
    var start = cursor
    while start > 0 && bytes[start - 1] >= 0x30 && bytes[start - 1] <= 0x39 { start -= 1 }
    var end = cursor + 2
    if end < bytes.count && bytes[end] == UInt8(ascii: "-") { end += 1 }
    while end < bytes.count && (bytes[end] == 0x20 || bytes[end] == 0x09) { end += 1 }
    while end < bytes.count && !isSplitSpace(bytes[end]) && !(bytes[end] == UInt8(ascii: "<")) { end += 1 }
    searchFrom = end
    return start..<end
  }

}

extension Parser {
  /// The delimiter if `word` is a here-document marker (`<<EOF`, `<<-"EOF"`, `3<<EOF`).
  public static func heredocName(_ word: String) -> String? { heredocWord(word)?.name }

  /// Whether the whole text is one here-document marker.
  public static func isHeredocWord(_ text: String) -> Bool { heredocName(text) != nil }

  /// BuildKit's `heredocFromMatch` on one word: `^(\d*)<<(-?)\s*([^<]*)$`.
  static func heredocWord(_ word: String) -> (name: String, expands: Bool, stripsTabs: Bool, descriptor: Int)? {
    let scalars = Array(word.unicodeScalars)
    var cursor = 0
    while cursor < scalars.count && scalars[cursor].isASCII && scalars[cursor].value >= 0x30 && scalars[cursor].value <= 0x39 {
      cursor += 1
    }
    let descriptor = Int(String(String.UnicodeScalarView(scalars[..<cursor]))) ?? 0
    guard cursor + 1 < scalars.count, scalars[cursor] == "<", scalars[cursor + 1] == "<" else { return nil }
    cursor += 2
    var stripsTabs = false
    if cursor < scalars.count && scalars[cursor] == "-" {
      stripsTabs = true
      cursor += 1
    }
    while cursor < scalars.count && [" ", "\t", "\n", "\u{0C}", "\r"].contains(scalars[cursor]) { cursor += 1 }
    let rest = scalars[cursor...]
    guard !rest.isEmpty, !rest.contains("<") else { return nil }
    let restText = String(String.UnicodeScalarView(rest))
    var lexer = ShellLexer(escapeToken: "\\")
    lexer.skipUnsetEnv = true
    guard let words = try? lexer.process(restText, lookup: { _ in nil }).words, words.count == 1 else { return nil }
    lexer.rawQuotes = true
    guard let rawWords = try? lexer.process(restText, lookup: { _ in nil }).words, rawWords.count == 1 else {
      return nil
    }
    func quoteCount(_ text: String) -> Int { text.unicodeScalars.filter { $0 == "'" || $0 == "\"" }.count }
    return (words[0], quoteCount(words[0]) == quoteCount(rawWords[0]), stripsTabs, descriptor)
  }
}

extension LogicalLine {
  /// The first `count` bytes.
  func prefix(_ count: Int) -> LogicalLine {
    LogicalLine(bytes: Array(bytes[..<count]), map: map)
  }
}
