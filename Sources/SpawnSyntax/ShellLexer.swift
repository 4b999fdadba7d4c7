/// Dockerfile's shell-like word processing: quotes, escapes and `$VAR` / `${VAR...}` expansion.
///
/// It follows BuildKit's `frontend/dockerfile/shell` lexer rule for rule (the conformance tables
/// in `../shared/corpus/buildkit-parser/shell/` pass through it), because a Dockerfile that works
/// there must mean the same thing here. It is used by the parser (to find here-document words)
/// and by the checker (to expand ENV, ARG, COPY, ... values).
///
/// Offsets in results are 0-based UTF-8 byte offsets into the processed text.
public struct ShellLexer: Sendable {
  /// The escape character: `\` by default, or `` ` `` after `# escape=```.
  public var escapeToken: Unicode.Scalar
  /// Keep quote characters in the result (the quoted text is still treated as quoted).
  public var rawQuotes = false
  /// Keep escape characters in the result.
  public var rawEscapes = false
  /// Treat quote characters as ordinary characters.
  public var skipProcessQuotes = false
  /// Leave references to unset variables as written (`$X`, `${X:-y}`) instead of expanding them.
  public var skipUnsetEnv = false

  public init(escapeToken: Unicode.Scalar = "\\") {
    self.escapeToken = escapeToken
  }

  /// How deeply `${...}` substitutions may nest inside one another (SP3007). Expansion recurses
  /// once per level, and each level copies what the levels inside it produced, so the depth is
  /// bounded to keep the stack and the work per word bounded.
  public static let maximumNestingDepth = 100

  /// A variable the text referred to.
  public struct Reference: Hashable, Sendable {
    public var name: String
    /// The whole substitution, from `$` to the end of the name or the closing `}`.
    public var range: Range<Int>
    /// Whether the variable was set when it was looked up.
    public var isSet: Bool
    /// Whether the substitution handles an unset variable itself (`${X:-d}`, `${X+a}`, `${X?m}`).
    public var handlesUnset: Bool
  }

  /// The outcome of processing one piece of text.
  public struct Result: Sendable {
    /// The text with quotes removed and variables expanded.
    public var value: String
    /// The same, split into words at unquoted whitespace (whitespace from a variable's value splits too).
    public var words: [String]
    public var references: [Reference]
  }

  /// What went wrong, and where.
  public struct Failure: Error, Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
      case badSubstitution
      case unterminatedQuote
      /// `${NAME?message}` or `${NAME:?message}` with the variable unset (or empty).
      case required(name: String)
      /// `${...}` nested deeper than `maximumNestingDepth`; the range is the first `${` too deep.
      case tooDeep
    }
    public var kind: Kind
    public var message: String
    /// The byte range of the offending construct in the processed text.
    public var range: Range<Int>
  }

  /// Processes `text`, looking variables up with `lookup` (nil = unset).
  public func process(_ text: String, lookup: (String) -> String?) throws(Failure) -> Result {
    if let plain = plainResult(text) { return plain }
    return try processInFull(text, lookup: lookup)
  }

  /// The result for text whose only special characters are quotes around literal text (most
  /// words in recipes: image names, paths, ports, `NAME="a value"`): its value is the text
  /// without the quotes, and it is one word (blanks are only allowed inside quotes). Nil for
  /// text with `$`, escapes, `<`, non-ASCII characters, blanks outside quotes or an unclosed
  /// quote, which take the full path.
  public func plainResult(_ text: String) -> Result? {
    let escape = escapeToken.value < 0x80 ? UInt8(escapeToken.value) : 0
    let quotesAreSpecial = !skipProcessQuotes
    var quote: UInt8 = 0
    var hasQuotes = false
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "$"), escape, 0x80...:
        return nil
      case UInt8(ascii: "'"), UInt8(ascii: "\""):
        guard quotesAreSpecial else { return nil }
        hasQuotes = true
        if quote == 0 {
          quote = byte
        } else if quote == byte {
          quote = 0
        }
      case UInt8(ascii: "<"), 0x09...0x0D, UInt8(ascii: " "):
        if quote == 0 { return nil }
      default: continue
      }
    }
    guard quote == 0 else { return nil }
    guard hasQuotes else { return Result(value: text, words: text.isEmpty ? [] : [text], references: []) }
    if rawQuotes { return nil }
    var value: [UInt8] = []
    value.reserveCapacity(text.utf8.count)
    quote = 0
    for byte in text.utf8 {
      if (byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"")) && (quote == 0 || quote == byte) {
        quote = quote == 0 ? byte : 0
      } else {
        value.append(byte)
      }
    }
    let string = String(decoding: value, as: UTF8.self)
    return Result(value: string, words: string.isEmpty ? [] : [string], references: [])
  }

  /// `process` without the shortcut for plain text.
  func processInFull(_ text: String, lookup: (String) -> String?) throws(Failure) -> Result {
    try withoutActuallyEscaping(lookup) { (lookup) throws(Failure) -> Result in
      var machine = Machine(lexer: self, text: text, lookup: lookup)
      let (value, words) = try machine.processStop(on: nil, rawEscapes: rawEscapes, collectsWords: true)
      return Result(value: value, words: words, references: machine.references)
    }
  }
}

