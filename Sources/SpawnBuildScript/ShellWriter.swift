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
    text += "# " + String(line.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) }) + "\n"
  }

  /// Appends a command: a function or program name written by spawnc, then arguments quoted.
  public mutating func command(_ name: String, _ arguments: [String]) {
    text += ([name] + arguments.map(Self.quote)).joined(separator: " ") + "\n"
  }

  /// Single-quotes a value for sh: `'` becomes `'\''`; everything else, newlines included, is
  /// literal inside single quotes. NUL cannot be represented (the lowering refuses it).
  public static func quote(_ value: String) -> String {
    precondition(!value.unicodeScalars.contains("\0"), "a shell word cannot hold NUL")
    if !value.isEmpty,
      value.utf8.allSatisfy({ byte in
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
          || "/._-+=,:@%".utf8.contains(byte)
      })
    {
      return value
    }
    var out = "'"
    for scalar in value.unicodeScalars {
      if scalar == "'" {
        out += "'\\''"
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
    return out + "'"
  }
}
