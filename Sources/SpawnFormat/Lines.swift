import SpawnBasics
import SpawnSyntax

/// The physical lines of a file, split and classified exactly as the parser does.
struct PhysicalLines {
  let bytes: [UInt8]
  /// Each line's byte range, including its `\n`; line 0 starts after a byte-order mark.
  let ranges: [Range<Int>]
  /// The escape character (`\` or `` ` ``).
  let escape: UInt8

  init(_ file: SourceFile, escape: UInt8) {
    bytes = file.bytes
    self.escape = escape
    var ranges: [Range<Int>] = []
    var start = 0
    for lineStart in file.lineStarts.dropFirst() {
      ranges.append(start..<lineStart)
      start = lineStart
    }
    if start < bytes.count { ranges.append(start..<bytes.count) }
    if let first = ranges.first, bytes[first].starts(with: [0xEF, 0xBB, 0xBF]) {
      ranges[0] = (first.lowerBound + 3)..<first.upperBound
    }
    self.ranges = ranges
  }

  var count: Int { ranges.count }

  /// The line without its trailing `\r` and `\n` bytes.
  func withoutNewline(_ index: Int) -> Range<Int> { trimNewline(ranges[index]) }

  func trimNewline(_ range: Range<Int>) -> Range<Int> {
    var end = range.upperBound
    while end > range.lowerBound && (bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D) { end -= 1 }
    return range.lowerBound..<end
  }

  /// Skips leading Unicode whitespace, as the parser does.
  func trimLeadingWhitespace(_ range: Range<Int>) -> Range<Int> {
    var start = range.lowerBound
    while start < range.upperBound {
      let (scalar, width) = UTF8Scalar.decode(bytes, at: start, end: range.upperBound)
      guard ShellLexer.isSpace(scalar) else { break }
      start += width
    }
    return start..<range.upperBound
  }

  /// The range without trailing ASCII spaces and tabs.
  func trimTrailingBlanks(_ range: Range<Int>) -> Range<Int> {
    var end = range.upperBound
    while end > range.lowerBound && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
    return range.lowerBound..<end
  }

  func isComment(_ index: Int) -> Bool {
    let trimmed = trimLeadingWhitespace(ranges[index])
    return !trimmed.isEmpty && bytes[trimmed.lowerBound] == UInt8(ascii: "#")
  }

  func isBlank(_ index: Int) -> Bool { trimLeadingWhitespace(withoutNewline(index)).isEmpty }

  /// A comment line as the formatter writes it: from `#` to the end, without trailing
  /// whitespace (the parser trims it from the comment's text too).
  func commentText(_ index: Int) -> [UInt8] {
    let range = trimLeadingWhitespace(withoutNewline(index))
    var end = range.upperBound
    while end > range.lowerBound {
      var start = end - 1
      while start > range.lowerBound && bytes[start] & 0xC0 == 0x80 { start -= 1 }
      let (scalar, width) = UTF8Scalar.decode(bytes, at: start, end: end)
      guard start + width == end, ShellLexer.isSpace(scalar) else { break }
      end = start
    }
    return Array(bytes[range.lowerBound..<end])
  }

  /// The range without trailing spaces, tabs and carriage returns (for comments and directives,
  /// whose text the parser trims).
  func trimTrailingSpace(_ range: Range<Int>) -> Range<Int> {
    var end = range.upperBound
    while end > range.lowerBound && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 || bytes[end - 1] == 0x0D) {
      end -= 1
    }
    return range.lowerBound..<end
  }

  /// The parser's `trimContinuation`: the content of a line and whether the escape character
  /// at its end continues the instruction on the next line.
  func trimContinuation(_ range: Range<Int>) -> (content: Range<Int>, continues: Bool) {
    let end = trimTrailingBlanks(range).upperBound
    guard end > range.lowerBound, bytes[end - 1] == escape else { return (range, false) }
    let escapeIndex = end - 1
    if escapeIndex == range.lowerBound { return (range.lowerBound..<range.lowerBound, true) }
    if bytes[escapeIndex - 1] == escape { return (range, false) }
    return (range.lowerBound..<escapeIndex, true)
  }

  /// Joins an instruction's lines into its logical line, the way the parser does.
  func join(from first: Int) -> LogicalLine {
    var line = LogicalLine()
    var (content, continues) = trimContinuation(trimLeadingWhitespace(withoutNewline(first)))
    line.append(physical: first, bytes[content], fileStart: content.lowerBound, continues: continues)
    var index = first + 1
    while continues && index < ranges.count {
      let physical = index
      index += 1
      if isComment(physical) {
        line.comments[line.comments.count - 1].append(physical)
        continue
      }
      if isBlank(physical) { continue }
      (content, continues) = trimContinuation(withoutNewline(physical))
      line.append(physical: physical, bytes[content], fileStart: content.lowerBound, continues: continues)
    }
    line.lastLine = index - 1
    return line
  }
}

