/// Reads the exec form: a JSON array of strings, accepting exactly what Go's `encoding/json`
/// accepts (BuildKit decodes it with `json.Unmarshal`).
enum JSONArray {
  enum Outcome: Equatable {
    /// The text does not start with `[`.
    case notAnArray
    /// Not valid JSON (BuildKit then takes the text as shell form).
    case invalid
    /// Valid JSON, but an element is not a string (an error in BuildKit and spawnc).
    case notAllStrings(elementRange: Range<Int>)
    /// The decoded strings and the byte range of each literal, quotes included.
    case strings([Element])
  }

  /// A decoded string and the byte range of its literal. (A struct, not a tuple: its type
  /// information is static, where a tuple's is built at run time on first use.)
  struct Element: Equatable {
    var value: String
    var range: Range<Int>
  }

  /// Go's limit on nesting depth.
  static let maxDepth = 10_000

  /// Parses `bytes[range]`, which must already have leading whitespace removed.
  static func parse(_ bytes: [UInt8], _ range: Range<Int>) -> Outcome {
    var reader = Reader(bytes: bytes, position: range.lowerBound, end: range.upperBound)
    guard reader.peek() == UInt8(ascii: "[") else { return .notAnArray }
    reader.position += 1
    var strings: [Element] = []
    var nonString: Range<Int>?
    reader.skipWhitespace()
    if reader.peek() == UInt8(ascii: "]") {
      reader.position += 1
    } else {
      while true {
        reader.skipWhitespace()
        let start = reader.position
        if reader.peek() == UInt8(ascii: "\"") {
          guard let value = reader.readString() else { return .invalid }
          strings.append(Element(value: value, range: start..<reader.position))
        } else {
          guard reader.skipValue() else { return .invalid }
          if nonString == nil { nonString = start..<reader.position }
        }
        reader.skipWhitespace()
        guard let next = reader.peek() else { return .invalid }
        reader.position += 1
        if next == UInt8(ascii: "]") { break }
        guard next == UInt8(ascii: ",") else { return .invalid }
      }
    }
    reader.skipWhitespace()
    guard reader.position == reader.end else { return .invalid }
    if let nonString { return .notAllStrings(elementRange: nonString) }
    return .strings(strings)
  }

  struct Reader {
    let bytes: [UInt8]
    var position: Int
    let end: Int

    func peek() -> UInt8? { position < end ? bytes[position] : nil }

    mutating func skipWhitespace() {
      while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
    }

    mutating func expect(_ literal: String) -> Bool {
      for byte in literal.utf8 {
        guard peek() == byte else { return false }
        position += 1
      }
      return true
    }

    /// Skips any JSON value without recursion (an explicit stack bounds the depth).
    mutating func skipValue() -> Bool {
      // Each entry is a container still open: true for an object, false for an array.
      var stack: [Bool] = []
      while true {
        skipWhitespace()
        guard let byte = peek() else { return false }
        switch byte {
        case UInt8(ascii: "{"):
          position += 1
          guard stack.count < JSONArray.maxDepth else { return false }
          stack.append(true)
          skipWhitespace()
          if peek() == UInt8(ascii: "}") {
            position += 1
            stack.removeLast()
            break
          }
          guard peek() == UInt8(ascii: "\""), readString() != nil else { return false }
          skipWhitespace()
          guard peek() == UInt8(ascii: ":") else { return false }
          position += 1
          continue
        case UInt8(ascii: "["):
          position += 1
          guard stack.count < JSONArray.maxDepth else { return false }
          stack.append(false)
          skipWhitespace()
          if peek() == UInt8(ascii: "]") {
            position += 1
            stack.removeLast()
            break
          }
          continue
        case UInt8(ascii: "\""):
          guard readString() != nil else { return false }
        case UInt8(ascii: "t"):
          guard expect("true") else { return false }
        case UInt8(ascii: "f"):
          guard expect("false") else { return false }
        case UInt8(ascii: "n"):
          guard expect("null") else { return false }
        default:
          guard readNumber() else { return false }
        }
        // A value ended: close containers or move to the next member.
        while true {
          guard let isObject = stack.last else { return true }
          skipWhitespace()
          guard let next = peek() else { return false }
          position += 1
          if next == UInt8(ascii: ",") {
            if isObject {
              skipWhitespace()
              guard peek() == UInt8(ascii: "\""), readString() != nil else { return false }
              skipWhitespace()
              guard peek() == UInt8(ascii: ":") else { return false }
              position += 1
            }
            break
          }
          guard next == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { return false }
          stack.removeLast()
        }
      }
    }

