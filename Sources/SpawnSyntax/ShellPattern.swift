/// A shell wildcard pattern as used in `${VAR#pattern}`, `${VAR%pattern}` and `${VAR/pattern/r}`.
///
/// `*` matches any run of characters, `?` one character (neither matches a newline, as in
/// BuildKit, which turns the pattern into a Go regular expression), `\*`, `\?` and `\\` are
/// literal, and `\}` and `\/` stand for `}` and `/`. Bracket expressions are not supported.
struct ShellPattern {
  enum Token: Equatable {
    case star
    case any
    case literal(Unicode.Scalar)
  }

  struct InvalidPattern: Error {
    var message: String
  }

  let tokens: [Token]

  init(_ pattern: String) throws(InvalidPattern) {
    var tokens: [Token] = []
    let scalars = Array(pattern.unicodeScalars)
    var index = 0
    while index < scalars.count {
      let ch = scalars[index]
      index += 1
      switch ch {
      case "*": tokens.append(.star)
      case "?": tokens.append(.any)
      case "\\":
        if index < scalars.count && (scalars[index] == "}" || scalars[index] == "/") {
          continue  // the escape only protected the `}` or `/` from the substitution syntax
        }
        guard index < scalars.count else { throw InvalidPattern(message: "trailing '\\'") }
        let escaped = scalars[index]
        index += 1
        guard escaped == "*" || escaped == "?" || escaped == "\\" else {
          throw InvalidPattern(message: "invalid escape '\\\(escaped)'")
        }
        tokens.append(.literal(escaped))
      default:
        tokens.append(.literal(ch))
      }
    }
    self.tokens = tokens
  }

  private init(tokens: [Token]) { self.tokens = tokens }

  /// `${VAR#pattern}` (shortest) and `${VAR##pattern}` (longest): removes a matching prefix.
  func trimmingPrefix(of value: String, greedy: Bool) -> String {
    let scalars = Array(value.unicodeScalars)
    guard let end = matchEnd(in: scalars, from: 0, greedy: greedy) else { return value }
    var result = ""
    result.unicodeScalars.append(contentsOf: scalars[end...])
    return result
  }

  /// `${VAR%pattern}` and `${VAR%%pattern}`: removes a matching suffix (matching the reversed
  /// pattern against the reversed value, as BuildKit does).
  func trimmingSuffix(of value: String, greedy: Bool) -> String {
    let reversedPattern = ShellPattern(tokens: tokens.reversed())
    let reversedValue = Array(value.unicodeScalars.reversed())
    guard let end = reversedPattern.matchEnd(in: reversedValue, from: 0, greedy: greedy) else { return value }
    var result = ""
    result.unicodeScalars.append(contentsOf: reversedValue[end...].reversed())
    return result
  }

  /// `${VAR/pattern/replacement}` and `${VAR//pattern/replacement}` (always greedy). With `all`,
  /// the replacement is a Go regexp template, so `$$` is `$` and `$0` is the match.
  func replacing(in value: String, with replacement: String, all: Bool) -> String {
    let scalars = Array(value.unicodeScalars)
    var result = ""
    if !all {
      for start in 0...scalars.count {
        if let end = matchEnd(in: scalars, from: start, greedy: true) {
          result.unicodeScalars.append(contentsOf: scalars[..<start])
          result += replacement
          result.unicodeScalars.append(contentsOf: scalars[end...])
          return result
        }
      }
      return value
    }
    var lastMatchEnd = 0
    var searchFrom = 0
    while searchFrom <= scalars.count {
      var found: (start: Int, end: Int)?
      for start in searchFrom...scalars.count {
        if let end = matchEnd(in: scalars, from: start, greedy: true) {
          found = (start, end)
          break
        }
      }
      guard let match = found else { break }
      result.unicodeScalars.append(contentsOf: scalars[lastMatchEnd..<match.start])
      if match.end > lastMatchEnd || match.start == 0 {
        result += Self.expandTemplate(replacement, match: scalars[match.start..<match.end])
      }
      lastMatchEnd = match.end
      searchFrom = max(searchFrom + 1, match.end)
    }
    result.unicodeScalars.append(contentsOf: scalars[lastMatchEnd...])
    return result
  }

  /// The end of the preferred match starting exactly at `start`, if any: stars try the longest
  /// run first when `greedy`, the shortest first otherwise (leftmost-first, like Go's regexp).
  func matchEnd(in value: [Unicode.Scalar], from start: Int, greedy: Bool) -> Int? {
    var failed = Set<Int>()  // (token, position) states known to fail
    let width = value.count + 1

    func match(_ token: Int, _ position: Int) -> Int? {
      if token == tokens.count { return position }
      let key = token * width + position
      if failed.contains(key) { return nil }
      var result: Int?
      switch tokens[token] {
      case .literal(let ch):
        if position < value.count && value[position] == ch { result = match(token + 1, position + 1) }
      case .any:
        if position < value.count && value[position] != "\n" { result = match(token + 1, position + 1) }
      case .star:
        var limit = position
        while limit < value.count && value[limit] != "\n" { limit += 1 }
        if greedy {
          var candidate = limit
          while result == nil && candidate >= position {
            result = match(token + 1, candidate)
            candidate -= 1
          }
        } else {
          var candidate = position
          while result == nil && candidate <= limit {
            result = match(token + 1, candidate)
            candidate += 1
          }
        }
      }
      if result == nil { failed.insert(key) }
      return result
    }
    return match(0, start)
  }

  /// Go's `Regexp.Expand` for a pattern without capture groups.
  static func expandTemplate(_ template: String, match: ArraySlice<Unicode.Scalar>) -> String {
    let scalars = Array(template.unicodeScalars)
    var out = ""
    var index = 0
    func isNameChar(_ ch: Unicode.Scalar) -> Bool {
      ch == "_" || ShellLexer.isLetter(ch) || ShellLexer.isDigit(ch)
    }
    while index < scalars.count {
      let ch = scalars[index]
      guard ch == "$", index + 1 < scalars.count else {
        out.unicodeScalars.append(ch)
        index += 1
        continue
      }
      let next = scalars[index + 1]
      if next == "$" {
        out += "$"
        index += 2
        continue
      }
      var name = ""
      var end = index + 1
      if next == "{" {
        var cursor = index + 2
        while cursor < scalars.count && isNameChar(scalars[cursor]) { cursor += 1 }
        guard cursor > index + 2, cursor < scalars.count, scalars[cursor] == "}" else {
          out += "$"
          index += 1
          continue
        }
        name = String(String.UnicodeScalarView(scalars[(index + 2)..<cursor]))
        end = cursor + 1
      } else {
        var cursor = index + 1
        while cursor < scalars.count && isNameChar(scalars[cursor]) { cursor += 1 }
        guard cursor > index + 1 else {
          out += "$"
          index += 1
          continue
        }
        name = String(String.UnicodeScalarView(scalars[(index + 1)..<cursor]))
        end = cursor
      }
      if name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x30 && $0.value <= 0x39 }),
        let number = Int(name), number == 0
      {
        out.unicodeScalars.append(contentsOf: match)
      }
      index = end
    }
    return out
  }
}
