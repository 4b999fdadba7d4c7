/// Debug dumps of a syntax tree.
public enum Dump {
  /// The tree in BuildKit's `Node.Dump()` format plus a final newline, byte for byte as
  /// BuildKit's parser tests expect it: one `(keyword ["--flags"] "arg" ...)` line per
  /// instruction; exec and shell form look the same; ENV and LABEL pairs are `"k" "v" "="`.
  public static func buildkit(_ tree: SyntaxTree) -> String {
    var out = ""
    for instruction in tree.instructions {
      out += "(" + node(instruction) + ")\n"
    }
    return out
  }

  static func node(_ instruction: Instruction) -> String {
    var out = instruction.keyword.text.lowercased()
    if !instruction.flags.isEmpty {
      out += " [" + instruction.flags.map { goQuote($0.word.text) }.joined(separator: " ") + "]"
    }
    out += arguments(instruction.arguments)
    return out
  }

  static func arguments(_ arguments: Arguments) -> String {
    switch arguments {
    case .none: return ""
    case .ignored: return " \"\""
    case .exec(let words), .words(let words): return words.map { " " + goQuote($0.text) }.joined()
    case .text(let word): return " " + goQuote(word.text)
    case .pairs(let pairs):
      return pairs.map { " \(goQuote($0.key.text)) \(goQuote($0.value.text)) \(goQuote($0.separator))" }.joined()
    case .trigger(let instruction): return " (" + node(instruction) + ")"
    case .healthcheck(let kind, let command): return " " + goQuote(kind.text) + self.arguments(command)
    }
  }

  /// Go's `strconv.Quote`: printable characters as they are, the rest escaped.
  public static func goQuote(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\u{07}": out += "\\a"
      case "\u{08}": out += "\\b"
      case "\u{0C}": out += "\\f"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{0B}": out += "\\v"
      default:
        if isGoPrintable(scalar) {
          out.unicodeScalars.append(scalar)
        } else if scalar.value < 0x20 || scalar.value == 0x7F {
          out += "\\x" + hex(scalar.value, digits: 2)
        } else if scalar.value < 0x10000 {
          out += "\\u" + hex(scalar.value, digits: 4)
        } else {
          out += "\\U" + hex(scalar.value, digits: 8)
        }
      }
    }
    return out + "\""
  }

  public static func hex(_ value: UInt32, digits: Int) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: max(0, digits - text.count)) + text
  }

  /// Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
  static func isGoPrintable(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    if value <= 0xFF {
      if value >= 0x20 && value <= 0x7E { return true }
      if value >= 0xA1 && value <= 0xFF { return value != 0xAD }
      return false
    }
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
      .nonspacingMark, .spacingMark, .enclosingMark,
      .decimalNumber, .letterNumber, .otherNumber,
      .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
      .initialPunctuation, .finalPunctuation, .otherPunctuation,
      .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
      return true
    default:
      return false
    }
  }
}
