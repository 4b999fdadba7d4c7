/// One entry of the diagnostic catalog: a stable code and what it means.
///
/// Codes are never reused or renumbered. The first digit groups them by phase:
/// `SP1xxx` syntax, `SP2xxx` structure and names, `SP3xxx` variables, `SP4xxx` typed values,
/// `SP5xxx` Dockerfile features spawnc does not support, `SP6xxx` limits of the generated files.
public struct DiagnosticKind: Hashable, Sendable {
  /// The stable code, e.g. `SP2001`.
  public let code: String
  /// A short kebab-case name, e.g. `unpinned-from` (for ignore lists and SARIF rule names).
  public let name: String
  /// The default severity.
  public let severity: Severity
  /// One line: what is wrong.
  public let summary: String
  /// The long form printed by `spawnc explain CODE`: why it matters and how to fix it.
  public let explanation: String

  public init(_ code: String, _ name: String, _ severity: Severity, _ summary: String, explanation: String) {
    self.code = code
    self.name = name
    self.severity = severity
    self.summary = summary
    self.explanation = explanation
  }

  public static func == (lhs: DiagnosticKind, rhs: DiagnosticKind) -> Bool { lhs.code == rhs.code }
  public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
