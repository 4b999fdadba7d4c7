import SpawnBasics
import SpawnBuildScript
import SpawnIR
import SpawnLowering
import SpawnNspawn
import SpawnSema
import SpawnSyntax
import SpawnUnits
import SpawnHost

/// Settings of one compilation that do not come from the recipe.
public struct CompileOptions: Sendable {
  /// The container name; nil derives it from the recipe's directory.
  public var name: String?
  /// The build context; nil means the recipe's directory.
  public var contextDirectory: String?
  /// spawnc's state directory, baked into the outputs.
  public var stateDirectory: String
  /// Look at the build context on disk (symbolic links leaving it) while checking.
  public var inspectContext: Bool
  /// `--build-arg NAME=VALUE`: replaces the default of each ARG of that name.
  public var buildArguments: [String: String]
  /// Run the backends (`spawnc check` only needs the diagnostics).
  public var emitsOutputs = true
  /// Warnings to leave out (codes, from `--ignore` and the configuration file), on top of the
  /// recipe's own `# spawnc ignore=` comments.
  public var ignoredCodes: Set<String> = []
  /// Emit the units of `spawnc-generator` instead of the files of `spawnc compile`.
  public var generator: GeneratorUnits? = nil

  public init(
    name: String? = nil, contextDirectory: String? = nil, stateDirectory: String = Driver.defaultStateDirectory,
    inspectContext: Bool = true, buildArguments: [String: String] = [:]
  ) {
    self.name = name
    self.contextDirectory = contextDirectory
    self.stateDirectory = stateDirectory
    self.inspectContext = inspectContext
    self.buildArguments = buildArguments
  }
}

/// How `spawnc-generator` wants its units.
public struct GeneratorUnits: Sendable {
  /// The absolute path of `spawnc`, which `NAME-build.service` runs.
  public var spawncPath: String
  /// `TimeoutStartSec=` of `NAME-build.service`.
  public var buildTimeout: String

  public init(spawncPath: String, buildTimeout: String = "30min") {
    self.spawncPath = spawncPath
    self.buildTimeout = buildTimeout
  }
}

/// Everything one compilation produced.
public struct Compilation: Sendable {
  public var file: SourceFile
  /// All diagnostics of all phases, sorted by position.
  public var diagnostics: [Diagnostic]
  /// nil when there are errors.
  public var ir: RecipeIR?
  /// The generated files; empty when there are errors.
  public var outputs: [GeneratedFile]
  /// The syntax tree (for editors: positions of instructions, comments, stages).
  public var tree: SyntaxTree? = nil

  public var hasErrors: Bool { diagnostics.hasErrors }
}

/// The library API of spawnc: parse, check, lower and emit, and write outputs. It prints
/// nothing and decides no exit codes; the command-line tool does that.
public enum Driver {
  public static let defaultStateDirectory = "/var/lib/spawnc"

  /// The state directory: the flag, else `$SPAWNC_STATE_DIR`, else `/var/lib/spawnc`.
  public static func stateDirectory(flag: String?) -> String {
    if let flag, !flag.isEmpty { return FileSystem.absolute(flag) }
    if let environment = FileSystem.environment("SPAWNC_STATE_DIR"), !environment.isEmpty {
      return FileSystem.absolute(environment)
    }
    return defaultStateDirectory
  }

  /// Reads a recipe (`-` is standard input); `displayName` replaces the path in messages.
  public static func load(_ path: String, displayName: String? = nil) throws(FileSystemError) -> SourceFile {
    SourceFile(path: displayName ?? (path == "-" ? "<stdin>" : path), bytes: try FileSystem.read(path))
  }

