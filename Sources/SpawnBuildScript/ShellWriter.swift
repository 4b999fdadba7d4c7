/// Writes POSIX sh and owns its quoting: every value from the recipe becomes one single-quoted
/// word, so no value can start a command, expand a variable or split into several words.
public struct ShellWriter {
  public private(set) var text = ""

  public init() {}

  /// Appends a line of code written by spawnc itself.
  public mutating func line(_ code: String = "") {
    text += code + "\n"
  }

  /// Appends verbatim text (the static prelude).
  public mutating func raw(_ code: String) {
    text += code
  }

  /// `# text`; control characters become spaces.
  public mutating func comment(_ line: String) {
    text += "# " + String(decoding: line.utf8.map { $0 < 0x20 || $0 == 0x7F ? 0x20 : $0 }, as: UTF8.self) + "\n"
  }

  /// Appends a command: a function or program name written by spawnc, then arguments quoted.
  public mutating func command(_ name: String, _ arguments: [String]) {
    text += ([name] + arguments.map(Self.quote)).joined(separator: " ") + "\n"
  }

  /// Single-quotes a value for sh: `'` becomes `'\''`; everything else, newlines included, is
  /// literal inside single quotes. NUL cannot be represented (the lowering refuses it).
  public static func quote(_ value: String) -> String {
    var plain = !value.isEmpty
    var hasQuote = false
    for byte in value.utf8 {
      precondition(byte != 0, "a shell word cannot hold NUL")
      if byte == 0x27 { hasQuote = true }
      if plain && !Self.isPlain(byte) { plain = false }
    }
    if plain { return value }
    if !hasQuote { return "'" + value + "'" }
    var bytes: [UInt8] = [0x27]
    bytes.reserveCapacity(value.utf8.count + 8)
    for byte in value.utf8 {
      if byte == 0x27 { bytes += [0x27, 0x5C, 0x27, 0x27] } else { bytes.append(byte) }
    }
    bytes.append(0x27)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Characters that need no quoting: letters, digits and `/._-+=,:@%`.
  static func isPlain(_ byte: UInt8) -> Bool {
    (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
      || byte == 0x2F || byte == 0x2E || byte == 0x5F || byte == 0x2D || byte == 0x2B || byte == 0x3D || byte == 0x2C
      || byte == 0x3A || byte == 0x40 || byte == 0x25
  }
}