extension ShellLexer {
  /// The words being built, split at unquoted whitespace (BuildKit's `wordsStruct`).
  private struct Words {
    var buffer = ""
    var words: [String] = []
    var inWord = false

    mutating func addChar(_ ch: Unicode.Scalar) {
      if ShellLexer.isSpace(ch) {
        if inWord && !buffer.isEmpty {
          words.append(buffer)
          buffer = ""
          inWord = false
        }
      } else {
        addRawChar(ch)
      }
    }

    mutating func addRawChar(_ ch: Unicode.Scalar) {
      buffer.unicodeScalars.append(ch)
      inWord = true
    }

    mutating func addString(_ text: String) {
      for ch in text.unicodeScalars { addChar(ch) }
    }

    mutating func addRawString(_ text: String) {
      buffer += text
      inWord = true
    }

    mutating func finish() -> [String] {
      if !buffer.isEmpty {
        words.append(buffer)
        buffer = ""
        inWord = false
      }
      return words
    }
  }

  private struct Machine {
    let lexer: ShellLexer
    let scalars: [Unicode.Scalar]
    /// Byte offset of each scalar, plus the total length at the end.
    let offsets: [Int]
    let lookup: (String) -> String?
    var position = 0
    var rawEscapes: Bool
    var references: [Reference] = []
    /// How many `${` are open around the current position.
    var depth = 0

    init(lexer: ShellLexer, text: String, lookup: @escaping (String) -> String?) {
      self.lexer = lexer
      var scalars: [Unicode.Scalar] = []
      var offsets: [Int] = []
      scalars.reserveCapacity(text.utf8.count)
      offsets.reserveCapacity(text.utf8.count + 1)
      var offset = 0
      for scalar in text.unicodeScalars {
        scalars.append(scalar)
        offsets.append(offset)
        offset += scalar.utf8.count
      }
      offsets.append(offset)
      self.scalars = scalars
      self.offsets = offsets
      self.lookup = lookup
      self.rawEscapes = lexer.rawEscapes
    }

    func peek() -> Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    mutating func next() -> Unicode.Scalar? {
      guard position < scalars.count else { return nil }
      defer { position += 1 }
      return scalars[position]
    }

    var here: Int { offsets[position] }

    func failure(_ kind: Failure.Kind, _ message: String, from start: Int) -> Failure {
      Failure(kind: kind, message: message, range: offsets[start]..<max(offsets[start] + 1, here))
    }

    /// Processes until `stop` (consumed) or the end of the text. Words are split only when
    /// `collectsWords` (the words of a nested `${...}` are never used).
    mutating func processStop(
      on stop: Unicode.Scalar?, rawEscapes: Bool, collectsWords: Bool = false
    ) throws(Failure) -> (String, [String]) {
      var result = ""
      var words = Words()
      let savedRawEscapes = self.rawEscapes
      self.rawEscapes = rawEscapes
      defer { self.rawEscapes = savedRawEscapes }
      let start = position

      while let ch = peek() {
        if let stop, ch == stop {
          position += 1
          return (result, collectsWords ? words.finish() : [])
        }
        if ch == "$" {
          let value = try processDollar()
          result += value
          if collectsWords { words.addString(value) }
        } else if ch == "<" {
          let value = processPossibleHeredoc()
          result += value
          if collectsWords { words.addRawString(value) }
        } else if !lexer.skipProcessQuotes && (ch == "'" || ch == "\"") {
          let value = ch == "'" ? try processSingleQuote() : try processDoubleQuote()
          result += value
          if collectsWords { words.addRawString(value) }
        } else {
          var ch = next()!
          if ch == lexer.escapeToken {
            if self.rawEscapes {
              if collectsWords { words.addRawChar(ch) }
              result.unicodeScalars.append(ch)
            }
            guard let escaped = next() else { break }
            ch = escaped
            if collectsWords { words.addRawChar(ch) }
          } else if collectsWords {
            words.addChar(ch)
          }
          result.unicodeScalars.append(ch)
        }
      }
      if let stop {
        throw failure(.badSubstitution, "unexpected end of text while looking for matching \(stop)", from: start)
      }
      return (result, collectsWords ? words.finish() : [])
    }

