/// spawnc's version, written into the header of every generated file.
public let spawncVersion = "0.1.0"

/// One output file of a backend.
public struct GeneratedFile: Hashable, Sendable {
  /// The file name (no directories), e.g. `web.service`.
  public var name: String
  /// The contents as written to disk (UTF-8).
  public var bytes: [UInt8]
  /// Whether the file should be executable (the build script).
  public var isExecutable: Bool

  /// The contents as text.
  public var contents: String { String(decoding: bytes, as: UTF8.self) }

  public init(name: String, contents: String, isExecutable: Bool = false) {
    self.init(name: name, bytes: Array(contents.utf8), isExecutable: isExecutable)
  }

  /// A file whose UTF-8 a writer built directly (no round trip through a String).
  public init(name: String, bytes: [UInt8], isExecutable: Bool = false) {
    self.name = name
    self.bytes = bytes
    self.isExecutable = isExecutable
  }
}
