/// Turns diagnostics into text for people, editors and programs.
public enum DiagnosticFormat: String, Sendable, CaseIterable {
  /// rustc-style: a headline, the source line and a caret, then help and notes.
  case human
  /// One line per diagnostic, `file:line:col: severity: message [CODE]` (vim, emacs, quickfix).
  case gnu
  /// A JSON array of objects (see `DiagnosticRenderer.jsonObject`).
  case json
  /// A SARIF 2.1.0 log (see `DiagnosticRenderer.sarif`), for code-scanning services.
  case sarif
}

public enum DiagnosticRenderer {
  /// Renders a file's diagnostics in the human format. `color` adds ANSI colours.
  public static func human(_ diagnostics: [Diagnostic], in file: SourceFile, color: Bool = false) -> String {
    var out = ""
    for diagnostic in diagnostics {
      out += human(diagnostic, in: file, color: color)
    }
    return out
  }

  /// One diagnostic in the human format, ending with a blank line.
  public static func human(_ diagnostic: Diagnostic, in file: SourceFile, color: Bool) -> String {
    let style = Style(enabled: color)
    let start = file.location(of: diagnostic.span.start)
    let severityColor = diagnostic.severity == .error ? style.red : diagnostic.severity == .warning ? style.yellow : style.cyan
    var out = "\(style.bold)\(severityColor)\(diagnostic.severity.rawValue)[\(diagnostic.code)]\(style.reset)"
    out += "\(style.bold): \(diagnostic.message)\(style.reset)\n"
    let gutter = String(repeating: " ", count: String(start.line).count)
    out += "\(gutter)\(style.blue)-->\(style.reset) \(file.path):\(start.line):\(start.column)\n"
    out += excerpt(of: diagnostic.span, in: file, gutter: gutter, style: style, markerColor: severityColor)
    for note in diagnostic.notes {
      if let span = note.span {
        let location = file.location(of: span.start)
        out += "\(gutter) \(style.blue)=\(style.reset) \(style.bold)note\(style.reset): \(note.message)"
        out += " (line \(location.line), column \(location.column))\n"
      } else {
        out += "\(gutter) \(style.blue)=\(style.reset) \(style.bold)note\(style.reset): \(note.message)\n"
      }
    }
    if let help = diagnostic.help {
      out += "\(gutter) \(style.blue)=\(style.reset) \(style.bold)help\(style.reset): \(help)\n"
    }
    for fix in diagnostic.fixIts {
      out += "\(gutter) \(style.blue)=\(style.reset) \(style.bold)fix\(style.reset): \(fix.message)\n"
    }
    out += "\n"
    return out
  }

  /// The source line under a span, with `^` under the span's part of that line.
  static func excerpt(of span: Span, in file: SourceFile, gutter: String, style: Style, markerColor: String) -> String {
    let lineIndex = file.lineIndex(of: span.start)
    let range = file.lineRange(lineIndex)
    var shown = ""  // the line with tabs expanded and control characters made visible
    var caretStart = 0
    var caretEnd = 0
    var column = 0
    var offset = range.lowerBound
    let text = file.bytes[range]
    for scalar in String(decoding: text, as: UTF8.self).unicodeScalars {
      if offset == span.start { caretStart = column }
      if offset < span.end { caretEnd = column }
      let piece: String
      if scalar == "\t" {
        piece = String(repeating: " ", count: 4 - column % 4)
      } else if scalar.value < 0x20 || scalar.value == 0x7F {
        piece = "\u{FFFD}"
      } else {
        piece = String(scalar)
      }
      shown += piece
      column += piece.count == 1 ? Self.displayWidth(piece.unicodeScalars.first!) : piece.count
      offset += scalar.utf8.count
      if offset <= span.end { caretEnd = column }
    }
    if span.start >= range.upperBound { caretStart = column; caretEnd = column }
    let width = max(1, caretEnd - caretStart)
    let number = String(lineIndex + 1)
    var out = "\(gutter) \(style.blue)|\(style.reset)\n"
    out += "\(style.blue)\(number) |\(style.reset) \(shown)\n"
    out += "\(gutter) \(style.blue)|\(style.reset) \(String(repeating: " ", count: caretStart))"
    out += "\(style.bold)\(markerColor)\(String(repeating: "^", count: width))\(style.reset)\n"
    return out
  }

