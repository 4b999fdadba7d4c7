import SpawnBasics
import SpawnConfig
import SpawnDriver
import SpawnHost
import SpawnIR
import SpawnSyntax

/// `spawnc lsp`: a language server (LSP 3.17) over standard input and output. It publishes
/// spawnc's diagnostics as the recipe is edited (positions in UTF-16, as the protocol wants),
/// and answers hover, completion, formatting, code actions (the diagnostics' fix-its, and
/// pinning an unpinned FROM to an image in the local store) and document symbols (the stages).
///
/// One thread: a request is answered before the next message is read, and every change is
/// checked at once (a 1,000-line recipe takes a few milliseconds).
public final class LanguageServer {
  enum State {
    case starting, running, shuttingDown
  }

  /// JSON-RPC and LSP error codes.
  enum ErrorCode: Int {
    case parseError = -32700
    case invalidRequest = -32600
    case methodNotFound = -32601
    case invalidParams = -32602
    case serverNotInitialized = -32002
  }

  struct Failure: Error {
    var code: ErrorCode
    var message: String
  }

  let transport: Transport
  let stateDirectory: String
  var state = State.starting
  var documents: [String: Document] = [:]
  var configurations = ConfigurationCache()
  /// Images in the local store, for completing and pinning FROM (listed when first needed).
  var storeImages: [(name: String, id: String)]?

  public init(input: Int32 = 0, output: Int32 = 1, stateDirectory: String) {
    transport = Transport(input: input, output: output)
    self.stateDirectory = stateDirectory
  }

  /// Serves until `exit` (status 0 after `shutdown`, 1 otherwise) or the end of input (1).
  public func run() -> Int32 {
    while true {
      switch transport.read() {
      case .endOfInput:
        return 1
      case .badHeader(let reason):
        send(error: Failure(code: .parseError, message: "cannot frame the message: \(reason)"), id: .null)
      case .message(let bytes):
        if let status = handle(bytes) { return status }
      }
    }
  }

  /// Handles one message; returns an exit status when the server should stop.
  func handle(_ bytes: [UInt8]) -> Int32? {
    guard let message = JSONValue.parse(String(decoding: bytes, as: UTF8.self)) else {
      send(error: Failure(code: .parseError, message: "the message is not valid JSON"), id: .null)
      return nil
    }
    guard case .object = message else {
      send(error: Failure(code: .invalidRequest, message: "a message must be a JSON object"), id: .null)
      return nil
    }
    let id = message["id"]
    guard let method = message["method"]?.stringValue else {
      // A response to a request of ours (we send none), or garbage.
      if message["result"] == nil && message["error"] == nil {
        send(error: Failure(code: .invalidRequest, message: "a request needs a `method`"), id: id ?? .null)
      }
      return nil
    }
    if let id, !(id.isInteger || id.stringValue != nil) {
      send(error: Failure(code: .invalidRequest, message: "a request id must be a number or a string"), id: .null)
      return nil
    }
    let params = message["params"] ?? .null
    if method == "exit" { return state == .shuttingDown ? 0 : 1 }
    guard let id else {
      notification(method, params)
      return nil
    }
    do {
      let result = try request(method, params)
      transport.write(.object([("jsonrpc", .string("2.0")), ("id", id), ("result", result)]))
    } catch let failure as Failure {
      send(error: failure, id: id)
    } catch {
      send(error: Failure(code: .invalidParams, message: "\(error)"), id: id)
    }
    return nil
  }

  func send(error: Failure, id: JSONValue) {
    transport.write(
      .object([
        ("jsonrpc", .string("2.0")), ("id", id),
        ("error", .object([("code", .int(error.code.rawValue)), ("message", .string(error.message))])),
      ]))
  }

  func notify(_ method: String, _ params: JSONValue) {
    transport.write(.object([("jsonrpc", .string("2.0")), ("method", .string(method)), ("params", params)]))
  }

  // MARK: Requests

  func request(_ method: String, _ params: JSONValue) throws -> JSONValue {
    switch state {
    case .starting where method != "initialize":
      throw Failure(code: .serverNotInitialized, message: "the server is not initialized yet")
    case .shuttingDown:
      throw Failure(code: .invalidRequest, message: "the server is shutting down")
    default:
      break
    }
    switch method {
    case "initialize":
      guard state == .starting else { throw Failure(code: .invalidRequest, message: "already initialized") }
      state = .running
      return Self.initializeResult
    case "shutdown":
      state = .shuttingDown
      return .null
    case "textDocument/hover":
      let (document, offset) = try position(params)
      return hover(document, at: offset)
    case "textDocument/completion":
      let (document, offset) = try position(params)
      return completion(document, at: offset)
    case "textDocument/formatting":
      return formatting(try document(params))
    case "textDocument/codeAction":
      let document = try document(params)
      guard let range = params["range"], let start = document.offset(range["start"]), let end = document.offset(range["end"])
      else { throw Failure(code: .invalidParams, message: "codeAction needs a range") }
      return codeActions(document, in: Span(min(start, end), max(start, end)))
    case "textDocument/documentSymbol":
      return documentSymbols(try document(params))
    default:
      throw Failure(code: .methodNotFound, message: "spawnc's language server does not handle `\(method)`")
    }
  }

