/// "Did you mean ...?" — the one suggestion helper every phase uses.
public enum Suggest {
  /// The candidate closest to `word` by edit distance (case-insensitive), if it is close enough
  /// to be a plausible typo: at most a third of the word's length, and at least 1.
  public static func closest<S: Sequence>(to word: String, among candidates: S) -> String?
  where S.Element == String {
    let target = Array(word.lowercased().unicodeScalars)
    guard !target.isEmpty else { return nil }
    let limit = max(1, target.count / 3)
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
      let other = Array(candidate.lowercased().unicodeScalars)
      if abs(other.count - target.count) > limit { continue }
      let distance = editDistance(target, other, limit: limit)
      if distance <= limit, best == nil || distance < best!.distance {
        best = (candidate, distance)
      }
    }
    return best?.candidate
  }

  /// Optimal-string-alignment distance (insertions, deletions, substitutions, adjacent swaps).
  /// Returns `limit + 1` as soon as the distance is known to exceed `limit`.
  static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous2 = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      var rowMinimum = current[0]
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          value = min(value, previous2[j - 2] + 1)
        }
        current[j] = value
        rowMinimum = min(rowMinimum, value)
      }
      if rowMinimum > limit { return limit + 1 }
      (previous2, previous, current) = (previous, current, previous2)
    }
    return previous[b.count]
  }
}
