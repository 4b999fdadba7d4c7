/// A half-open range of bytes in one source file.
///
/// Offsets are 0-based UTF-8 byte offsets; `end` is exclusive. An empty span (`start == end`)
/// marks a position between two bytes, e.g. "expected a value here".
public struct Span: Hashable, Sendable, Comparable {
  public var start: Int
  public var end: Int

  public init(_ start: Int, _ end: Int) {
    precondition(start <= end, "span start \(start) after end \(end)")
    self.start = start
    self.end = end
  }

  /// An empty span at one offset.
  public static func at(_ offset: Int) -> Span { Span(offset, offset) }

  public var length: Int { end - start }
  public var isEmpty: Bool { start == end }

  /// The smallest span covering both.
  public func union(_ other: Span) -> Span { Span(min(start, other.start), max(end, other.end)) }

  public func contains(_ offset: Int) -> Bool { offset >= start && offset < end }

  public static func < (lhs: Span, rhs: Span) -> Bool {
    lhs.start != rhs.start ? lhs.start < rhs.start : lhs.end < rhs.end
  }
}

/// A position as people and tools count it.
///
/// `line` and `column` are 1-based; `column` counts Unicode scalars (code points) from the start
/// of the line, as rustc does. `utf16Column` is 0-based in UTF-16 code units, the unit the
/// Language Server Protocol uses. `offset` is the 0-based byte offset.
public struct SourceLocation: Hashable, Sendable {
  public var line: Int
  public var column: Int
  public var utf16Column: Int
  public var offset: Int
}

/// A source file held in memory as UTF-8 bytes, with an index of line starts.
///
/// Lines are separated by `\n`; a `\r` before it belongs to the line's text but is never shown.
public struct SourceFile: Sendable {
  /// The name used in messages: the path as the user gave it, or a display name like `<stdin>`.
  public let path: String
  public let bytes: [UInt8]
  /// Byte offset at which each line starts; `lineStarts[0] == 0`.
  public let lineStarts: [Int]

  public init(path: String, bytes: [UInt8]) {
    self.path = path
    self.bytes = bytes
    var starts = [0]
    starts.reserveCapacity(bytes.count / 32 + 1)
    bytes.withUnsafeBufferPointer { buffer in
      for index in 0..<buffer.count where buffer[index] == UInt8(ascii: "\n") {
        starts.append(index + 1)
      }
    }
    self.lineStarts = starts
  }

  public init(path: String, text: String) {
    self.init(path: path, bytes: Array(text.utf8))
  }

  /// Number of lines (a final line without `\n` counts; an empty file has one empty line).
  public var lineCount: Int { lineStarts.count }

  /// The 0-based index of the line that holds a byte offset.
  public func lineIndex(of offset: Int) -> Int {
    var low = 0
    var high = lineStarts.count - 1
    while low < high {
      let mid = (low + high + 1) / 2
      if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
    }
    return low
  }

  /// The byte range of a 0-based line, without its `\n` and any `\r` before it.
  public func lineRange(_ index: Int) -> Range<Int> {
    let start = lineStarts[index]
    var end = index + 1 < lineStarts.count ? lineStarts[index + 1] - 1 : bytes.count
    while end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
    return start..<end
  }

  /// The text of a 0-based line (invalid UTF-8 is shown as U+FFFD).
  public func lineText(_ index: Int) -> String {
    String(decoding: bytes[lineRange(index)], as: UTF8.self)
  }

  /// Line and columns of a byte offset (clamped to the file).
  public func location(of offset: Int) -> SourceLocation {
    let offset = max(0, min(offset, bytes.count))
    let line = lineIndex(of: offset)
    var column = 0
    var utf16 = 0
    var index = lineStarts[line]
    while index < offset {
      let byte = bytes[index]
      if byte & 0xC0 != 0x80 {  // not a continuation byte: a new scalar starts here
        column += 1
        utf16 += byte >= 0xF0 ? 2 : 1
      }
      index += 1
    }
    return SourceLocation(line: line + 1, column: column + 1, utf16Column: utf16, offset: offset)
  }

  /// The byte offset of a 1-based line and a 0-based UTF-16 column (for LSP positions).
  public func offset(line: Int, utf16Column: Int) -> Int {
    guard line >= 1 else { return 0 }
    guard line <= lineStarts.count else { return bytes.count }
    let range = lineRange(line - 1)
    var index = range.lowerBound
    var units = 0
    while index < range.upperBound && units < utf16Column {
      let byte = bytes[index]
      let width = byte < 0x80 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4
      units += byte >= 0xF0 ? 2 : 1
      index = min(index + width, range.upperBound)
    }
    return index
  }

  /// The byte offset of a 1-based line and 1-based column counted in Unicode scalars (as YAML
  /// parsers report positions), clamped to the line.
  public func offset(line: Int, column: Int) -> Int {
    guard line >= 1 else { return 0 }
    guard line <= lineStarts.count else { return bytes.count }
    let range = lineRange(line - 1)
    var index = range.lowerBound
    var scalars = 1
    while index < range.upperBound && scalars < column {
      let byte = bytes[index]
      index = min(index + (byte < 0x80 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4), range.upperBound)
      scalars += 1
    }
    return index
  }

  /// The text covered by a span.
  public func text(_ span: Span) -> String {
    String(decoding: bytes[max(0, span.start)..<min(span.end, bytes.count)], as: UTF8.self)
  }
}
