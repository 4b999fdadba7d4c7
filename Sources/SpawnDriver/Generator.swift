import SpawnBasics
import SpawnHost
import SpawnIR
import SpawnLowering
import SpawnUnits

/// `spawnc-generator`, the systemd generator (systemd.generator(7)): recipes in the search
/// directories become units at boot and at every `systemctl daemon-reload`.
///
/// A recipe is `DIR/NAME/Spawnfile`; `DIR/NAME` is its build context and gives the container
/// its name. The first directory that has a recipe of a name wins; hidden entries and entries
/// without a `Spawnfile` are ignored. A recipe with errors gets no container units; all others
/// still do.
public enum Generator {
  /// Where recipes are looked for, earlier ones overriding later ones by name.
  public static let defaultRecipeDirectories = ["/etc/spawnc", "/run/spawnc", "/usr/share/spawnc"]

  /// The target that wants every generated entry unit; `spawnc-apply.service` starts it after
  /// a reload, so that new recipes start without a reboot.
  public static let target = "spawnc.target"
  /// The path unit that notices a generator run and the service it starts.
  public static let applyPath = "spawnc-apply.path"
  public static let applyService = "spawnc-apply.service"
  /// The file whose existence tells `spawnc-apply.path` that the generator ran; a hidden name,
  /// which systemd does not take for a unit. `spawnc-apply.service` removes it.
  public static let applyMarker = ".spawnc-apply"

  /// The search path: `$SPAWNC_RECIPE_DIRS` (colon-separated; replaces the default, as
  /// `QUADLET_UNIT_DIRS` does for Quadlet) or the default directories.
  public static func recipeDirectories(_ variable: String?) -> [String] {
    guard let variable, !variable.isEmpty else { return defaultRecipeDirectories }
    // Split by hand: an array of substrings is one more generic type for the runtime to build
    // at every start.
    var directories: [String] = []
    var start = variable.utf8.startIndex
    for index in variable.utf8.indices where variable.utf8[index] == UInt8(ascii: ":") {
      if index > start { directories.append(FileSystem.absolute(String(variable[start..<index]))) }
      start = variable.utf8.index(after: index)
    }
    if start < variable.utf8.endIndex { directories.append(FileSystem.absolute(String(variable[start...]))) }
    return directories
  }

  /// A recipe found in the search path.
  public struct Recipe: Sendable {
    /// The container name (the directory's name; checked when compiling).
    public var name: String
    /// `DIR/NAME/Spawnfile`.
    public var path: String
    /// The recipe's text; nil until `load` has read it.
    public var bytes: [UInt8]?
    /// Where else a recipe of this name may be, in search order, should `path` turn out not to
    /// exist (a directory of that name without a `Spawnfile`).
    public var fallbacks: [String] = []
  }

  /// What `load` found.
  public enum Loaded: Sendable {
    case loaded
    /// No candidate has a `Spawnfile`: not a recipe.
    case absent
    case failed(Unreadable)
  }

  /// Reads a discovered recipe: the first candidate path that exists wins; one that exists but
  /// cannot be read is an error, not skipped in favour of a later directory.
  public static func load(_ recipe: inout Recipe) -> Loaded {
    if recipe.bytes != nil { return .loaded }
    for path in [recipe.path] + recipe.fallbacks {
      switch FileSystem.readIfPresent(path) {
      case .absent:
        continue
      case .failed(let error):
        return .failed(Unreadable(path: path, reason: error.reason))
      case .read(let bytes):
        recipe.path = path
        recipe.bytes = bytes
        recipe.fallbacks = []
        return .loaded
      }
    }
    return .absent
  }

  /// A directory entry that looked like a recipe but could not be read.
  public struct Unreadable: Sendable {
    public var path: String
    public var reason: String
  }

  /// The candidate recipes of the search path, by name: only the directories are listed, and
  /// each name gets its `Spawnfile` paths in search order, for `load` to read (so the serial
  /// part of a generator run is one listing per directory, and every file is opened once, by
  /// the thread that compiles it).
  public static func discover(_ directories: [String]) -> [Recipe] {
    var recipes: [Recipe] = []
    var index: [String: Int] = [:]
    for directory in directories {
      // Unsorted: the recipes are sorted by name below.
      for name in FileSystem.unsortedList(directory) where !name.hasPrefix(".") {
        let path = directory + "/" + name + "/Spawnfile"
        if let existing = index[name] {
          recipes[existing].fallbacks.append(path)
        } else {
          index[name] = recipes.count
          recipes.append(Recipe(name: name, path: path, bytes: nil))
        }
      }
    }
    if recipes.count > 1 { recipes.sort { $0.name < $1.name } }
    return recipes
  }

  /// What the generator makes of one recipe.
  public struct Output: Sendable {
    public var recipe: Recipe
    /// The compilation (diagnostics, IR).
    public var compilation: Compilation
    /// The unit files: the container's units, or, for a recipe with errors and a usable name,
    /// a `NAME.service` that fails and logs the diagnostics.
    public var files: [GeneratedFile]
    /// The units `spawnc.target` wants (what `[Install]` would enable): the sockets, and the
    /// service when some port is not activated or there is none.
    public var entryUnits: [String]

    public var succeeded: Bool { !compilation.hasErrors && compilation.ir?.runtime != nil }
  }