  /// Parses, checks, lowers and emits. `recipePath` is where the recipe lives on disk (nil for
  /// standard input), which sets the default name and context.
  public static func compile(_ file: SourceFile, recipePath: String?, options: CompileOptions) -> Compilation {
    let tree = Parser.parse(file)
    let recipeAbsolute = recipePath.map(FileSystem.absolute) ?? FileSystem.absolute("Spawnfile")
    let recipeDirectory = parentDirectory(recipeAbsolute)
    let context = FileSystem.absolute(options.contextDirectory ?? recipeDirectory)
    // Not checked for existence: the inspector only looks when a COPY asks, and a missing
    // context has no links to report.
    let inspector: BuildContextInspector? = options.inspectContext ? FileSystemContext(root: context) : nil
    let checked = Checker.check(tree, context: inspector, buildArguments: options.buildArguments)
    var diagnostics = checked.diagnostics

    let name = options.name ?? defaultName(recipeDirectory: recipeDirectory)
    // Three calls rather than a loop over an array of pairs: one generic type less for the
    // runtime to build at the generator's start.
    func checkPath(_ what: String, _ path: String) {
      guard path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) || path.hasSuffix(" ") || path.hasSuffix("\\") else { return }
      diagnostics.append(
        Diagnostic(
          .unrepresentableValue, "the \(what) path contains a control character or ends in a blank or `\\`",
          at: Span.at(0),
          help: "Generated units name this path, and systemd cannot read it back; use a path without them."))
    }
    checkPath("recipe", recipeAbsolute)
    checkPath("context", context)
    checkPath("state directory", options.stateDirectory)
    var ir: RecipeIR?
    if !diagnostics.hasErrors {
      let lowering = LoweringOptions(
        name: name, recipePath: recipeAbsolute, recipeDigest: SHA256.hex(file.bytes), contextPath: context,
        stateDirectory: options.stateDirectory)
      let (lowered, loweringDiagnostics) = Lowering.lower(checked, options: lowering)
      diagnostics.append(contentsOf: loweringDiagnostics)
      ir = lowered
    }
    let outputs = options.emitsOutputs ? ir.map { emit($0, generator: options.generator) } ?? [] : []
    let reported = Suppression.apply(diagnostics, tree: tree, ignored: options.ignoredCodes)
    return Compilation(file: file, diagnostics: reported, ir: ir, outputs: outputs, tree: tree)
  }

  /// Runs every backend on the IR. For the generator only the units: their nspawn settings
  /// are on the command line, and `NAME-build.service` runs `spawnc build`, which writes its
  /// own build script.
  public static func emit(_ ir: RecipeIR, generator: GeneratorUnits? = nil) -> [GeneratedFile] {
    guard let generator else {
      return (NspawnBackend.emit(ir).map { [$0] } ?? []) + UnitsBackend.emit(ir) + [BuildScriptBackend.emit(ir)]
    }
    guard let runtime = ir.runtime else { return [] }
    let build = [
      generator.spawncPath, "build", "--if-changed", "--recipe-sha256=" + ir.paths.recipeDigest, "--no-config",
      "--name=" + ir.name, "--context=" + ir.paths.context, "--state-dir=" + ir.paths.stateDirectory, ir.paths.recipe,
    ]
    let options = GeneratedUnitOptions(
      nspawnArguments: NspawnBackend.arguments(ir, runtime), buildCommand: build, buildTimeout: generator.buildTimeout)
    return UnitsBackend.emit(ir, options: UnitOptions(generated: options))
  }

  /// The default container name: the recipe directory's name, if it is a valid name.
  static func defaultName(recipeDirectory: String) -> String {
    var directory = Substring(recipeDirectory)
    while directory.hasSuffix("/") { directory = directory.dropLast() }
    let base = directory.lastIndex(of: "/").map { directory[directory.index(after: $0)...] } ?? directory
    return base.isEmpty ? "app" : String(base)
  }

  /// Resolves an ignore list (codes or names): the warning codes, the words that name nothing,
  /// and the ones that name errors (which cannot be ignored).
  public static func resolveIgnoreList(_ words: [String]) -> (codes: Set<String>, unknown: [String], errors: [String]) {
    Suppression.resolve(words)
  }

  /// The directory part of an absolute path (`/` for a file at the root).
  public static func parentDirectory(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    let parent = String(path[..<slash])
    return parent.isEmpty ? "/" : parent
  }

  /// Writes a compilation's outputs into a directory, each atomically. Files that an earlier
  /// compilation of the same container generated and this one no longer does (a `.socket` that
  /// is not needed any more) are removed; files spawnc did not generate are never touched.
  /// Returns the paths written.
  @discardableResult
  public static func write(_ compilation: Compilation, to directory: String) throws(FileSystemError) -> [String] {
    guard let ir = compilation.ir, !compilation.hasErrors else { return [] }
    let files = compilation.outputs.map { file in
      (name: file.name, contents: file.bytes, mode: file.isExecutable ? UInt32(0o755) : UInt32(0o644))
    }
    try FileSystem.writeAtomically(files, into: directory)
    let current = Set(compilation.outputs.map(\.name))
    for stale in FileSystem.list(directory) where !current.contains(stale) && isOurs(stale, name: ir.name) {
      let path = directory + "/" + stale
      if let bytes = try? FileSystem.read(path), String(decoding: bytes.prefix(400), as: UTF8.self).contains("Generated by spawnc") {
        FileSystem.remove(path)
      }
    }
    return compilation.outputs.map { directory + "/" + $0.name }
  }

  /// Whether a file name is one spawnc generates for this container.
  static func isOurs(_ file: String, name: String) -> Bool {
    if file == name + ".socket" { return true }
    let prefix = name + "-proxy-"
    guard file.hasPrefix(prefix) else { return false }
    let rest = file.dropFirst(prefix.count)
    for suffix in [".socket", ".service"] where rest.hasSuffix(suffix) {
      let port = rest.dropLast(suffix.count)
      return !port.isEmpty && port.allSatisfy(\.isNumber)
    }
    return false
  }
}

/// The build context on disk: answers whether a COPY source leaves it through a symbolic link.
struct FileSystemContext: BuildContextInspector {
  let root: String

  init(root: String) {
    self.root = root
  }

  func escapingSymlink(for relativePath: String) -> String? {
    guard relativePath != "." else { return nil }
    // Resolved here, not up front: most recipes never ask (no COPY from the context).
    let realRoot = FileSystem.realPath(root) ?? root
    var prefix = ""
    for component in relativePath.split(separator: "/") {
      prefix += (prefix.isEmpty ? "" : "/") + component
      let path = root + "/" + prefix
      guard FileSystem.exists(path) else { return nil }
      guard FileSystem.isSymbolicLink(path) else { continue }
      // A dangling link is not reported here: the build fails on it with its own message.
      guard let target = FileSystem.realPath(path) else { return nil }
      if target != realRoot && !target.hasPrefix(realRoot + "/") { return prefix }
    }
    return nil
  }

  /// Every path the pattern matches now (glob(3), as the build script's shell expands it),
  /// checked like a plain path.
  func escapingSymlink(forPattern pattern: String) -> String? {
    for match in FileSystem.glob(pattern, in: root) {
      if let link = escapingSymlink(for: match) { return link }
    }
    return nil
  }
}
