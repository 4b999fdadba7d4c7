import SpawnBasics
import SpawnFormat
import SpawnHost
import SpawnStore
import SpawnSyntax

extension LanguageServer {
  // MARK: Diagnostics

  /// A spawnc diagnostic as an LSP `Diagnostic`; its help follows the message, its notes
  /// become related information.
  func lspDiagnostic(_ diagnostic: Diagnostic, in file: SourceFile, uri: String) -> JSONValue {
    let severity: Int
    switch diagnostic.severity {
    case .error: severity = 1
    case .warning: severity = 2
    case .note: severity = 3
    }
    var message = diagnostic.message
    if let help = diagnostic.help { message += "\n" + help }
    var members: [(String, JSONValue)] = [
      ("range", LSP.range(diagnostic.span, in: file)),
      ("severity", .int(severity)),
      ("code", .string(diagnostic.code)),
      ("source", .string("spawnc")),
      ("message", .string(message)),
    ]
    let related = diagnostic.notes.compactMap { note -> JSONValue? in
      guard let span = note.span else { return nil }
      return .object([
        ("location", .object([("uri", .string(uri)), ("range", LSP.range(span, in: file))])),
        ("message", .string(note.message)),
      ])
    }
    if !related.isEmpty { members.append(("relatedInformation", .array(related))) }
    members.append(("data", .object([("name", .string(diagnostic.kind.name))])))
    return .object(members)
  }

  // MARK: Hover

  /// The explanation of a diagnostic under the cursor, else the documentation of the
  /// instruction keyword or flag, else where a variable is declared.
  func hover(_ document: Document, at offset: Int) -> JSONValue {
    let analysis = currentAnalysis(document)
    let file = analysis.file
    let here = analysis.compilation.diagnostics.filter { covers($0.span, offset) }
    if !here.isEmpty {
      let text = here.map { diagnostic in
        "**\(diagnostic.code)** `\(diagnostic.kind.name)` (\(diagnostic.severity.rawValue)): \(diagnostic.message)\n\n"
          + diagnostic.kind.explanation
      }.joined(separator: "\n\n---\n\n")
      return .object([("contents", LSP.markdown(text)), ("range", LSP.range(here[0].span, in: file))])
    }
    for instruction in analysis.tree.instructions {
      let onKeyword = covers(instruction.keyword.span, offset)
      let flag = instruction.flags.first { covers($0.word.span, offset) }
      guard onKeyword || flag != nil, let docs = InstructionDocs.markdown(for: instruction.kind) else { continue }
      let span = onKeyword ? instruction.keyword.span : flag!.word.span
      return .object([("contents", LSP.markdown(docs)), ("range", LSP.range(span, in: file))])
    }
    if let (name, span) = variableReference(in: file, at: offset) {
      let declarations = declaredVariables(in: analysis.tree, before: offset).filter { $0.name == name }
      let text: String
      if declarations.isEmpty {
        text = "`\(name)` is not declared before this line."
      } else {
        text = declarations.map { declaration in
          let line = file.location(of: declaration.span.start).line
          return "`\(name)`: \(declaration.kind) on line \(line)" + (declaration.value.map { ", `\($0)`" } ?? "")
        }.joined(separator: "\n\n")
      }
      return .object([("contents", LSP.markdown(text)), ("range", LSP.range(span, in: file))])
    }
    return .null
  }

  func covers(_ span: Span, _ offset: Int) -> Bool {
    span.isEmpty ? span.start == offset : (span.start <= offset && offset < span.end)
  }

  /// A `$NAME` or `${NAME...}` reference around an offset: the name and the reference's span.
  func variableReference(in file: SourceFile, at offset: Int) -> (String, Span)? {
    let range = file.lineRange(file.lineIndex(of: offset))
    let bytes = file.bytes
    var index = range.lowerBound
    while index < range.upperBound {
      guard bytes[index] == UInt8(ascii: "$") else {
        index += 1
        continue
      }
      let start = index
      var cursor = index + 1
      let braced = cursor < range.upperBound && bytes[cursor] == UInt8(ascii: "{")
      if braced { cursor += 1 }
      let nameStart = cursor
      while cursor < range.upperBound, isNameByte(bytes[cursor], first: cursor == nameStart) { cursor += 1 }
      var end = cursor
      if braced {
        while end < range.upperBound && bytes[end] != UInt8(ascii: "}") { end += 1 }
        end = min(end + 1, range.upperBound)
      }
      if cursor > nameStart && offset >= start && offset < max(end, cursor) {
        return (String(decoding: bytes[nameStart..<cursor], as: UTF8.self), Span(start, end))
      }
      index = max(cursor, index + 1)
    }
    return nil
  }

