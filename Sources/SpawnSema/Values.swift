/// Parsers for the typed values of the language. Each returns nil (or a reason) for bad input;
/// the checker turns that into a diagnostic with a span.
public enum Values {
  // MARK: Signals

  /// Linux signal numbers (x86-64 and arm64 agree on these).
  static let signalNumbers: [(String, Int)] = [
    ("HUP", 1), ("INT", 2), ("QUIT", 3), ("ILL", 4), ("TRAP", 5), ("ABRT", 6), ("IOT", 6), ("BUS", 7), ("FPE", 8),
    ("KILL", 9), ("USR1", 10), ("SEGV", 11), ("USR2", 12), ("PIPE", 13), ("ALRM", 14), ("TERM", 15),
    ("STKFLT", 16), ("CHLD", 17), ("CONT", 18), ("STOP", 19), ("TSTP", 20), ("TTIN", 21), ("TTOU", 22),
    ("URG", 23), ("XCPU", 24), ("XFSZ", 25), ("VTALRM", 26), ("PROF", 27), ("WINCH", 28), ("IO", 29),
    ("POLL", 29), ("PWR", 30), ("SYS", 31),
  ]
  static let realtimeMinimum = 34
  static let realtimeMaximum = 64

  /// All signal names spelled as systemd prints them, for suggestions.
  public static var signalNames: [String] { signalNumbers.map { "SIG" + $0.0 } + ["SIGRTMIN", "SIGRTMAX"] }

