import SpawnBasics
import SpawnHost

/// `.spawnc.yaml`: defaults for `spawnc check` and the other recipe commands, shared by a
/// repository (hadolint users know the idea from `.hadolint.yaml`):
///
///     ignore: [SP2013, unsupported-flag]   # warnings to leave out, by code or name
///     werror: true                         # warnings fail the check
///     format: gnu                          # human, gnu, json or sarif
///     build-args:                          # defaults for --build-arg
///       BASE: sha256:<64 hex digits>
///
/// Options on the command line win: `--format` replaces `format`, `--werror` turns it on,
/// `--ignore` adds to `ignore`, `--build-arg` replaces the same name.
public struct Configuration: Sendable {
  /// The file, for rendering its diagnostics; nil when there is none.
  public var file: SourceFile?
  /// Codes of the warnings to leave out.
  public var ignoredCodes: Set<String> = []
  public var werror: Bool?
  public var format: DiagnosticFormat?
  public var buildArguments: [String: String] = [:]
  /// Problems with the file itself (SP7001, SP7002, SP7004, SP7005).
  public var diagnostics: [Diagnostic] = []

  public init() {}

  /// The names looked for, in this order, in each directory.
  public static let fileNames = [".spawnc.yaml", ".spawnc.yml"]
  public static let keys = ["ignore", "werror", "format", "build-args"]

  /// The nearest configuration file: in `directory` or the closest parent that has one.
  public static func find(from directory: String) -> String? {
    var current = FileSystem.absolute(directory)
    while true {
      for name in fileNames {
        let candidate = (current == "/" ? "" : current) + "/" + name
        if FileSystem.exists(candidate) { return relativeToWorkingDirectory(candidate) }
      }
      if current == "/" { return nil }
      current = current.lastIndex(of: "/").map { String(current[..<$0]) } ?? "/"
      if current.isEmpty { current = "/" }
    }
  }

  /// A path under the working directory, shortened for messages.
  static func relativeToWorkingDirectory(_ path: String) -> String {
    let here = FileSystem.currentDirectory()
    let prefix = here == "/" ? "/" : here + "/"
    return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
  }


}


/// What `spawnc-config` prints: the settings and diagnostics of one file as JSON, so that
/// `spawnc` reads YAML through a helper process (Yams brings Foundation, whose start-up cost
/// every run of a static spawnc would otherwise pay, configuration file or not).
extension Configuration {
  /// Reads and checks a configuration file through `spawnc-config`. Throws when the file
  /// cannot be read or the helper cannot run; what is wrong inside the file becomes diagnostics.
  public static func load(_ path: String) throws(FileSystemError) -> Configuration {
    let bytes = try FileSystem.read(path)
    guard let helper = Command.siblingExecutable("spawnc-config") else {
      throw FileSystemError(
        operation: "read", path: path,
        reason: "spawnc-config, which reads YAML for spawnc, is neither next to spawnc nor on PATH (or use --no-config)")
    }
    let result: CommandResult
    do {
      result = try Command.run([helper, path])
    } catch {
      throw FileSystemError(operation: "read", path: path, reason: error.description)
    }
    guard result.succeeded, let json = JSONValue.parse(result.outputText) else {
      throw FileSystemError(operation: "read", path: path, reason: "spawnc-config failed: \(result.errorText)")
    }
    var configuration = decode(json)
    configuration.file = SourceFile(path: path, bytes: bytes)
    return configuration
  }

  /// The settings and diagnostics as JSON (the file itself is not included).
  public var json: JSONValue {
    func span(_ span: Span) -> [(String, JSONValue)] { [("start", .int(span.start)), ("end", .int(span.end))] }
    let diagnostics = self.diagnostics.map { diagnostic -> JSONValue in
      var members: [(String, JSONValue)] = [
        ("code", .string(diagnostic.code)), ("severity", .string(diagnostic.severity.rawValue)),
        ("message", .string(diagnostic.message)), ("help", .string(diagnostic.help)),
      ]
      members += span(diagnostic.span)
      members.append(
        ("notes", .array(diagnostic.notes.map { note in .object([("message", .string(note.message))] + (note.span.map(span) ?? [])) })))
      return .object(members)
    }
    return .object([
      ("ignore", .array(ignoredCodes.sorted().map { .string($0) })),
      ("werror", werror.map { .bool($0) } ?? .null),
      ("format", .string(format?.rawValue)),
      ("buildArgs", .object(buildArguments.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
      ("diagnostics", .array(diagnostics)),
    ])
  }

  /// The inverse of `json`.
  public static func decode(_ json: JSONValue) -> Configuration {
    var configuration = Configuration()
    configuration.ignoredCodes = Set((json["ignore"]?.arrayValue ?? []).compactMap(\.stringValue))
    configuration.werror = json["werror"]?.boolValue
    configuration.format = json["format"]?.stringValue.flatMap(DiagnosticFormat.init(rawValue:))
    if case .object(let members)? = json["buildArgs"] {
      for (name, value) in members { configuration.buildArguments[name] = value.stringValue ?? "" }
    }
    func span(_ value: JSONValue) -> Span? {
      guard let start = value["start"]?.intValue, let end = value["end"]?.intValue else { return nil }
      return Span(start, end)
    }
    for item in json["diagnostics"]?.arrayValue ?? [] {
      guard let code = item["code"]?.stringValue, let kind = DiagnosticCatalog.lookup(code) else { continue }
      let notes = (item["notes"]?.arrayValue ?? []).map { DiagnosticNote($0["message"]?.stringValue ?? "", at: span($0)) }
      configuration.diagnostics.append(
        Diagnostic(
          kind, item["message"]?.stringValue ?? "", at: span(item) ?? Span.at(0), help: item["help"]?.stringValue,
          notes: notes, severity: item["severity"]?.stringValue.flatMap(Severity.init(rawValue:))))
    }
    return configuration
  }
}