  static let initializeResult: JSONValue = .object([
    (
      "capabilities",
      .object([
        ("positionEncoding", .string("utf-16")),
        (
          "textDocumentSync",
          .object([
            ("openClose", .bool(true)), ("change", .int(2)),  // incremental
            ("save", .object([("includeText", .bool(false))])),
          ])
        ),
        ("hoverProvider", .bool(true)),
        (
          "completionProvider",
          .object([("triggerCharacters", .array(["-", "=", "$", "{", " "].map { .string($0) }))])
        ),
        ("documentFormattingProvider", .bool(true)),
        ("codeActionProvider", .object([("codeActionKinds", .array([.string("quickfix")]))])),
        ("documentSymbolProvider", .bool(true)),
      ])
    ),
    ("serverInfo", .object([("name", .string("spawnc")), ("version", .string(spawncVersion))])),
  ])

  /// The open document a request names.
  func document(_ params: JSONValue) throws -> Document {
    guard let uri = params["textDocument"]?["uri"]?.stringValue else {
      throw Failure(code: .invalidParams, message: "the request names no textDocument.uri")
    }
    guard let document = documents[uri] else {
      throw Failure(code: .invalidParams, message: "\(uri) is not open")
    }
    return document
  }

  /// The document and byte offset of a `TextDocumentPositionParams`.
  func position(_ params: JSONValue) throws -> (Document, Int) {
    let document = try document(params)
    guard let offset = document.offset(params["position"]) else {
      throw Failure(code: .invalidParams, message: "the request has no valid position")
    }
    return (document, offset)
  }

  // MARK: Notifications

  func notification(_ method: String, _ params: JSONValue) {
    guard state == .running else { return }
    switch method {
    case "textDocument/didOpen":
      guard let item = params["textDocument"], let uri = item["uri"]?.stringValue, let text = item["text"]?.stringValue
      else { return }
      documents[uri] = Document(uri: uri, version: item["version"]?.intValue ?? 0, bytes: Array(text.utf8))
      publish(uri)
    case "textDocument/didChange":
      guard let uri = params["textDocument"]?["uri"]?.stringValue, var document = documents[uri] else { return }
      for change in params["contentChanges"]?.arrayValue ?? [] { document.apply(change) }
      document.version = params["textDocument"]?["version"]?.intValue ?? document.version + 1
      documents[uri] = document
      publish(uri)
    case "textDocument/didSave":
      guard let uri = params["textDocument"]?["uri"]?.stringValue, documents[uri] != nil else { return }
      publish(uri)
    case "textDocument/didClose":
      guard let uri = params["textDocument"]?["uri"]?.stringValue else { return }
      documents[uri] = nil
      notify("textDocument/publishDiagnostics", .object([("uri", .string(uri)), ("diagnostics", .array([]))]))
    default:
      break  // $/cancelRequest, $/setTrace, initialized, workspace notifications: nothing to do
    }
  }

  /// Checks a document and publishes its diagnostics (and those of its configuration file).
  func publish(_ uri: String) {
    guard var document = documents[uri] else { return }
    let analysis = analyze(document)
    document.analysis = analysis
    documents[uri] = document
    let diagnostics = analysis.compilation.diagnostics.map { lspDiagnostic($0, in: analysis.file, uri: uri) }
    notify(
      "textDocument/publishDiagnostics",
      .object([("uri", .string(uri)), ("version", .int(document.version)), ("diagnostics", .array(diagnostics))]))
    if let configuration = analysis.configuration, let file = configuration.file {
      let configurationURI = Document.uri(forPath: FileSystem.absolute(file.path))
      notify(
        "textDocument/publishDiagnostics",
        .object([
          ("uri", .string(configurationURI)),
          ("diagnostics", .array(configuration.diagnostics.map { lspDiagnostic($0, in: file, uri: configurationURI) })),
        ]))
    }
  }
}

extension JSONValue {
  var isInteger: Bool {
    if case .int = self { return true }
    return false
  }
}

/// `.spawnc.yaml` files, read again only when they change on disk.
struct ConfigurationCache {
  var entries: [String: (stamp: (nanoseconds: Int, size: Int), configuration: Configuration)] = [:]

  /// The configuration for a recipe in `directory`; nil when there is none.
  mutating func configuration(forDirectory directory: String) -> Configuration? {
    guard let path = Configuration.find(from: directory).map(FileSystem.absolute),
      let stamp = FileSystem.modificationStamp(path)
    else { return nil }
    if let entry = entries[path], entry.stamp == stamp { return entry.configuration }
    guard let configuration = try? Configuration.load(path) else { return nil }
    entries[path] = (stamp, configuration)
    return configuration
  }
}
