import SpawnBasics
import SpawnSyntax

/// Canonical formatting of a Spawnfile (being written).
public enum Formatter {
  /// The formatted text, or nil when the file has syntax errors.
  public static func format(_ file: SourceFile) -> String? { nil }
}