  /// Compiles one recipe into generator units.
  public static func generate(_ recipe: Recipe, stateDirectory: String, spawncPath: String) -> Output {
    var options = CompileOptions(name: nil, stateDirectory: stateDirectory)
    options.generator = GeneratorUnits(spawncPath: spawncPath)
    let file = SourceFile(path: recipe.path, bytes: recipe.bytes ?? [])
    let compilation = Driver.compile(file, recipePath: recipe.path, options: options)
    var output = Output(recipe: recipe, compilation: compilation, files: [], entryUnits: [])
    if let ir = compilation.ir, let runtime = ir.runtime, !compilation.hasErrors {
      output.files = compilation.outputs
      if runtime.ports.isEmpty || runtime.ports.contains(where: { $0.activation == .none }) {
        output.entryUnits.append(ir.name + ".service")
      }
      for file in compilation.outputs where file.name.hasSuffix(".socket") {
        output.entryUnits.append(file.name)
      }
    } else if compilation.hasErrors, Lowering.isValidName(recipe.name) {
      let text = DiagnosticRenderer.gnu(compilation.diagnostics, in: file)
      output.files = [failingService(name: recipe.name, recipe: recipe.path, diagnostics: text)]
      output.entryUnits = [recipe.name + ".service"]
    }
    return output
  }

  /// The unit that stands in for a recipe with errors: starting it logs the diagnostics
  /// (into the journal, under the unit's name) and fails, so that `systemctl status NAME`
  /// says why there is no container instead of "Unit NAME.service not found".
  static func failingService(name: String, recipe: String, diagnostics: String) -> GeneratedFile {
    var writer = UnitFileWriter()
    writer.comment("\(name).service: stands in for container \(name), whose recipe has errors.")
    writer.comment("Generated by spawnc-generator \(spawncVersion) from \(recipe).")
    writer.comment("Fix the recipe (`spawnc check \(recipe)`) and run `systemctl daemon-reload`.")
    writer.section("Unit")
    writer.string("Description", "Container \(name) (its recipe has errors)")
    writer.path("SourcePath", recipe)
    writer.section("Service")
    writer.keyword("Type", "oneshot")
    writer.keyword("SyslogIdentifier", "spawnc-generator")
    let lines = diagnostics.split(separator: "\n").map(String.init) + [
      "\(recipe): the recipe has errors, so container \(name) was not generated; fix it and run `systemctl daemon-reload`"
    ]
    writer.command("ExecStart", ["/bin/sh", "-c", "printf '%s\\n' \"$@\" >&2; exit 1", "spawnc-generator"] + lines)
    return GeneratedFile(name: name + ".service", contents: writer.text)
  }

  /// What every generator run writes besides the recipes' units: `spawnc.target`, which wants
  /// every entry unit (one `Wants=` line each) and is itself wanted by `multi-user.target` (one
  /// link: no per-container links), and the marker file whose appearance tells
  /// `spawnc-apply.path` (installed once, see `applyUnits`) that the generator ran.
  public static func runUnits(entryUnits: [String]) -> (files: [GeneratedFile], link: (path: String, target: String)) {
    var writer = UnitFileWriter()
    writer.comment("\(target): every container generated from a spawnc recipe.")
    writer.comment("Generated by spawnc-generator \(spawncVersion).")
    writer.section("Unit")
    writer.string("Description", "Containers from spawnc recipes")
    for unit in entryUnits { writer.units("Wants", [unit]) }
    return (
      [GeneratedFile(name: target, contents: writer.text), GeneratedFile(name: applyMarker, contents: "")],
      ("multi-user.target.wants/" + target, "../" + target)
    )
  }

  /// The two units that start new recipes' units after a reload (no generator can start
  /// units), installed once by `spawnc install --generator`: `spawnc-apply.path` (wanted by
  /// `paths.target`) waits for the marker file in the generator directory, which exists again
  /// after every generator run, and starts `spawnc-apply.service`, which removes the marker and
  /// starts `spawnc.target`.
  public static func applyUnits(generatorDirectory: String = "/run/systemd/generator", systemctl: String = "/usr/bin/systemctl")
    -> [GeneratedFile]
  {
    let header = "Installed by `spawnc install --generator` (spawnc \(spawncVersion)); `spawnc uninstall --generator` removes it."
    let marker = generatorDirectory + "/" + applyMarker
    var pathWriter = UnitFileWriter()
    pathWriter.comment("\(applyPath): starts \(applyService) when spawnc-generator has run (boot, daemon-reload).")
    pathWriter.comment(header)
    pathWriter.section("Unit")
    pathWriter.string("Description", "Start the containers of new spawnc recipes")
    pathWriter.section("Path")
    pathWriter.path("PathExists", marker)
    pathWriter.units("Unit", [applyService])
    pathWriter.section("Install")
    pathWriter.units("WantedBy", ["paths.target"])

    var serviceWriter = UnitFileWriter()
    serviceWriter.comment("\(applyService): starts \(target), so that units of new recipes run without a reboot.")
    serviceWriter.comment(header)
    serviceWriter.section("Unit")
    serviceWriter.string("Description", "Start the containers of new spawnc recipes")
    serviceWriter.section("Service")
    serviceWriter.keyword("Type", "oneshot")
    serviceWriter.command("ExecStart", ["/bin/rm", "-f", marker])
    serviceWriter.command("ExecStart", [systemctl, "start", "--no-block", target])
    return [
      GeneratedFile(name: applyPath, contents: pathWriter.text),
      GeneratedFile(name: applyService, contents: serviceWriter.text),
    ]
  }

  /// Writes files and a link into the output directory: each file atomically (an unnamed file
  /// linked into place, or a temporary name and a rename; not flushed to disk, since generator
  /// output is made anew at every boot), the link atomically too, its directory made first.
  public static func write(
    files: [GeneratedFile], link: (path: String, target: String)? = nil, into directory: DirectoryHandle
  ) throws(FileSystemError) {
    for file in files {
      try directory.writeFile(file.name, file.bytes)
    }
    if let link {
      if let slash = link.path.firstIndex(of: "/") { try directory.makeDirectory(String(link.path[..<slash])) }
      try directory.symbolicLink(link.path, to: link.target)
    }
  }
}