  /// How many terminal columns a scalar takes: 0 for combining marks, joiners and variation
  /// selectors, 2 for East Asian wide and fullwidth characters and emoji shown as emoji, else 1
  /// (what wcwidth(3) answers, without the C library's locale).
  static func displayWidth(_ scalar: Unicode.Scalar) -> Int {
    let value = scalar.value
    switch scalar.properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format: return 0
    default: break
    }
    if (0xFE00...0xFE0F).contains(value) || (0xE0100...0xE01EF).contains(value) { return 0 }
    if scalar.properties.isEmojiPresentation { return 2 }
    let wide: [ClosedRange<UInt32>] = [
      0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
      0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x3FFFD,
    ]
    return wide.contains { $0.contains(value) } ? 2 : 1
  }

  /// One line per diagnostic: `file:line:col: severity: message [CODE]`.
  public static func gnu(_ diagnostics: [Diagnostic], in file: SourceFile) -> String {
    var out = ""
    for diagnostic in diagnostics {
      let start = file.location(of: diagnostic.span.start)
      out += "\(file.path):\(start.line):\(start.column): \(diagnostic.severity.rawValue): "
      out += "\(oneLine(diagnostic.message)) [\(diagnostic.code)]\n"
    }
    return out
  }

  /// A diagnostic as a JSON object. Lines and columns are 1-based (columns count Unicode scalars);
  /// `utf16Column` is 0-based in UTF-16 code units; offsets are 0-based bytes; ends are exclusive.
  public static func jsonObject(_ diagnostic: Diagnostic, in file: SourceFile) -> JSONValue {
    var members: [(String, JSONValue)] = [
      ("file", .string(file.path)),
      ("code", .string(diagnostic.code)),
      ("name", .string(diagnostic.kind.name)),
      ("severity", .string(diagnostic.severity.rawValue)),
      ("message", .string(diagnostic.message)),
      ("range", range(diagnostic.span, in: file)),
      ("help", .string(diagnostic.help)),
    ]
    members.append(
      (
        "notes",
        .array(
          diagnostic.notes.map { note in
            .object([("message", .string(note.message)), ("range", note.span.map { range($0, in: file) } ?? .null)])
          })
      ))
    members.append(
      (
        "fixes",
        .array(
          diagnostic.fixIts.map { fix in
            .object([
              ("message", .string(fix.message)),
              (
                "edits",
                .array(
                  fix.edits.map { edit in
                    .object([("range", range(edit.span, in: file)), ("replacement", .string(edit.replacement))])
                  })
              ),
            ])
          })
      ))
    return .object(members)
  }

  static func range(_ span: Span, in file: SourceFile) -> JSONValue {
    func position(_ offset: Int) -> JSONValue {
      let location = file.location(of: offset)
      return .object([
        ("line", .int(location.line)), ("column", .int(location.column)),
        ("utf16Column", .int(location.utf16Column)), ("offset", .int(location.offset)),
      ])
    }
    return .object([("start", position(span.start)), ("end", position(span.end))])
  }

  /// Newlines in a message would break one-line formats.
  static func oneLine(_ text: String) -> String {
    String(text.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
  }

  struct Style {
    let bold: String
    let red: String
    let yellow: String
    let cyan: String
    let blue: String
    let reset: String

    init(enabled: Bool) {
      bold = enabled ? "\u{1B}[1m" : ""
      red = enabled ? "\u{1B}[31m" : ""
      yellow = enabled ? "\u{1B}[33m" : ""
      cyan = enabled ? "\u{1B}[36m" : ""
      blue = enabled ? "\u{1B}[34m" : ""
      reset = enabled ? "\u{1B}[0m" : ""
    }
  }
}