  /// Parses `SIGTERM`, `term`, `15`, `SIGRTMIN+3`, `RTMAX-2`.
  public static func signal(_ text: String) -> StopSignal? {
    if let number = Int(text), text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
      guard number >= 1 && number <= realtimeMaximum else { return nil }
      return StopSignal(name: signalName(number), number: number)
    }
    var name = text.uppercased()
    if name.hasPrefix("SIG") { name.removeFirst(3) }
    if let entry = signalNumbers.first(where: { $0.0 == name }) {
      return StopSignal(name: signalName(entry.1), number: entry.1)
    }
    for (base, value, sign) in [("RTMIN", realtimeMinimum, 1), ("RTMAX", realtimeMaximum, -1)] where name.hasPrefix(base) {
      let rest = name.dropFirst(base.count)
      var offset = 0
      if !rest.isEmpty {
        guard rest.first == (sign > 0 ? "+" : "-"), let parsed = Int(rest.dropFirst()), rest.count > 1,
          rest.dropFirst().utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return nil }
        offset = parsed
      }
      let number = value + sign * offset
      guard number >= realtimeMinimum && number <= realtimeMaximum else { return nil }
      return StopSignal(name: signalName(number), number: number)
    }
    return nil
  }

  static func signalName(_ number: Int) -> String {
    if number >= realtimeMinimum {
      return number == realtimeMinimum ? "SIGRTMIN" : "SIGRTMIN+\(number - realtimeMinimum)"
    }
    if number == 6 { return "SIGABRT" }
    if number == 29 { return "SIGIO" }
    if let entry = signalNumbers.first(where: { $0.1 == number }) { return "SIG" + entry.0 }
    return "SIGRTMIN"  // unreachable: 32 and 33 are reserved by the C library
  }

  // MARK: Users and modes

  /// A user or group name (useradd's rules: letter or `_` first, then letters, digits, `_`,
  /// `-`, `.`, optionally ending in `$`) or a numeric ID.
  public static func isValidAccount(_ text: String) -> Bool {
    if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
      guard let value = UInt64(text) else { return false }
      return value < 4_294_967_295
    }
    let bytes = Array(text.utf8)
    guard let first = bytes.first, bytes.count <= 256 else { return false }
    func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    guard isLetter(first) || first == UInt8(ascii: "_") else { return false }
    for (offset, byte) in bytes.enumerated().dropFirst() {
      if isLetter(byte) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        || byte == UInt8(ascii: ".")
      {
        continue
      }
      if byte == UInt8(ascii: "$") && offset == bytes.count - 1 { continue }
      return false
    }
    return true
  }

  public enum ModeResult: Equatable {
    case octal(Int)
    case symbolic
    case invalid
  }

  /// `--chmod=`: one to four octal digits.
  public static func mode(_ text: String) -> ModeResult {
    let bytes = Array(text.utf8)
    if !bytes.isEmpty, bytes.count <= 4, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }) {
      return .octal(bytes.reduce(0) { $0 * 8 + Int($1 - 0x30) })
    }
    let symbolic = Set("ugoa+-=rwxXst,".utf8)
    if !bytes.isEmpty, bytes.allSatisfy({ symbolic.contains($0) }), bytes.contains(where: { "+-=".utf8.contains($0) }) {
      return .symbolic
    }
    return .invalid
  }

  // MARK: Ports

  public enum PortParse: Equatable {
    case ok(first: Int, last: Int, proto: ExposedPort.Proto)
    case invalidPort(String)
    case reversedRange
    case invalidProtocol(String)
    case sctp
    case hasAddress
  }

  /// `PORT[-LAST][/PROTO]` as BuildKit splits it; an `ip:` or `hostPort:` prefix is reported.
  public static func port(_ text: String) -> PortParse {
    // The usual `8080`: one to five digits alone.
    plainPort(text) ?? portInFull(text)
  }

  /// `port` without the shortcut for plain numbers.
  static func portInFull(_ text: String) -> PortParse {
    let slash = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
    let portPart = String(slash[0])
    var proto = ExposedPort.Proto.tcp
    if slash.count == 2 && !slash[1].isEmpty {
      switch slash[1].lowercased() {
      case "tcp": proto = .tcp
      case "udp": proto = .udp
      case "sctp": return .sctp
      default: return .invalidProtocol(String(slash[1]))
      }
    }
    if portPart.contains(":") { return .hasAddress }
    let bounds = portPart.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
    func number(_ text: String) -> Int? {
      guard !text.isEmpty, text.utf8.count <= 5, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
        let value = Int(text), value >= 1, value <= 65535
      else { return nil }
      return value
    }
    guard let first = number(bounds[0]) else { return .invalidPort(bounds[0]) }
    var last = first
    if bounds.count == 2 {
      guard let end = number(bounds[1]) else { return .invalidPort(bounds[1]) }
      guard end >= first else { return .reversedRange }
      last = end
    }
    return .ok(first: first, last: last, proto: proto)
  }

  /// `port` for a text of one to five digits and nothing else (nil for any other text).
  static func plainPort(_ text: String) -> PortParse? {
    var value = 0
    var digits = 0
    for byte in text.utf8 {
      guard byte >= 0x30 && byte <= 0x39, digits < 5 else { return nil }
      value = value * 10 + Int(byte - 0x30)
      digits += 1
    }
    guard digits > 0 else { return nil }
    guard value >= 1 && value <= 65535 else { return .invalidPort(text) }
    return .ok(first: value, last: value, proto: .tcp)
  }

  // MARK: Paths

  /// The first control character (including tab and newline) in a path, if any.
  public static func controlCharacter(in text: String) -> Unicode.Scalar? {
    text.unicodeScalars.first { $0.value < 0x20 || $0.value == 0x7F }
  }

  /// Go's `path.Clean`: collapses `//`, `.` and `..` (which cannot climb above `/`).
  public static func clean(_ path: String) -> String {
    guard !path.isEmpty else { return "." }
    return isClean(path) ? path : rebuild(path)
  }

  /// `clean` done in full: the components split, resolved and joined again.
  static func rebuild(_ path: String) -> String {
    let rooted = path.hasPrefix("/")
    var parts: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
      if part == "." { continue }
      if part == ".." {
        if let last = parts.last, last != ".." {
          parts.removeLast()
        } else if !rooted {
          parts.append(part)
        }
        continue
      }
      parts.append(part)
    }
    let joined = parts.joined(separator: "/")
    if rooted { return "/" + joined }
    return joined.isEmpty ? "." : joined
  }

  /// Whether `clean` returns `path` as it is (most recipe paths): no empty component (`//`, a
  /// trailing `/` other than `/` itself), no `.` or `..` component other than `.` alone.
  static func isClean(_ path: String) -> Bool {
    let slash = UInt8(ascii: "/")
    var length = 0
    var dots = 0
    var index = 0
    for byte in path.utf8 {
      if byte == slash {
        if length == 0 {
          if index != 0 { return false }
        } else if dots == length && length <= 2 {
          return false
        }
        length = 0
        dots = 0
      } else {
        length += 1
        if byte == UInt8(ascii: ".") { dots += 1 }
      }
      index += 1
    }
    if length == 0 { return index == 1 }
    if dots == length && length <= 2 { return path == "." }
    return true
  }

  /// Resolves `path` against `base` (an absolute directory), as Docker does for WORKDIR and
  /// relative COPY destinations.
  public static func resolve(_ path: String, against base: String) -> String {
    path.hasPrefix("/") ? clean(path) : clean(base + "/" + path)
  }

  /// `C:\\x`, `C:/x` or `C:`: a drive-letter path from a Windows container recipe.
  public static func isWindowsPath(_ path: String) -> Bool {
    let bytes = Array(path.utf8)
    guard bytes.count >= 2, (bytes[0] | 0x20) >= 0x61, (bytes[0] | 0x20) <= 0x7A, bytes[1] == UInt8(ascii: ":") else {
      return false
    }
    return bytes.count == 2 || bytes[2] == UInt8(ascii: "\\") || bytes[2] == UInt8(ascii: "/")
  }

  /// Whether a path holds wildcard characters.
  public static func isPattern(_ path: String) -> Bool {
    path.contains("*") || path.contains("?") || path.contains("[")
  }

  // MARK: Names

  /// `[A-Za-z_][A-Za-z0-9_]*`, the names systemd-nspawn accepts in `Environment=`.
  public static func isValidVariableName(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard let first = bytes.first else { return false }
    func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    guard isLetter(first) || first == UInt8(ascii: "_") else { return false }
    return bytes.allSatisfy { isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "_") }
  }

  /// BuildKit's stage-name rule, applied after lower-casing: `^[a-z][a-z0-9-_.]*$`.
  public static func isValidStageName(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard let first = bytes.first, first >= 0x61 && first <= 0x7A else { return false }
    return bytes.allSatisfy {
      ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
        || $0 == UInt8(ascii: ".")
    }
  }

  /// The default `PATH` BuildKit gives images that have none.
  public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

  /// BuildKit's automatic platform ARGs, for the machine spawnc runs on (images are built and
  /// run on the host that compiles them).
  public static let platformArguments: [(name: String, value: String)] = {
    #if arch(x86_64)
      let arch = "amd64"
      let variant = ""
    #elseif arch(arm64)
      let arch = "arm64"
      let variant = ""
    #else
      let arch = "unknown"
      let variant = ""
    #endif
    let platform = "linux/" + arch + (variant.isEmpty ? "" : "/" + variant)
    return [
      ("BUILDPLATFORM", platform), ("BUILDOS", "linux"), ("BUILDARCH", arch), ("BUILDVARIANT", variant),
      ("TARGETPLATFORM", platform), ("TARGETOS", "linux"), ("TARGETARCH", arch), ("TARGETVARIANT", variant),
    ]
  }()
}