    mutating func processSingleQuote() throws(Failure) -> String {
      let start = position
      var result = ""
      let open = next()!
      if lexer.rawQuotes { result.unicodeScalars.append(open) }
      while true {
        guard let ch = next() else {
          throw failure(.unterminatedQuote, "missing closing single quote", from: start)
        }
        if ch == "'" {
          if lexer.rawQuotes { result.unicodeScalars.append(ch) }
          return result
        }
        result.unicodeScalars.append(ch)
      }
    }

    mutating func processDoubleQuote() throws(Failure) -> String {
      let start = position
      var result = ""
      let open = next()!
      if lexer.rawQuotes { result.unicodeScalars.append(open) }
      while true {
        guard let ch = peek() else {
          throw failure(.unterminatedQuote, "missing closing double quote", from: start)
        }
        if ch == "\"" {
          position += 1
          if lexer.rawQuotes { result.unicodeScalars.append(ch) }
          return result
        }
        if ch == "$" {
          result += try processDollar()
          continue
        }
        var current = next()!
        if current == lexer.escapeToken {
          if rawEscapes { result.unicodeScalars.append(current) }
          guard let following = peek() else { continue }  // an escape at the very end is dropped
          if following == "\"" || following == "$" || following == lexer.escapeToken {
            current = next()!
          }
        }
        result.unicodeScalars.append(current)
      }
    }

    mutating func processDollar() throws(Failure) -> String {
      let start = position
      position += 1  // `$`

      if peek() != "{" {
        let name = processName()
        if name.isEmpty { return "$" }
        let value = lookup(name)
        references.append(Reference(name: name, range: offsets[start]..<here, isSet: value != nil, handlesUnset: false))
        if value == nil && lexer.skipUnsetEnv { return "$" + name }
        return value ?? ""
      }

      position += 1  // `{`
      depth += 1
      defer { depth -= 1 }
      guard depth <= ShellLexer.maximumNestingDepth else {
        throw failure(.tooDeep, "`${...}` nested more than \(ShellLexer.maximumNestingDepth) levels deep; spawnc expands at most \(ShellLexer.maximumNestingDepth)", from: start)
      }
      switch peek() {
      case nil:
        throw failure(.badSubstitution, "missing '}'", from: start)
      case "{", "}", ":":
        position += 1
        throw failure(.badSubstitution, "expected a variable name after `${`", from: start)
      default: break
      }
      let name = processName()
      let modifierStart = position
      guard let ch = next() else {
        throw failure(.badSubstitution, "missing '}'", from: start)
      }

      switch ch {
      case "}":
        let value = lookup(name)
        references.append(Reference(name: name, range: offsets[start]..<here, isSet: value != nil, handlesUnset: false))
        if value == nil && lexer.skipUnsetEnv { return "${\(name)}" }
        return value ?? ""

      case ":", "+", "-", "?", "#", "%":
        var modifier = ch
        var spelled = String(ch)
        let nullIsUnset = ch == ":"
        if nullIsUnset {
          guard let second = next() else {
            throw failure(.badSubstitution, "missing '}'", from: start)
          }
          modifier = second
          spelled.unicodeScalars.append(second)
        }
        let raw = modifier == "#" || modifier == "%"
        if nullIsUnset && raw {
          throw failure(.badSubstitution, "unsupported modifier (\(spelled)) in substitution", from: modifierStart)
        }
        var word: String
        do {
          (word, _) = try processStop(on: "}", rawEscapes: raw)
        } catch {
          if peek() == nil { throw failure(.badSubstitution, "missing '}'", from: start) }
          throw error
        }
        let value = lookup(name)
        let handlesUnset = modifier == "-" || modifier == "+" || modifier == "?"
        references.append(Reference(name: name, range: offsets[start]..<here, isSet: value != nil, handlesUnset: handlesUnset))
        if lexer.skipUnsetEnv && value == nil { return "${\(name)\(spelled)\(word)}" }

        switch modifier {
        case "-":
          if value == nil || (nullIsUnset && value == "") { return word }
          return value!
        case "+":
          if value == nil || (nullIsUnset && value == "") { return "" }
          return word
        case "?":
          if value == nil {
            throw failure(.required(name: name), "\(name): \(word.isEmpty ? "is not allowed to be unset" : word)", from: start)
          }
          if nullIsUnset && value == "" {
            throw failure(.required(name: name), "\(name): \(word.isEmpty ? "is not allowed to be empty" : word)", from: start)
          }
          return value!
        case "%", "#":
          var greedy = false
          if word.unicodeScalars.first == modifier {
            greedy = true
            word.unicodeScalars.removeFirst()
          }
          do {
            let pattern = try ShellPattern(word)
            return modifier == "%"
              ? pattern.trimmingSuffix(of: value ?? "", greedy: greedy)
              : pattern.trimmingPrefix(of: value ?? "", greedy: greedy)
          } catch {
            throw failure(.badSubstitution, "invalid pattern (\(word)) in substitution: \(error.message)", from: start)
          }
        default:
          throw failure(.badSubstitution, "unsupported modifier (\(spelled)) in substitution", from: modifierStart)
        }

      case "/":
        let replaceAll = peek() == "/"
        if replaceAll { position += 1 }
        let pattern: String
        do {
          (pattern, _) = try processStop(on: "/", rawEscapes: true)
        } catch {
          if peek() == nil { throw failure(.badSubstitution, "missing '/' in ${}", from: start) }
          throw error
        }
        let replacement: String
        do {
          (replacement, _) = try processStop(on: "}", rawEscapes: true)
        } catch {
          if peek() == nil { throw failure(.badSubstitution, "missing '}'", from: start) }
          throw error
        }
        let value = lookup(name)
        references.append(Reference(name: name, range: offsets[start]..<here, isSet: value != nil, handlesUnset: false))
        if lexer.skipUnsetEnv && value == nil { return "${\(name)/\(pattern)/\(replacement)}" }
        do {
          let compiled = try ShellPattern(pattern)
          return compiled.replacing(in: value ?? "", with: replacement, all: replaceAll)
        } catch {
          throw failure(.badSubstitution, "invalid pattern (\(pattern)) in substitution: \(error.message)", from: start)
        }

      default:
        throw failure(.badSubstitution, "unsupported modifier (\(ch)) in substitution", from: modifierStart)
      }
    }