/// One instruction's text after its continuation lines were joined, with the pieces it came from.
/// Offsets into `text` and into the file are 0-based byte offsets.
struct LogicalLine {
  /// A physical line that contributes to the instruction (comment and blank lines do not).
  struct ContentLine {
    var physical: Int
    /// Where the line's content starts in `text`.
    var start: Int
    var count: Int
    /// Where the line's content starts in the file.
    var fileStart: Int
    /// The line ends with the escape character.
    var continues: Bool
  }

  var text: [UInt8] = []
  var content: [ContentLine] = []
  /// `comments[j]`: the comment lines between content line `j` and `j + 1` (after the last one
  /// only when the file ends inside the instruction).
  var comments: [[Int]] = []
  /// The last physical line of the instruction, here-document bodies not counted.
  var lastLine = 0

  mutating func append(physical: Int, _ bytes: ArraySlice<UInt8>, fileStart: Int, continues: Bool) {
    content.append(
      ContentLine(physical: physical, start: text.count, count: bytes.count, fileStart: fileStart, continues: continues)
    )
    comments.append([])
    text.append(contentsOf: bytes)
  }

  /// The file ends while the instruction is still continued.
  var isUnterminated: Bool { content.last?.continues ?? false }

  /// Where content line `j` (j >= 1) starts in `text`: the places where a line break was.
  func boundary(_ j: Int) -> Int { content[j].start }

  /// The offset in `text` of a file offset, if that byte is part of the text.
  func offset(ofFile fileOffset: Int) -> Int? {
    guard let first = content.first, first.fileStart <= fileOffset else { return nil }
    var low = 0
    var high = content.count - 1
    while low < high {
      let mid = (low + high + 1) / 2
      if content[mid].fileStart <= fileOffset { low = mid } else { high = mid - 1 }
    }
    let line = content[low]
    guard fileOffset < line.fileStart + line.count else { return nil }
    return line.start + (fileOffset - line.fileStart)
  }

  /// The range in `text` of a non-empty file span.
  func range(of span: Span) -> Range<Int>? {
    guard span.end > span.start, let start = offset(ofFile: span.start), let last = offset(ofFile: span.end - 1),
      last >= start
    else { return nil }
    return start..<(last + 1)
  }
}

/// UTF-8 decoding for text the parser has already accepted as valid.
enum UTF8Scalar {
  static func decode(_ bytes: [UInt8], at index: Int, end: Int) -> (Unicode.Scalar, Int) {
    let first = bytes[index]
    if first < 0x80 { return (Unicode.Scalar(first), 1) }
    let width = first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 1
    guard width > 1, index + width <= end else { return ("\u{FFFD}", 1) }
    var value = UInt32(first) & (width == 2 ? 0x1F : width == 3 ? 0x0F : 0x07)
    for offset in 1..<width {
      let byte = bytes[index + offset]
      guard byte & 0xC0 == 0x80 else { return ("\u{FFFD}", 1) }
      value = value << 6 | UInt32(byte & 0x3F)
    }
    return (Unicode.Scalar(value) ?? "\u{FFFD}", width)
  }

  /// Whether every scalar of the bytes is whitespace for the parser (Go's `unicode.IsSpace`).
  static func isAllSpace(_ bytes: ArraySlice<UInt8>) -> Bool {
    let array = Array(bytes)
    var position = 0
    while position < array.count {
      let (scalar, width) = decode(array, at: position, end: array.count)
      guard ShellLexer.isSpace(scalar) else { return false }
      position += width
    }
    return true
  }
}
