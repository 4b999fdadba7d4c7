/// How bad a diagnostic is. Errors stop compilation; warnings do not.
public enum Severity: String, Sendable, Comparable, CaseIterable {
  case error
  case warning
  case note

  private var rank: Int {
    switch self {
    case .error: 2
    case .warning: 1
    case .note: 0
    }
  }

  public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// One text replacement: the bytes of `span` become `replacement`.
public struct TextEdit: Hashable, Sendable {
  public var span: Span
  public var replacement: String

  public init(span: Span, replacement: String) {
    self.span = span
    self.replacement = replacement
  }
}

/// A suggested change that fixes a diagnostic, as data an editor can apply.
public struct FixIt: Hashable, Sendable {
  /// What the fix does, imperative and lower-case: "replace `ADD` with `COPY`".
  public var message: String
  public var edits: [TextEdit]

  public init(_ message: String, edits: [TextEdit]) {
    self.message = message
    self.edits = edits
  }

  /// A fix that replaces one span.
  public static func replace(_ span: Span, with replacement: String, _ message: String) -> FixIt {
    FixIt(message, edits: [TextEdit(span: span, replacement: replacement)])
  }
}

/// A secondary message attached to a diagnostic, optionally pointing somewhere else in the file.
public struct DiagnosticNote: Hashable, Sendable {
  public var span: Span?
  public var message: String

  public init(_ message: String, at span: Span? = nil) {
    self.span = span
    self.message = message
  }
}

/// A problem found in a source file: the one currency of every phase.
///
/// `span` is tight (exactly the offending construct); `message` is one lower-case line;
/// `help` says in full sentences what to write instead, with an example where one helps.
public struct Diagnostic: Hashable, Sendable {
  public var kind: DiagnosticKind
  public var severity: Severity
  public var span: Span
  public var message: String
  public var help: String?
  public var notes: [DiagnosticNote]
  public var fixIts: [FixIt]

  public init(
    _ kind: DiagnosticKind, _ message: String, at span: Span, help: String? = nil,
    notes: [DiagnosticNote] = [], fixIts: [FixIt] = [], severity: Severity? = nil
  ) {
    self.kind = kind
    self.severity = severity ?? kind.severity
    self.span = span
    self.message = message
    self.help = help
    self.notes = notes
    self.fixIts = fixIts
  }

  /// The stable code, e.g. `SP2001`.
  public var code: String { kind.code }
}

/// The diagnostics of one phase, in the order they were found.
public struct DiagnosticBag: Sendable {
  public private(set) var diagnostics: [Diagnostic] = []

  public init() {}

  public mutating func append(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }

  public mutating func append(contentsOf other: [Diagnostic]) { diagnostics.append(contentsOf: other) }

  public mutating func report(
    _ kind: DiagnosticKind, _ message: String, at span: Span, help: String? = nil,
    notes: [DiagnosticNote] = [], fixIts: [FixIt] = []
  ) {
    diagnostics.append(Diagnostic(kind, message, at: span, help: help, notes: notes, fixIts: fixIts))
  }

  public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

extension Array where Element == Diagnostic {
  public var hasErrors: Bool { contains { $0.severity == .error } }

  /// Sorted by position, then code, so output is stable whatever order phases found them in.
  public func sortedByPosition() -> [Diagnostic] {
    enumerated().sorted { a, b in
      if a.element.span != b.element.span { return a.element.span < b.element.span }
      return a.offset < b.offset
    }.map(\.element)
  }
}
