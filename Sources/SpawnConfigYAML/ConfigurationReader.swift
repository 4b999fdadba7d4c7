import SpawnBasics
import SpawnConfig
import Yams

extension Configuration {
  /// Checks a configuration file's text: settings, or diagnostics that point into it.
  public static func parse(_ file: SourceFile) -> Configuration {
    var configuration = Configuration()
    configuration.file = file
    var reader = Reader(file: file)
    reader.read(into: &configuration)
    configuration.diagnostics = reader.diagnostics
    return configuration
  }
}

/// Walks the YAML tree and turns what it finds into settings or diagnostics.
struct Reader {
  let file: SourceFile
  var diagnostics: [Diagnostic] = []

  mutating func read(into configuration: inout Configuration) {
    let text = String(decoding: file.bytes, as: UTF8.self)
    let root: Node?
    do {
      // The basic resolver: every scalar stays a string (the reader types values itself), so no
      // regular expressions are compiled (ICU would cost milliseconds at start-up).
      root = try Yams.compose(yaml: text, Resolver.basic)
    } catch let error as YamlError {
      report(error)
      return
    } catch {
      diagnostics.append(Diagnostic(.invalidConfiguration, "cannot read the file as YAML: \(error)", at: Span.at(0)))
      return
    }
    guard let root else { return }  // an empty file: all defaults
    guard let mapping = root.mapping else {
      invalid(root, "the file must be a mapping of settings, such as `werror: true`")
      return
    }
    for (keyNode, value) in mapping {
      let key = keyNode.scalar?.string ?? ""
      switch key {
      case "ignore":
        configuration.ignoredCodes = ignoreList(value)
      case "werror":
        configuration.werror = boolean(value, key: key)
      case "format":
        guard let word = scalar(value, key: key) else { continue }
        if let format = DiagnosticFormat(rawValue: word) {
          configuration.format = format
        } else {
          invalid(value, "`\(word)` is not a format; use human, gnu, json or sarif")
        }
      case "build-args":
        guard let arguments = value.mapping else {
          invalid(value, "`build-args` takes a mapping of ARG names to values, such as `BASE: sha256:...`")
          continue
        }
        for (name, argument) in arguments {
          guard let name = scalar(name, key: "build-args"), let argument = scalar(argument, key: name) else { continue }
          configuration.buildArguments[name] = argument
        }
      default:
        let guess = Suggest.closest(to: key, among: Configuration.keys).map { "; did you mean `\($0)`?" } ?? ""
        diagnostics.append(
          Diagnostic(
            .unknownConfigurationKey, "unknown setting `\(key)`\(guess)", at: span(of: keyNode),
            help: "The settings are \(Configuration.keys.map { "`\($0)`" }.joined(separator: ", "))."))
      }
    }
  }

  /// `ignore:` takes a list of codes or names (or one of them).
  mutating func ignoreList(_ node: Node) -> Set<String> {
    let items: [Node]
    if let sequence = node.sequence {
      items = Array(sequence)
    } else if node.scalar != nil {
      items = [node]
    } else {
      invalid(node, "`ignore` takes a list of codes, such as `[SP2013, SP5007]`")
      return []
    }
    var codes: Set<String> = []
    for item in items {
      guard let word = scalar(item, key: "ignore") else { continue }
      guard let kind = DiagnosticCatalog.lookup(word) else {
        let candidates = DiagnosticCatalog.all.flatMap { [$0.code, $0.name] }
        let guess = Suggest.closest(to: word, among: candidates).map { "; did you mean `\($0)`?" } ?? ""
        diagnostics.append(
          Diagnostic(
            .unknownIgnoredCode, "`\(word)` is not a spawnc diagnostic code\(guess)", at: span(of: item),
            help: "`spawnc explain --all` lists every code and name."))
        continue
      }
      if kind.severity == .error {
        diagnostics.append(
          Diagnostic(
            .errorNotIgnorable, "\(kind.code) (`\(kind.name)`) is an error, which cannot be ignored", at: span(of: item),
            help: "Fix what it reports (`spawnc explain \(kind.code)`) and remove it from `ignore`."))
        continue
      }
      codes.insert(kind.code)
    }
    return codes
  }

  mutating func boolean(_ node: Node, key: String) -> Bool? {
    switch node.scalar?.string.lowercased() {
    case "true": return true
    case "false": return false
    default:
      invalid(node, "`\(key)` takes `true` or `false`")
      return nil
    }
  }

  mutating func scalar(_ node: Node, key: String) -> String? {
    if let scalar = node.scalar { return scalar.string }
    invalid(node, "`\(key)` takes a single value, not a list or a mapping")
    return nil
  }

  mutating func invalid(_ node: Node, _ message: String) {
    diagnostics.append(Diagnostic(.invalidConfiguration, message, at: span(of: node)))
  }

  /// Where a node starts, and for a scalar, its text.
  func span(of node: Node) -> Span {
    guard let mark = node.mark else { return Span.at(0) }
    let start = file.offset(line: mark.line, column: mark.column)
    guard let scalar = node.scalar else { return Span(start, start + 1) }
    var length = scalar.string.utf8.count
    if scalar.style == .singleQuoted || scalar.style == .doubleQuoted { length += 2 }
    let lineEnd = file.lineRange(file.lineIndex(of: start)).upperBound
    return Span(start, max(start + 1, min(start + length, lineEnd)))
  }

  mutating func report(_ error: YamlError) {
    switch error {
    case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      let offset = file.offset(line: mark.line, column: mark.column)
      var notes: [DiagnosticNote] = []
      if let context {
        notes.append(DiagnosticNote(context.text, at: Span.at(file.offset(line: context.mark.line, column: context.mark.column))))
      }
      diagnostics.append(
        Diagnostic(.invalidConfiguration, "not valid YAML: \(problem)", at: Span(offset, offset), notes: notes))
    case .duplicatedKeysInMapping(let duplicates, let context):
      let offset = file.offset(line: context.mark.line, column: context.mark.column)
      diagnostics.append(
        Diagnostic(
          .invalidConfiguration, "a setting is given twice: \(duplicates.joined(separator: ", "))", at: Span.at(offset)))
    default:
      diagnostics.append(Diagnostic(.invalidConfiguration, "cannot read the file as YAML: \(error)", at: Span.at(0)))
    }
  }
}
