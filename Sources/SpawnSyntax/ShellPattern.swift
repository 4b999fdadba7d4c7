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
    guard let match = search(in: scalars, from: 0, anchored: true, greedy: greedy) else { return value }
    var result = ""
    result.unicodeScalars.append(contentsOf: scalars[match.end...])
    return result
  }

  /// `${VAR%pattern}` and `${VAR%%pattern}`: removes a matching suffix (matching the reversed
  /// pattern against the reversed value, as BuildKit does).
  func trimmingSuffix(of value: String, greedy: Bool) -> String {
    let reversedPattern = ShellPattern(tokens: tokens.reversed())
    let reversedValue = Array(value.unicodeScalars.reversed())
    guard let match = reversedPattern.search(in: reversedValue, from: 0, anchored: true, greedy: greedy) else {
      return value
    }
    var result = ""
    result.unicodeScalars.append(contentsOf: reversedValue[match.end...].reversed())
    return result
  }

  /// `${VAR/pattern/replacement}` and `${VAR//pattern/replacement}` (always greedy). With `all`,
  /// the replacement is a Go regexp template, so `$$` is `$` and `$0` is the match.
  func replacing(in value: String, with replacement: String, all: Bool) -> String {
    let scalars = Array(value.unicodeScalars)
    var result = ""
    if !all {
      guard let match = search(in: scalars, from: 0, anchored: false, greedy: true) else { return value }
      result.unicodeScalars.append(contentsOf: scalars[..<match.start])
      result += replacement
      result.unicodeScalars.append(contentsOf: scalars[match.end...])
      return result
    }
    var lastMatchEnd = 0
    var searchFrom = 0
    while searchFrom <= scalars.count {
      guard let match = search(in: scalars, from: searchFrom, anchored: false, greedy: true) else { break }
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

  /// The leftmost match at or after `from` (only at `from` when `anchored`) and, for that start,
  /// the longest end when `greedy`, else the shortest (`greedy: false` needs `anchored`). This is
  /// the match Go's leftmost-first regexp prefers for these patterns: each star takes the
  /// longest (or shortest) run that lets the rest match, which places the last part of the
  /// pattern as late (or as early) as possible.
  ///
  /// A simulation of the pattern's automaton, one value character at a time, with each state
  /// remembering the earliest start that reached it: no recursion, memory linear in the
  /// pattern, and time proportional to the characters read times the states alive (at most
  /// the pattern's length; a literal run keeps at most one alive per star before it).
  func search(in value: [Unicode.Scalar], from: Int, anchored: Bool, greedy: Bool) -> (start: Int, end: Int)? {
    let accept = tokens.count
    var states: [Int] = []
    var starts = [Int](repeating: -1, count: accept + 1)  // per state: the earliest start, or -1
    var nextStates: [Int] = []
    var nextStarts = [Int](repeating: -1, count: accept + 1)
    var best: (start: Int, end: Int)?

    /// Adds `state` (and the states a star lets it skip to) reached from `start`.
    func add(_ state: Int, _ start: Int, _ list: inout [Int], _ table: inout [Int]) {
      var state = state
      while true {
        if table[state] != -1 && table[state] <= start { return }
        if table[state] == -1 { list.append(state) }
        table[state] = start
        guard state < accept, tokens[state] == .star else { return }
        state += 1
      }
    }

    var position = from
    add(0, from, &states, &starts)
    while true {
      if starts[accept] != -1 {
        let start = starts[accept]
        if best == nil || start < best!.start {
          best = (start, position)
        } else if start == best!.start {
          best!.end = position
        }
        if !greedy { return best }
      }
      if position == value.count { break }
      if states.isEmpty && (anchored || best != nil) { break }
      let character = value[position]
      for state in states where state < accept {
        let start = starts[state]
        if let best, start > best.start { continue }
        switch tokens[state] {
        case .literal(let literal):
          if character == literal { add(state + 1, start, &nextStates, &nextStarts) }
        case .any:
          if character != "\n" { add(state + 1, start, &nextStates, &nextStarts) }
        case .star:
          if character != "\n" { add(state, start, &nextStates, &nextStarts) }
        }
      }
      if !anchored && best == nil { add(0, position + 1, &nextStates, &nextStarts) }
      for state in states { starts[state] = -1 }
      states.removeAll(keepingCapacity: true)
      swap(&states, &nextStates)
      swap(&starts, &nextStarts)
      position += 1
    }
    return best
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
