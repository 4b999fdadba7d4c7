/// SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), the format code-scanning
/// services (GitHub, GitLab, Azure DevOps) read: one run, the diagnostic catalog as the rules,
/// one result per diagnostic, fix-its as `fixes`, notes as related locations.
extension DiagnosticRenderer {
  /// The SARIF log of the diagnostics of some files. `version` is spawnc's.
  public static func sarif(_ files: [(file: SourceFile, diagnostics: [Diagnostic])], version: String) -> JSONValue {
    let rules = DiagnosticCatalog.all
    var ruleIndex: [String: Int] = [:]
    for (index, kind) in rules.enumerated() { ruleIndex[kind.code] = index }
    var results: [JSONValue] = []
    var artifacts: [JSONValue] = []
    for (artifactIndex, entry) in files.enumerated() {
      let uri = sarifURI(entry.file.path)
      artifacts.append(.object([("location", .object([("uri", .string(uri))])), ("sourceLanguage", .string("dockerfile"))]))
      for diagnostic in entry.diagnostics {
        results.append(sarifResult(diagnostic, in: entry.file, uri: uri, artifactIndex: artifactIndex, ruleIndex: ruleIndex))
      }
    }
    let driver: JSONValue = .object([
      ("name", .string("spawnc")),
      ("version", .string(version)),
      ("semanticVersion", .string(version)),
      ("rules", .array(rules.map(sarifRule))),
    ])
    let run: JSONValue = .object([
      ("tool", .object([("driver", driver)])),
      ("artifacts", .array(artifacts)),
      ("results", .array(results)),
      // Columns count Unicode scalars, as in every other spawnc format.
      ("columnKind", .string("unicodeCodePoints")),
    ])
    return .object([
      ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
      ("version", .string("2.1.0")),
      ("runs", .array([run])),
    ])
  }

  static func sarifRule(_ kind: DiagnosticKind) -> JSONValue {
    .object([
      ("id", .string(kind.code)),
      ("name", .string(kind.name)),
      ("shortDescription", .object([("text", .string(kind.summary))])),
      ("fullDescription", .object([("text", .string(kind.explanation))])),
      ("help", .object([("text", .string(kind.explanation)), ("markdown", .string(kind.explanation))])),
      ("defaultConfiguration", .object([("level", .string(sarifLevel(kind.severity)))])),
    ])
  }

  static func sarifLevel(_ severity: Severity) -> String {
    switch severity {
    case .error: "error"
    case .warning: "warning"
    case .note: "note"
    }
  }

  static func sarifResult(
    _ diagnostic: Diagnostic, in file: SourceFile, uri: String, artifactIndex: Int, ruleIndex: [String: Int]
  ) -> JSONValue {
    func location(_ span: Span, message: String? = nil, id: Int? = nil) -> JSONValue {
      var members: [(String, JSONValue)] = []
      if let id { members.append(("id", .int(id))) }
      members.append(
        (
          "physicalLocation",
          .object([
            ("artifactLocation", .object([("uri", .string(uri)), ("index", .int(artifactIndex))])),
            ("region", sarifRegion(span, in: file)),
          ])
        ))
      if let message { members.append(("message", .object([("text", .string(message))]))) }
      return .object(members)
    }
    var text = diagnostic.message
    if let help = diagnostic.help { text += "\n\n" + help }
    var members: [(String, JSONValue)] = [
      ("ruleId", .string(diagnostic.code)),
      ("ruleIndex", .int(ruleIndex[diagnostic.code] ?? -1)),
      ("level", .string(sarifLevel(diagnostic.severity))),
      ("message", .object([("text", .string(text))])),
      ("locations", .array([location(diagnostic.span)])),
    ]
    let related = diagnostic.notes.enumerated().compactMap { index, note in
      note.span.map { location($0, message: note.message, id: index + 1) }
    }
    if !related.isEmpty { members.append(("relatedLocations", .array(related))) }
    if !diagnostic.fixIts.isEmpty {
      let fixes = diagnostic.fixIts.map { fix -> JSONValue in
        .object([
          ("description", .object([("text", .string(fix.message))])),
          (
            "artifactChanges",
            .array([
              .object([
                ("artifactLocation", .object([("uri", .string(uri)), ("index", .int(artifactIndex))])),
                (
                  "replacements",
                  .array(
                    fix.edits.map { edit in
                      .object([
                        ("deletedRegion", sarifRegion(edit.span, in: file)),
                        ("insertedContent", .object([("text", .string(edit.replacement))])),
                      ])
                    })
                ),
              ])
            ])
          ),
        ])
      }
      members.append(("fixes", .array(fixes)))
    }
    return .object(members)
  }

  /// A region by line and column (1-based, Unicode scalars) and by byte offset and length.
  static func sarifRegion(_ span: Span, in file: SourceFile) -> JSONValue {
    let start = file.location(of: span.start)
    let end = file.location(of: span.end)
    return .object([
      ("startLine", .int(start.line)), ("startColumn", .int(start.column)),
      ("endLine", .int(end.line)), ("endColumn", .int(end.column)),
      ("byteOffset", .int(start.offset)), ("byteLength", .int(max(0, end.offset - start.offset))),
    ])
  }

  /// A file path as a URI reference: relative paths stay relative, absolute ones become
  /// `file://` URIs; bytes outside the unreserved set and `/` are percent-encoded.
  static func sarifURI(_ path: String) -> String {
    var encoded = ""
    for byte in path.utf8 {
      let isUnreserved =
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
        || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E || byte == 0x2F
      if isUnreserved {
        encoded.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        let hex = Array("0123456789ABCDEF".unicodeScalars)
        encoded += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0xF)])
      }
    }
    return path.hasPrefix("/") ? "file://" + encoded : encoded
  }
}