    mutating func readNumber() -> Bool {
      func digits() -> Int {
        var count = 0
        while let byte = peek(), byte >= 0x30 && byte <= 0x39 {
          position += 1
          count += 1
        }
        return count
      }
      if peek() == UInt8(ascii: "-") { position += 1 }
      guard let first = peek(), first >= 0x30 && first <= 0x39 else { return false }
      if first == 0x30 { position += 1 } else { _ = digits() }
      if peek() == UInt8(ascii: ".") {
        position += 1
        guard digits() > 0 else { return false }
      }
      if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
        position += 1
        if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
        guard digits() > 0 else { return false }
      }
      return true
    }

    /// Reads a string literal at `position` (which holds `"`), decoding escapes. Invalid UTF-8
    /// becomes U+FFFD, as in Go.
    mutating func readString() -> String? {
      position += 1
      var scalars = String.UnicodeScalarView()
      var pendingHigh: UInt32?  // a \uD800-\uDBFF waiting for its low surrogate
      func flushHigh() {
        if pendingHigh != nil {
          scalars.append("\u{FFFD}")
          pendingHigh = nil
        }
      }
      while true {
        guard let byte = peek() else { return nil }
        if byte == UInt8(ascii: "\"") {
          position += 1
          flushHigh()
          return String(scalars)
        }
        if byte < 0x20 { return nil }
        if byte == UInt8(ascii: "\\") {
          position += 1
          guard let escape = peek() else { return nil }
          position += 1
          var decoded: Unicode.Scalar?
          switch escape {
          case UInt8(ascii: "\""): decoded = "\""
          case UInt8(ascii: "\\"): decoded = "\\"
          case UInt8(ascii: "/"): decoded = "/"
          case UInt8(ascii: "b"): decoded = "\u{08}"
          case UInt8(ascii: "f"): decoded = "\u{0C}"
          case UInt8(ascii: "n"): decoded = "\n"
          case UInt8(ascii: "r"): decoded = "\r"
          case UInt8(ascii: "t"): decoded = "\t"
          case UInt8(ascii: "u"):
            var code: UInt32 = 0
            for _ in 0..<4 {
              guard let hex = peek(), let digit = Self.hexValue(hex) else { return nil }
              code = code * 16 + digit
              position += 1
            }
            if code >= 0xD800 && code < 0xDC00 {
              flushHigh()
              pendingHigh = code
              continue
            }
            if code >= 0xDC00 && code < 0xE000 {
              if let high = pendingHigh {
                pendingHigh = nil
                scalars.append(Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00))!)
              } else {
                scalars.append("\u{FFFD}")
              }
              continue
            }
            decoded = Unicode.Scalar(code)
          default: return nil
          }
          flushHigh()
          scalars.append(decoded!)
          continue
        }
        flushHigh()
        let (scalar, width) = UTF8Decoding.decode(bytes, at: position, end: end)
        scalars.append(scalar)
        position += width
      }
    }

    static func hexValue(_ byte: UInt8) -> UInt32? {
      switch byte {
      case 0x30...0x39: UInt32(byte - 0x30)
      case 0x41...0x46: UInt32(byte - 0x41 + 10)
      case 0x61...0x66: UInt32(byte - 0x61 + 10)
      default: nil
      }
    }
  }
}

/// Decodes one UTF-8 scalar the way Go does: an invalid sequence is U+FFFD of width 1.
enum UTF8Decoding {
  static func decode(_ bytes: [UInt8], at index: Int, end: Int) -> (Unicode.Scalar, Int) {
    let first = bytes[index]
    if first < 0x80 { return (Unicode.Scalar(first), 1) }
    let width: Int
    var value: UInt32
    switch first {
    case 0xC2...0xDF: width = 2; value = UInt32(first & 0x1F)
    case 0xE0...0xEF: width = 3; value = UInt32(first & 0x0F)
    case 0xF0...0xF4: width = 4; value = UInt32(first & 0x07)
    default: return ("\u{FFFD}", 1)
    }
    guard index + width <= end else { return ("\u{FFFD}", 1) }
    for offset in 1..<width {
      let byte = bytes[index + offset]
      guard byte & 0xC0 == 0x80 else { return ("\u{FFFD}", 1) }
      value = value << 6 | UInt32(byte & 0x3F)
    }
    // Reject overlong forms, surrogates and values past U+10FFFF.
    let minimum: UInt32 = width == 2 ? 0x80 : width == 3 ? 0x800 : 0x10000
    guard value >= minimum, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value),
      let scalar = Unicode.Scalar(value)
    else { return ("\u{FFFD}", 1) }
    return (scalar, width)
  }

  /// The offset of the first byte that is not part of valid UTF-8, if any.
  static func firstInvalidOffset(_ bytes: [UInt8]) -> Int? {
    var index = 0
    let end = bytes.count
    while index < end {
      if bytes[index] < 0x80 {
        index += 1
        continue
      }
      let (scalar, width) = decode(bytes, at: index, end: end)
      if scalar == "\u{FFFD}" && width == 1 { return index }
      index += width
    }
    return nil
  }
}