    /// A variable name: letters, digits and `_`; or a run of digits; or one special parameter.
    mutating func processName() -> String {
      var name = ""
      while let ch = peek() {
        if name.isEmpty && ShellLexer.isDigit(ch) {
          while let digit = peek(), ShellLexer.isDigit(digit) {
            name.unicodeScalars.append(digit)
            position += 1
          }
          return name
        }
        if name.isEmpty && ShellLexer.isSpecialParameter(ch) {
          position += 1
          return String(ch)
        }
        if !ShellLexer.isLetter(ch) && !ShellLexer.isDigit(ch) && ch != "_" { break }
        name.unicodeScalars.append(ch)
        position += 1
      }
      return name
    }

    /// `<<` and any blanks after it stay together, so `<< EOF` is one word.
    mutating func processPossibleHeredoc() -> String {
      position += 1
      guard peek() == "<" else { return "<" }
      position += 1
      var result = "<<"
      while let ch = peek(), ch == "\t" || ch == "\r" || ch == " " {
        result.unicodeScalars.append(ch)
        position += 1
      }
      return result
    }
  }

  /// Go's `unicode.IsSpace`.
  public static func isSpace(_ ch: Unicode.Scalar) -> Bool {
    switch ch.value {
    case 0x09...0x0D, 0x20, 0x85, 0xA0: return true
    case 0..<0x1680: return false
    default: return ch.properties.isWhitespace && ch.value != 0x180E
    }
  }

  static func isDigit(_ ch: Unicode.Scalar) -> Bool {
    if ch.isASCII { return ch.value >= 0x30 && ch.value <= 0x39 }
    return ch.properties.generalCategory == .decimalNumber
  }

  static func isLetter(_ ch: Unicode.Scalar) -> Bool {
    if ch.isASCII { return (ch.value | 0x20) >= 0x61 && (ch.value | 0x20) <= 0x7A }
    switch ch.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
    default: return false
    }
  }

  static func isSpecialParameter(_ ch: Unicode.Scalar) -> Bool {
    switch ch {
    case "@", "*", "#", "?", "-", "$", "!", "0": true
    default: false
    }
  }
}
