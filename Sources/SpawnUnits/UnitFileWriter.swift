/// Writes systemd unit files and owns their escaping (systemd.syntax(7), systemd.unit(5),
/// systemd.service(5) "Command lines").
///
/// Every method takes values as they should arrive in systemd after parsing; the writer makes
/// sure no value can start a new line, a new key or a new command, and that `%` specifiers and
/// `$` variables are never expanded.
public struct UnitFileWriter {
  /// The file so far, as UTF-8 (appended to byte by byte, which is cheaper than growing a String).
  public private(set) var bytes: [UInt8] = []

  /// The file.
  public var text: String { String(decoding: bytes, as: UTF8.self) }

  public init() {
    bytes.reserveCapacity(2048)
  }

  private mutating func append(_ text: String) {
    Self.withBytes(text) { bytes.append(contentsOf: $0) }
  }

  /// Runs `body` on the UTF-8 of `text` in place (a native string is contiguous; any other is
  /// copied once). Loops over these bytes are several times cheaper than over `text.utf8`.
  @inline(__always)
  static func withBytes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
    var copy = text
    return copy.withUTF8(body)
  }

  /// Whether every byte of `text` is printable: no control character (tab and newline
  /// included) and no DEL.
  static func isSingleLine(_ text: String) -> Bool {
    withBytes(text) { bytes in
      for byte in bytes where byte < 0x20 || byte == 0x7F { return false }
      return true
    }
  }

  /// `key=` starting a line.
  private mutating func start(_ key: String) {
    append(key)
    bytes.append(UInt8(ascii: "="))
  }

  private mutating func endLine() { bytes.append(UInt8(ascii: "\n")) }

  /// `# text` lines; control characters become spaces.
  public mutating func comment(_ line: String) {
    append("# ")
    append(Self.singleLine(line))
    endLine()
  }

  public mutating func blankLine() { endLine() }

  public mutating func section(_ name: String) {
    let count = bytes.count
    if count > 0 && !(count >= 2 && bytes[count - 1] == 0x0A && bytes[count - 2] == 0x0A) { endLine() }
    bytes.append(UInt8(ascii: "["))
    append(name)
    append("]\n")
  }

  /// A key whose value is a fixed keyword or number written by spawnc itself (`Type=notify`).
  public mutating func keyword(_ key: String, _ value: String) {
    precondition(
      Self.withBytes(value) { $0.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "%") && $0 != UInt8(ascii: "\\") } })
    start(key)
    append(value)
    endLine()
  }

  /// A plain string that resolves specifiers, such as `Description=`: `%` is doubled; control
  /// characters become spaces; surrounding blanks and a final backslash (which would continue
  /// the line) are dropped, as systemd would drop or misread them.
  public mutating func string(_ key: String, _ value: String) {
    start(key)
    if let first = value.utf8.first, let last = value.utf8.last, first != 0x20, last != 0x20, last != 0x5C,
      Self.isSingleLine(value)
    {
      appendEscapingSpecifiers(value)
      endLine()
      return
    }
    var scalars = Array(Self.singleLine(value).unicodeScalars)
    while let last = scalars.last, last == "\\" || last == " " { scalars.removeLast() }
    while let first = scalars.first, first == " " { scalars.removeFirst() }
    appendEscapingSpecifiers(String(String.UnicodeScalarView(scalars)))
    endLine()
  }

  /// A list of unit names (`Requires=`, `After=`, `Also=`); names are already valid.
  public mutating func units(_ key: String, _ names: [String]) {
    precondition(names.allSatisfy { Self.isPlainWord($0) })
    start(key)
    for (index, name) in names.enumerated() {
      if index > 0 { bytes.append(UInt8(ascii: " ")) }
      append(name)
    }
    endLine()
  }

  /// A key holding one path, taken whole (`SourcePath=`): specifiers are escaped, nothing is
  /// unquoted. The path must not start or end with a blank or end with a backslash (systemd
  /// would drop or misread them; the driver refuses such paths).
  public mutating func path(_ key: String, _ value: String) {
    precondition(Self.isSingleLine(value))
    start(key)
    appendEscapingSpecifiers(value)
    endLine()
  }

  /// A key holding a list of paths that systemd unquotes (`RequiresMountsFor=`): each path is
  /// double-quoted when needed, with `\\` and `\"` escaped and specifiers doubled. No `$`
  /// expansion happens in these keys.
  public mutating func pathList(_ key: String, _ values: [String]) {
    start(key)
    for (index, value) in values.enumerated() {
      if index > 0 { bytes.append(UInt8(ascii: " ")) }
      appendQuoted(value, escapeDollar: false)
    }
    endLine()
  }

  /// A list of URIs (`Documentation=`), which hold no blanks, quotes or backslashes.
  public mutating func uris(_ key: String, _ values: [String]) {
    precondition(values.allSatisfy { $0.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "\\" && $0 != "\"" } })
    start(key)
    for (index, value) in values.enumerated() {
      if index > 0 { bytes.append(UInt8(ascii: " ")) }
      appendEscapingSpecifiers(value)
    }
    endLine()
  }

  /// A command line (`ExecStart=` and friends). Each argument arrives in the program exactly as
  /// given: `\` and `"` are escaped, control characters use C escapes, `%` becomes `%%`, `$`
  /// becomes `$$`, and any argument that is not a plain word is double-quoted.
  public mutating func command(_ key: String, _ argv: [String]) {
    precondition(!argv.isEmpty && argv[0].hasPrefix("/"), "the program must be an absolute path")
    start(key)
    for (index, word) in argv.enumerated() {
      if index > 0 { bytes.append(UInt8(ascii: " ")) }
      appendQuoted(word, escapeDollar: true)
    }
    endLine()
  }

  /// A word of a command line quoted ahead of time, for a long word that many files share (a
  /// fixed script): writing it is a copy.
  public struct PreparedWord: Sendable {
    let quoted: [UInt8]

    public init(_ word: String) {
      var writer = UnitFileWriter()
      writer.appendQuoted(word, escapeDollar: true)
      quoted = writer.bytes
    }
  }

  /// `command` with the program and its first arguments given as plain words, then one
  /// prepared word, then the rest.
  public mutating func command(_ key: String, _ head: [String], _ prepared: PreparedWord, _ tail: [String]) {
    precondition(!head.isEmpty && head[0].hasPrefix("/"), "the program must be an absolute path")
    start(key)
    for word in head {
      appendQuoted(word, escapeDollar: true)
      bytes.append(UInt8(ascii: " "))
    }
    bytes.append(contentsOf: prepared.quoted)
    for word in tail {
      bytes.append(UInt8(ascii: " "))
      appendQuoted(word, escapeDollar: true)
    }
    endLine()
  }

  // MARK: Escaping

  /// Characters that need no quoting in a command line or a path list.
  static func isPlainWord(_ word: String) -> Bool {
    // An empty word needs quotes (`""`); `;` alone, which separates commands, is not plain either.
    withBytes(word) { bytes in
      for byte in bytes where !isPlain(byte) { return false }
      return !bytes.isEmpty
    }
  }

  @inline(__always)
  static func isPlain(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x61...0x7A, 0x41...0x5A, 0x30...0x39: true
    case UInt8(ascii: "/"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "+"),
      UInt8(ascii: "="), UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: "@"):
      true
    default: false
    }
  }

  private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

  /// One word of a command line (or, without `$` doubling, of a path list), quoted and escaped
  /// as described on `command`.
  public static func quoteWord(_ word: String, escapeDollar: Bool = true) -> String {
    var writer = UnitFileWriter()
    writer.appendQuoted(word, escapeDollar: escapeDollar)
    return writer.text
  }

  /// Appends `quoteWord(word)`: runs of bytes that need no escape are copied whole.
  private mutating func appendQuoted(_ word: String, escapeDollar: Bool) {
    Self.withBytes(word) { input in
      if !input.isEmpty && input.allSatisfy(Self.isPlain) {
        bytes.append(contentsOf: input)
        return
      }
      bytes.reserveCapacity(bytes.count + input.count + 2)
      bytes.append(0x22)
      var run = 0
      for index in input.indices {
        let byte = input[index]
        let escaped: Bool
        switch byte {
        case 0x5C, 0x22, 0x25, 0..<0x20, 0x7F: escaped = true
        case 0x24: escaped = escapeDollar
        default: escaped = false
        }
        guard escaped else { continue }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: input[run..<index]))
        run = index + 1
        switch byte {
        case 0x5C, 0x22: bytes.append(0x5C); bytes.append(byte)
        case 0x25, 0x24: bytes.append(byte); bytes.append(byte)
        case 0x0A: bytes.append(0x5C); bytes.append(0x6E)
        case 0x09: bytes.append(0x5C); bytes.append(0x74)
        case 0x0D: bytes.append(0x5C); bytes.append(0x72)
        default:
          bytes.append(0x5C)
          bytes.append(0x78)
          bytes.append(Self.hexDigits[Int(byte >> 4)])
          bytes.append(Self.hexDigits[Int(byte & 0xF)])
        }
      }
      bytes.append(contentsOf: UnsafeBufferPointer(rebasing: input[run...]))
      bytes.append(0x22)
    }
  }

  /// Appends `value` with every `%` doubled.
  private mutating func appendEscapingSpecifiers(_ value: String) {
    Self.withBytes(value) { input in
      var run = 0
      for index in input.indices where input[index] == 0x25 {
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: input[run...index]))
        bytes.append(0x25)
        run = index + 1
      }
      bytes.append(contentsOf: UnsafeBufferPointer(rebasing: input[run...]))
    }
  }

  static func singleLine(_ value: String) -> String {
    if isSingleLine(value) { return value }
    return String(value.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
  }
}
