/// spawnc's version, written into the header of every generated file.
public let spawncVersion = "0.1.0"

/// One output file of a backend.
public struct GeneratedFile: Hashable, Sendable {
  /// The file name (no directories), e.g. `web.service`.
  public var name: String
  public var contents: String
  /// Whether the file should be executable (the build script).
  public var isExecutable: Bool

  public init(name: String, contents: String, isExecutable: Bool = false) {
    self.name = name
    self.contents = contents
    self.isExecutable = isExecutable
  }
}
