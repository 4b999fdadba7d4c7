import SpawnBasics
import SpawnConfig
import SpawnDriver
import SpawnHost
import SpawnSyntax

/// An open text document: its bytes, kept up to date from the client's changes, and the
/// analysis of the last version checked.
struct Document {
  let uri: String
  var version: Int
  var bytes: [UInt8]
  var analysis: Analysis?

  init(uri: String, version: Int, bytes: [UInt8]) {
    self.uri = uri
    self.version = version
    self.bytes = bytes
  }

  /// The file path of a `file:` URI (percent-decoded); nil for other schemes (`untitled:`).
  var path: String? { Self.path(ofURI: uri) }

  var file: SourceFile { SourceFile(path: path ?? uri, bytes: bytes) }

  /// The byte offset of an LSP `Position` (0-based line, UTF-16 character), clamped to the
  /// document as the protocol asks; nil when the value is not a position.
  func offset(_ position: JSONValue?) -> Int? {
    guard let line = position?["line"]?.intValue, let character = position?["character"]?.intValue, line >= 0,
      character >= 0
    else { return nil }
    let file = SourceFile(path: "", bytes: bytes)
    if line >= file.lineCount { return bytes.count }
    return file.offset(line: line + 1, utf16Column: character)
  }

  /// Applies one `TextDocumentContentChangeEvent`: with a range, an incremental edit; without,
  /// the whole new text.
  mutating func apply(_ change: JSONValue) {
    guard let text = change["text"]?.stringValue else { return }
    guard let range = change["range"] else {
      bytes = Array(text.utf8)
      return
    }
    guard let start = offset(range["start"]), let end = offset(range["end"]) else { return }
    let lower = min(start, end)
    let upper = max(start, end)
    bytes.replaceSubrange(lower..<upper, with: Array(text.utf8))
  }

  static func path(ofURI uri: String) -> String? {
    guard uri.hasPrefix("file://") else { return nil }
    var rest = Array(uri.utf8.dropFirst("file://".count))
    // file://host/path: only the local host is meaningful here.
    if let slash = rest.firstIndex(of: UInt8(ascii: "/")) { rest = Array(rest[slash...]) } else { return nil }
    var decoded: [UInt8] = []
    var index = 0
    while index < rest.count {
      if rest[index] == UInt8(ascii: "%"), index + 2 < rest.count,
        let value = UInt8(String(decoding: rest[index + 1...index + 2], as: UTF8.self), radix: 16)
      {
        decoded.append(value)
        index += 3
      } else {
        decoded.append(rest[index])
        index += 1
      }
    }
    return String(decoding: decoded, as: UTF8.self)
  }

  static func uri(forPath path: String) -> String {
    var encoded = "file://"
    let hex = Array("0123456789ABCDEF".unicodeScalars)
    for byte in path.utf8 {
      let plain =
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
        || "-._~/".utf8.contains(byte)
      if plain {
        encoded.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        encoded += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0xF)])
      }
    }
    return encoded
  }
}

/// What checking one version of a document produced.
struct Analysis {
  var file: SourceFile
  var tree: SyntaxTree
  var compilation: Compilation
  var configuration: Configuration?
}

extension LanguageServer {
  /// Parses and checks a document as `spawnc check` would, with the nearest `.spawnc.yaml`.
  func analyze(_ document: Document) -> Analysis {
    let file = document.file
    let directory = document.path.map { Driver.parentDirectory(FileSystem.absolute($0)) }
    let configuration = directory.flatMap { configurations.configuration(forDirectory: $0) }
    var options = CompileOptions(stateDirectory: stateDirectory, buildArguments: configuration?.buildArguments ?? [:])
    options.emitsOutputs = false
    options.ignoredCodes = configuration?.ignoredCodes ?? []
    options.inspectContext = directory != nil
    let compilation = Driver.compile(file, recipePath: document.path, options: options)
    let tree = compilation.tree ?? Parser.parse(file)
    return Analysis(file: file, tree: tree, compilation: compilation, configuration: configuration)
  }

  /// The analysis of the document's current text.
  func currentAnalysis(_ document: Document) -> Analysis {
    if let analysis = document.analysis, analysis.file.bytes == document.bytes { return analysis }
    return analyze(document)
  }
}

/// LSP positions and ranges.
enum LSP {
  static func position(_ offset: Int, in file: SourceFile) -> JSONValue {
    let location = file.location(of: offset)
    return .object([("line", .int(location.line - 1)), ("character", .int(location.utf16Column))])
  }

  static func range(_ span: Span, in file: SourceFile) -> JSONValue {
    .object([("start", position(span.start, in: file)), ("end", position(span.end, in: file))])
  }

  static func textEdit(_ span: Span, _ text: String, in file: SourceFile) -> JSONValue {
    .object([("range", range(span, in: file)), ("newText", .string(text))])
  }

  static func markdown(_ text: String) -> JSONValue {
    .object([("kind", .string("markdown")), ("value", .string(text))])
  }
}
