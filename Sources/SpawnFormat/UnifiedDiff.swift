/// A unified diff (`diff -u`) of two texts, for `spawnc fmt --diff`.
public enum UnifiedDiff {
  /// The diff from `old` to `new` with three lines of context, or "" when they are equal.
  /// Lines are split at `\n`; a last line without one is marked `\ No newline at end of file`.
  public static func render(old: String, new: String, oldName: String, newName: String, context: Int = 3) -> String {
    guard old != new else { return "" }
    let a = split(old)
    let b = split(new)
    let edits = script(a.map(\.text), b.map(\.text))
    var out = "--- \(oldName)\n+++ \(newName)\n"
    // Group the edit script into hunks with `context` lines around each change.
    var index = 0
    while index < edits.count {
      guard let firstChange = edits[index...].firstIndex(where: { $0.kind != .same }) else { break }
      let start = max(index, firstChange - context)
      // Changes closer than twice the context share a hunk.
      var lastChange = firstChange
      var cursor = firstChange + 1
      while cursor < edits.count && cursor - lastChange <= 2 * context + 1 {
        if edits[cursor].kind != .same { lastChange = cursor }
        cursor += 1
      }
      let end = min(edits.count, lastChange + context + 1)
      let hunk = edits[start..<end]
      let oldStart = hunk.first!.oldIndex
      let newStart = hunk.first!.newIndex
      let oldCount = hunk.filter { $0.kind != .insert }.count
      let newCount = hunk.filter { $0.kind != .delete }.count
      out += "@@ -\(range(oldStart, oldCount)) +\(range(newStart, newCount)) @@\n"
      for edit in hunk {
        switch edit.kind {
        case .same:
          out += " " + a[edit.oldIndex].text + "\n"
          if !a[edit.oldIndex].terminated { out += "\\ No newline at end of file\n" }
        case .delete:
          out += "-" + a[edit.oldIndex].text + "\n"
          if !a[edit.oldIndex].terminated { out += "\\ No newline at end of file\n" }
        case .insert:
          out += "+" + b[edit.newIndex].text + "\n"
          if !b[edit.newIndex].terminated { out += "\\ No newline at end of file\n" }
        }
      }
      index = end
    }
    return out
  }

  static func range(_ start: Int, _ count: Int) -> String {
    // `diff -u` numbers lines from 1; an empty range names the line before it.
    let first = count == 0 ? start : start + 1
    return count == 1 ? "\(first)" : "\(first),\(count)"
  }

  struct Line {
    var text: String
    var terminated: Bool
  }

  static func split(_ text: String) -> [Line] {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
      Line(text: String($0), terminated: true)
    }
    if lines.last?.text == "" {
      lines.removeLast()
    } else if !lines.isEmpty {
      lines[lines.count - 1].terminated = false
    }
    return lines
  }

  struct Edit {
    enum Kind { case same, delete, insert }
    var kind: Kind
    var oldIndex: Int
    var newIndex: Int
  }

  /// The shortest edit script (Myers' algorithm), after skipping the common prefix and suffix.
  static func script(_ a: [String], _ b: [String]) -> [Edit] {
    var prefix = 0
    while prefix < a.count && prefix < b.count && a[prefix] == b[prefix] { prefix += 1 }
    var suffix = 0
    while suffix < a.count - prefix && suffix < b.count - prefix && a[a.count - 1 - suffix] == b[b.count - 1 - suffix] {
      suffix += 1
    }
    let x = Array(a[prefix..<(a.count - suffix)])
    let y = Array(b[prefix..<(b.count - suffix)])
    var edits = (0..<prefix).map { Edit(kind: .same, oldIndex: $0, newIndex: $0) }
    for edit in myers(x, y) {
      edits.append(Edit(kind: edit.kind, oldIndex: edit.oldIndex + prefix, newIndex: edit.newIndex + prefix))
    }
    for offset in 0..<suffix {
      edits.append(Edit(kind: .same, oldIndex: a.count - suffix + offset, newIndex: b.count - suffix + offset))
    }
    return edits
  }

  static func myers(_ a: [String], _ b: [String]) -> [Edit] {
    let n = a.count
    let m = b.count
    let max = n + m
    guard max > 0 else { return [] }
    var v = [Int](repeating: 0, count: 2 * max + 2)
    var trace: [[Int]] = []
    outer: for d in 0...max {
      trace.append(v)
      for k in stride(from: -d, through: d, by: 2) {
        var x: Int
        if k == -d || (k != d && v[k - 1 + max] < v[k + 1 + max]) {
          x = v[k + 1 + max]
        } else {
          x = v[k - 1 + max] + 1
        }
        var y = x - k
        while x < n && y < m && a[x] == b[y] {
          x += 1
          y += 1
        }
        v[k + max] = x
        if x >= n && y >= m { break outer }
      }
    }
    // Walk back through the trace to recover the path.
    var edits: [Edit] = []
    var x = n
    var y = m
    for d in stride(from: trace.count - 1, through: 0, by: -1) {
      let v = trace[d]
      let k = x - y
      let previousK: Int
      if k == -d || (k != d && v[k - 1 + max] < v[k + 1 + max]) {
        previousK = k + 1
      } else {
        previousK = k - 1
      }
      let previousX = v[previousK + max]
      let previousY = previousX - previousK
      while x > previousX && y > previousY {
        x -= 1
        y -= 1
        edits.append(Edit(kind: .same, oldIndex: x, newIndex: y))
      }
      if d > 0 {
        if x == previousX {
          y -= 1
          edits.append(Edit(kind: .insert, oldIndex: x, newIndex: y))
        } else {
          x -= 1
          edits.append(Edit(kind: .delete, oldIndex: x, newIndex: y))
        }
      }
    }
    return edits.reversed()
  }
}