  func isNameByte(_ byte: UInt8, first: Bool) -> Bool {
    (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || (!first && byte >= 0x30 && byte <= 0x39)
  }

  /// ARG and ENV declarations that end before an offset, in order.
  func declaredVariables(in tree: SyntaxTree, before offset: Int) -> [(name: String, kind: String, value: String?, span: Span)] {
    var found: [(String, String, String?, Span)] = []
    for instruction in tree.instructions where instruction.span.end <= offset {
      switch (instruction.kind, instruction.arguments) {
      case (.arg, .words(let words)):
        for word in words {
          let parts = word.text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
          found.append((String(parts[0]), "ARG", parts.count > 1 ? String(parts[1]) : nil, word.span))
        }
      case (.env, .pairs(let pairs)):
        for pair in pairs { found.append((pair.key.text, "ENV", pair.value.text, pair.key.span)) }
      default:
        break
      }
    }
    return found
  }

  // MARK: Completion

  func completion(_ document: Document, at offset: Int) -> JSONValue {
    let analysis = currentAnalysis(document)
    let file = analysis.file
    let lineIndex = file.lineIndex(of: offset)
    let lineStart = file.lineStarts[lineIndex]
    let prefix = String(decoding: file.bytes[lineStart..<offset], as: UTF8.self)
    let instruction = analysis.tree.instructions.first { $0.lines.contains(lineIndex) }
    var items: [JSONValue] = []

    // `$NA` or `${NA`: the variables declared so far.
    if let dollar = prefix.lastIndex(of: "$"), prefix[prefix.index(after: dollar)...].allSatisfy({ $0 == "{" || $0.isLetter || $0.isNumber || $0 == "_" }) {
      var seen: Set<String> = []
      for variable in declaredVariables(in: analysis.tree, before: offset) where seen.insert(variable.name).inserted {
        items.append(item(variable.name, kind: 6, detail: variable.kind + (variable.value.map { " = " + $0 } ?? "")))
      }
      return list(items)
    }
    let firstLine = instruction.map { $0.lines.lowerBound == lineIndex } ?? true
    let beforeKeyword = instruction.map { offset <= $0.keyword.span.end } ?? true
    let trimmed = prefix.drop(while: { $0 == " " || $0 == "\t" })
    if firstLine && beforeKeyword && !trimmed.contains(" ") && !trimmed.hasPrefix("#") {
      for keyword in Grammar.keywords {
        let kind = InstructionKind(keyword: keyword)
        items.append(item(keyword, kind: 14, detail: InstructionDocs.entries[kind]?.0, insert: keyword + " "))
      }
      return list(items)
    }
    // Within an instruction: its flags and values.
    let kind = instruction?.kind ?? InstructionKind(keyword: String(trimmed.prefix { $0 != " " && $0 != "\t" }))
    let token = String(prefix.reversed().prefix { $0 != " " && $0 != "\t" }.reversed())
    let stages = analysis.tree.instructions.filter { $0.kind == .from && $0.lines.upperBound < lineIndex }.compactMap(stageName)
    if token.hasPrefix("--activation=") {
      for mode in Grammar.activationModes { items.append(item(mode, kind: 12, detail: "EXPOSE activation")) }
    } else if token.hasPrefix("--from=") {
      for stage in stages { items.append(item(stage, kind: 7, detail: "stage")) }
    } else if token.hasPrefix("-") {
      for flag in Grammar.flags(for: kind) {
        let label = "--" + flag.name + (flag.kind == .value ? "=" : "")
        items.append(item(label, kind: 5, detail: kind.rawValue.uppercased() + " flag"))
      }
    } else if kind == .from && !prefix.dropFirst(prefix.count - token.count).contains(" ") && firstWords(prefix) == 1 {
      items.append(item("scratch", kind: 12, detail: "an empty base"))
      for stage in stages { items.append(item(stage, kind: 7, detail: "an earlier stage")) }
      for image in images() {
        items.append(item(image.name + "@" + image.id, kind: 12, detail: "imported image " + image.name))
      }
    } else if kind == .stopsignal {
      for signal in ["SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGKILL"] {
        items.append(item(signal, kind: 12, detail: "stop signal"))
      }
    }
    return list(items)
  }

  /// How many words follow the keyword on a line prefix, counting the one being typed.
  func firstWords(_ prefix: String) -> Int {
    let words = prefix.split(whereSeparator: { $0 == " " || $0 == "\t" })
    let typing = prefix.last.map { $0 != " " && $0 != "\t" } ?? false
    return words.count - 1 + (typing ? 0 : 1)
  }

  func stageName(_ from: Instruction) -> String? {
    guard case .words(let words) = from.arguments, words.count == 3, words[1].text.lowercased() == "as" else { return nil }
    return words[2].text
  }

  func item(_ label: String, kind: Int, detail: String? = nil, insert: String? = nil) -> JSONValue {
    var members: [(String, JSONValue)] = [("label", .string(label)), ("kind", .int(kind))]
    if let detail { members.append(("detail", .string(detail))) }
    if let insert { members.append(("insertText", .string(insert))) }
    return .object(members)
  }

  func list(_ items: [JSONValue]) -> JSONValue {
    .object([("isIncomplete", .bool(false)), ("items", .array(items))])
  }

  /// The named images of the local store (empty when there is none or it cannot be read).
  func images() -> [(name: String, id: String)] {
    if let storeImages { return storeImages }
    var found: [(String, String)] = []
    let store = Store(stateDirectory: stateDirectory)
    if FileSystem.isDirectory(store.repository), let images = try? store.images() {
      for image in images {
        for name in image.names { found.append((name, image.id)) }
      }
    }
    storeImages = found
    return found
  }

  // MARK: Formatting

  func formatting(_ document: Document) -> JSONValue {
    let file = document.file
    guard let formatted = Formatter.format(file), Array(formatted.utf8) != file.bytes else { return .array([]) }
    return .array([LSP.textEdit(Span(0, file.bytes.count), formatted, in: file)])
  }

  // MARK: Code actions

  /// The fix-its of the diagnostics in a range, and for an unpinned FROM, pinning it to an
  /// image of the same name in the local store.
  func codeActions(_ document: Document, in range: Span) -> JSONValue {
    let analysis = currentAnalysis(document)
    let file = analysis.file
    var actions: [JSONValue] = []
    for diagnostic in analysis.compilation.diagnostics
    where diagnostic.span.start <= range.end && diagnostic.span.end >= range.start {
      var fixes = diagnostic.fixIts
      if diagnostic.kind == .unpinnedFrom { fixes += pinningFixes(diagnostic, in: file) }
      for (index, fix) in fixes.enumerated() {
        let edits = fix.edits.map { LSP.textEdit($0.span, $0.replacement, in: file) }
        actions.append(
          .object([
            ("title", .string(fix.message)),
            ("kind", .string("quickfix")),
            ("diagnostics", .array([lspDiagnostic(diagnostic, in: file, uri: document.uri)])),
            ("isPreferred", .bool(index == 0)),
            ("edit", .object([("changes", .object([(document.uri, .array(edits))]))])),
          ]))
      }
    }
    return .array(actions)
  }

  /// `FROM busybox` → `FROM busybox@sha256:<id>` for each imported image called `busybox`.
  func pinningFixes(_ diagnostic: Diagnostic, in file: SourceFile) -> [FixIt] {
    let reference = file.text(diagnostic.span)
    guard !reference.isEmpty, !reference.contains("$"), !reference.contains(" ") else { return [] }
    var name = reference
    if let at = name.firstIndex(of: "@") { name = String(name[..<at]) }
    if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") { name = String(name[..<colon]) }
    let short = name.split(separator: "/").last.map(String.init) ?? name
    return images().filter { $0.name == name || $0.name == short }.map { image in
      FixIt.replace(
        diagnostic.span, with: image.name + "@" + image.id,
        "pin to \(image.name)@\(image.id.prefix(19))… (imported image)")
    }
  }

  // MARK: Symbols

  /// One symbol per stage (`FROM ... AS name`), with its instructions as children.
  func documentSymbols(_ document: Document) -> JSONValue {
    let analysis = currentAnalysis(document)
    let file = analysis.file
    let instructions = analysis.tree.instructions
    var symbols: [JSONValue] = []
    var index = 0
    var stageNumber = 0
    while index < instructions.count {
      guard instructions[index].kind == .from else {
        index += 1
        continue
      }
      let from = instructions[index]
      var end = index + 1
      while end < instructions.count && instructions[end].kind != .from { end += 1 }
      let body = instructions[index..<end]
      let span = Span(from.span.start, body.last!.span.end)
      let name = stageName(from) ?? "stage \(stageNumber)"
      var selection = from.keyword.span
      if case .words(let words) = from.arguments, let last = words.last, stageName(from) != nil { selection = last.span }
      let detail: String
      if case .words(let words) = from.arguments, let first = words.first { detail = "FROM " + first.text } else { detail = "FROM" }
      let children = body.map { instruction -> JSONValue in
        .object([
          ("name", .string(instruction.keyword.text.uppercased())),
          ("detail", .string(String(instruction.argumentText.text.prefix(60)))),
          ("kind", .int(12)),  // Function
          ("range", LSP.range(instruction.span, in: file)),
          ("selectionRange", LSP.range(instruction.keyword.span, in: file)),
        ])
      }
      symbols.append(
        .object([
          ("name", .string(name)),
          ("detail", .string(detail)),
          ("kind", .int(2)),  // Module
          ("range", LSP.range(span, in: file)),
          ("selectionRange", LSP.range(selection, in: file)),
          ("children", .array(children)),
        ]))
      stageNumber += 1
      index = end
    }
    return .array(symbols)
  }
}
