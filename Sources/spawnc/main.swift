import ArgumentParser
import SpawnBasics
import SpawnConfig
import SpawnDriver
import SpawnHost
import SpawnStore
import SpawnIR
import SpawnLanguageServer

#if canImport(Glibc)
  import Glibc
#endif

/// The `spawnc` command. Exit status: 0 no errors (warnings allowed), 1 the recipe has errors,
/// 2 bad usage (unknown option, unreadable file, unwritable output directory).
struct Spawnc: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "spawnc",
    abstract: "Compile Spawnfiles into systemd-nspawn settings, systemd units and a build script.",
    discussion: """
      Exit status: 0 when there are no errors (warnings allowed), 1 when a recipe has errors,
      2 for bad usage (unknown options, unreadable input, unwritable output).
      """,
    version: spawncVersion,
    subcommands: [
      Compile.self, Check.self, LanguageServerCommand.self, Explain.self, Build.self, Run.self, Install.self, Uninstall.self, Import.self,
      Images.self, RemoveImage.self, CollectGarbage.self, Format.self,
    ])

  static func main() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch let error as UsageError {
      Output.error("spawnc: error: \(error.message)\n")
      Glibc.exit(2)
    } catch let error as OperationError {
      Output.error("spawnc: error: \(error.message)\n")
      Glibc.exit(1)
    } catch let error as OperationFailure {
      Output.error("spawnc: error: \(error.message)\n")
      Glibc.exit(1)
    } catch let error as StoreError {
      Output.error("spawnc: error: \(error.message)\n")
      Glibc.exit(1)
    } catch {
      if exitCode(for: error) == .validationFailure {
        Output.error(fullMessage(for: error) + "\n")
        Glibc.exit(2)
      }
      exit(withError: error)
    }
  }
}

/// A problem with how spawnc was called (exit status 2).
struct UsageError: Error {
  var message: String
}

/// A store or build operation that failed (exit status 1).
struct OperationError: Error {
  var message: String
}

/// `--state-dir`, for the commands that use the image store.
struct StateOptions: ParsableArguments {
  @Option(name: .customLong("state-dir"), help: "spawnc's state directory (default: $SPAWNC_STATE_DIR or /var/lib/spawnc).")
  var stateDirectory: String?

  var store: Store { Store(stateDirectory: Driver.stateDirectory(flag: stateDirectory)) }
}

/// Options shared by the commands that read a recipe (`compile`, `check`, `build`, `install`).
struct RecipeOptions: ParsableArguments {
  @Option(name: .long, help: "The container name (default: the recipe's directory name).")
  var name: String?

  @Option(name: .long, help: "The build context COPY reads from (default: the recipe's directory).")
  var context: String?

  @Option(name: .customLong("state-dir"), help: "spawnc's state directory (default: $SPAWNC_STATE_DIR or /var/lib/spawnc).")
  var stateDirectory: String?

  @Option(name: .customLong("build-arg"), help: ArgumentHelp("Set an ARG's value, as docker build does.", valueName: "NAME=VALUE"))
  var buildArguments: [String] = []

  @Option(name: .long, help: "How to print diagnostics: human, gnu, json or sarif (default: the configuration's, else human).")
  var format: DiagnosticFormat?

  @Option(name: .long, help: ArgumentHelp("Leave out a warning, by code or name (repeatable).", valueName: "CODE"))
  var ignore: [String] = []

  @Option(name: .long, help: "The configuration file (default: the nearest .spawnc.yaml from the recipe's directory up).")
  var config: String?

  @Flag(name: .customLong("no-config"), help: "Read no configuration file.")
  var noConfig = false

  @Option(name: .customLong("stdin-filename"), help: "The name of the recipe read from standard input (-), for messages and the build context.")
  var stdinFilename: String?

  func validate() throws {
    for argument in buildArguments where !argument.contains("=") {
      throw ValidationError("--build-arg takes NAME=VALUE, not `\(argument)`")
    }
    let resolved = Driver.resolveIgnoreList(ignore)
    if let word = resolved.unknown.first {
      let candidates = DiagnosticCatalog.all.flatMap { [$0.code, $0.name] }
      let guess = Suggest.closest(to: word, among: candidates).map { "; did you mean \($0)?" } ?? ""
      throw ValidationError("--ignore: `\(word)` is not a spawnc diagnostic code\(guess) (`spawnc explain --all` lists them)")
    }
    if let word = resolved.errors.first {
      throw ValidationError("--ignore: `\(word)` is an error, and errors cannot be ignored; fix what it reports instead")
    }
    if config != nil && noConfig { throw ValidationError("--config and --no-config contradict each other") }
  }

  /// Reads a recipe argument (`-` is standard input, named by --stdin-filename).
  func load(_ path: String) throws -> (source: SourceFile, recipePath: String?) {
    do {
      if path == "-" { return (try Driver.load("-", displayName: stdinFilename), stdinFilename) }
      return (try Driver.load(path), path)
    } catch {
      throw UsageError(message: error.description)
    }
  }

  /// The configuration for a recipe: --config, else the nearest .spawnc.yaml. A configuration
  /// with errors stops the command (exit status 2) after its diagnostics are printed.
  func configuration(for recipePath: String?) throws -> Configuration {
    if noConfig { return Configuration() }
    let start = recipePath.map { Driver.parentDirectory(FileSystem.absolute($0)) } ?? FileSystem.currentDirectory()
    guard let path = config ?? Configuration.find(from: start) else { return Configuration() }
    let configuration: Configuration
    do throws(FileSystemError) {
      configuration = try Configuration.load(path)
    } catch {
      throw UsageError(message: error.description)
    }
    if let file = configuration.file, !configuration.diagnostics.isEmpty {
      Output.error(Output.render(configuration.diagnostics, in: file, format: format ?? .human, terminal: 2))
      if configuration.diagnostics.hasErrors { throw ExitCode(2) }
    }
    return configuration
  }

  /// The format: --format, else the configuration's, else human.
  func effectiveFormat(_ configuration: Configuration) -> DiagnosticFormat { format ?? configuration.format ?? .human }

  /// Compile options from the flags on top of the configuration.
  func compileOptions(_ configuration: Configuration = Configuration()) -> CompileOptions {
    var values = configuration.buildArguments
    for argument in buildArguments {
      let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      values[String(parts[0])] = String(parts[1])
    }
    var options = CompileOptions(
      name: name, contextDirectory: context, stateDirectory: Driver.stateDirectory(flag: stateDirectory),
      buildArguments: values)
    options.ignoredCodes = configuration.ignoredCodes.union(Driver.resolveIgnoreList(ignore).codes)
    return options
  }

  /// Loads a recipe and its configuration and compiles it with these options.
  func compile(_ path: String, emitsOutputs: Bool = true) throws -> (Compilation, DiagnosticFormat) {
    let (source, recipePath) = try load(path)
    let configuration = try configuration(for: recipePath)
    var options = compileOptions(configuration)
    options.emitsOutputs = emitsOutputs
    return (Driver.compile(source, recipePath: recipePath, options: options), effectiveFormat(configuration))
  }
}

extension DiagnosticFormat: ExpressibleByArgument {}

struct Compile: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Compile a Spawnfile into NAME.nspawn, NAME.service, NAME.socket and build-NAME.sh.",
    discussion: """
      Nothing is written for a recipe with errors; each file is written atomically. Several \
      recipes, or a directory of recipes (DIR/NAME/Spawnfile, the layout of /etc/spawnc), \
      compile in one run into one output directory; a recipe with errors does not stop the \
      others (the exit status is then 1).
      """)

  enum Emit: String, ExpressibleByArgument, CaseIterable {
    case files, ir
  }

  @Argument(
    help: """
      Spawnfiles to compile, or directories of recipes (DIR/NAME/Spawnfile); a directory that \
      holds a Spawnfile is that one recipe.
      """)
  var files: [String]

  @Option(name: .shortAndLong, help: "The directory to write the files into.")
  var output: String = "."

  @Option(name: .long, help: "What to produce: files, or ir (the intermediate representation as JSON on standard output).")
  var emit: Emit = .files

  @OptionGroup var recipe: RecipeOptions

  func validate() throws {
    if files.isEmpty { throw ValidationError("give a Spawnfile (or a directory of recipes)") }
  }

  func run() throws {
    var paths: [String] = []
    for file in files {
      if file != "-" && FileSystem.isDirectory(file) {
        if FileSystem.exists(file + "/Spawnfile") {
          paths.append(file + "/Spawnfile")
        } else {
          paths += FileSystem.list(file).filter { !$0.hasPrefix(".") && FileSystem.exists(file + "/" + $0 + "/Spawnfile") }
            .map { file + "/" + $0 + "/Spawnfile" }
        }
      } else {
        paths.append(file)
      }
    }
    if paths.count == 1 && files.count == 1 && !FileSystem.isDirectory(files[0]) { return try compileOne(paths[0]) }
    if emit == .ir { throw UsageError(message: "--emit ir takes one recipe") }
    if recipe.name != nil { throw UsageError(message: "--name names one recipe; give one Spawnfile with it") }
    var failed = false
    var names: [String: String] = [:]
    for path in paths {
      let compilation: Compilation
      do {
        let format: DiagnosticFormat
        (compilation, format) = try recipe.compile(path)
        Output.error(Output.render(compilation.diagnostics, in: compilation.file, format: format, terminal: 2))
      } catch let error as UsageError {
        Output.error("spawnc: error: \(error.message)\n")
        failed = true
        continue
      }
      guard !compilation.hasErrors, let ir = compilation.ir else {
        failed = true
        continue
      }
      if let other = names[ir.name] {
        Output.error("spawnc: error: \(path): container \(ir.name) is also compiled from \(other); its files would replace those\n")
        failed = true
        continue
      }
      names[ir.name] = path
      do {
        for written in try Driver.write(compilation, to: output) { Output.standard(written + "\n") }
      } catch {
        throw UsageError(message: error.description)
      }
    }
    if failed { throw ExitCode(1) }
  }

  func compileOne(_ file: String) throws {
    let (compilation, format) = try recipe.compile(file)
    Output.error(Output.render(compilation.diagnostics, in: compilation.file, format: format, terminal: 2))
    guard !compilation.hasErrors, let ir = compilation.ir else { throw ExitCode(1) }
    switch emit {
    case .ir:
      Output.standard(ir.json.rendered(pretty: true) + "\n")
    case .files:
      do {
        for path in try Driver.write(compilation, to: output) { Output.standard(path + "\n") }
      } catch {
        throw UsageError(message: error.description)
      }
    }
  }
}

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check Spawnfiles and print their diagnostics.",
    discussion: """
      Reads standard input for `-` (name it with --stdin-filename). Settings come from the
      nearest .spawnc.yaml (ignore, werror, format, build-args; see `spawnc explain SP7004`),
      and the flags override them. `# spawnc ignore=CODE` before an instruction and
      `# spawnc global ignore=CODE` leave warnings out. Exit status: 0 no errors (and, with
      --werror, no warnings), 1 errors (or warnings with --werror), 2 bad usage or a bad
      configuration file.
      """)

  @Argument(help: "The Spawnfiles to check.")
  var files: [String]

  @Flag(name: .long, help: "Treat warnings as errors for the exit status.")
  var werror = false

  @OptionGroup var recipe: RecipeOptions

  func validate() throws {
    if files.isEmpty { throw ValidationError("give at least one Spawnfile (or - for standard input)") }
    if recipe.stdinFilename != nil && !files.contains("-") {
      throw ValidationError("--stdin-filename names standard input; give - as a file")
    }
  }

  func run() throws {
    var results: [(file: SourceFile, diagnostics: [Diagnostic])] = []
    var format: DiagnosticFormat?
    var werror = self.werror
    for path in files {
      let (source, recipePath) = try recipe.load(path)
      let configuration = try recipe.configuration(for: recipePath)
      format = format ?? recipe.effectiveFormat(configuration)
      werror = werror || configuration.werror == true
      var options = recipe.compileOptions(configuration)
      options.emitsOutputs = false
      let compilation = Driver.compile(source, recipePath: recipePath, options: options)
      results.append((source, compilation.diagnostics))
      if format == .human || format == .gnu {
        Output.standard(Output.render(compilation.diagnostics, in: source, format: format!, terminal: 1))
      }
    }
    let all = results.flatMap(\.diagnostics)
    let errors = all.filter { $0.severity == .error }.count
    let warnings = all.filter { $0.severity == .warning }.count
    switch format ?? .human {
    case .json:
      let objects = results.flatMap { result in result.diagnostics.map { DiagnosticRenderer.jsonObject($0, in: result.file) } }
      Output.standard(JSONValue.array(objects).rendered(pretty: true) + "\n")
    case .sarif:
      Output.standard(DiagnosticRenderer.sarif(results, version: spawncVersion).rendered(pretty: true) + "\n")
    case .human where errors + warnings > 0:
      Output.standard("\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")\n")
    default:
      break
    }
    if errors > 0 || (werror && warnings > 0) { throw ExitCode(1) }
  }
}

struct LanguageServerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lsp",
    abstract: "Run the language server (LSP 3.17 over standard input and output) for editors.",
    discussion: """
      Diagnostics as you type (with the nearest .spawnc.yaml), hover (instruction documentation
      and diagnostic explanations), completion (instructions, flags, activation modes, stages,
      variables, imported images), formatting (as spawnc fmt), code actions (fix-its, pinning
      FROM to an imported image) and document symbols (stages). Configure your editor to run
      `spawnc lsp` for files named Spawnfile.
      """)

  @OptionGroup var state: StateOptions

  func run() throws {
    let server = LanguageServer(stateDirectory: Driver.stateDirectory(flag: state.stateDirectory))
    Glibc.exit(server.run())
  }
}

struct Explain: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Explain a diagnostic code, e.g. `spawnc explain SP2001`.")

  @Argument(help: "A diagnostic code (SP2001) or name (unpinned-from).")
  var code: String?

  @Flag(name: .long, help: "Explain every code.")
  var all = false

  @Flag(name: .long, help: "With --all: print the Markdown of docs/diagnostics.md.")
  var markdown = false

  func validate() throws {
    if code == nil && !all { throw ValidationError("give a code such as SP2001, or --all") }
  }

  func run() throws {
    if all {
      if markdown {
        Output.standard(DiagnosticCatalog.markdown())
      } else {
        Output.standard(DiagnosticCatalog.all.map(DiagnosticCatalog.explanation(of:)).joined(separator: "\n"))
      }
      return
    }
    guard let code, let kind = DiagnosticCatalog.lookup(code) else {
      var message = "no diagnostic is called `\(code ?? "")`"
      let candidates = DiagnosticCatalog.all.flatMap { [$0.code, $0.name] }
      if let suggestion = Suggest.closest(to: code ?? "", among: candidates) { message += "; did you mean \(suggestion)?" }
      throw UsageError(message: message + " (`spawnc explain --all` lists them)")
    }
    Output.standard(DiagnosticCatalog.explanation(of: kind))
  }
}

struct Build: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Build a Spawnfile's image into the store and print its content ID.",
    discussion: """
      Compiles the recipe and runs its build script: each step runs in systemd-nspawn and is
      committed to the OSTree store, unchanged steps come from the step cache, and the image is
      checked out and STATE/images/NAME switched to it atomically. Progress goes to standard
      error; the last line of standard output is the content ID. Needs root.
      """)

  @Argument(help: "The Spawnfile to build.")
  var file: String

  @Flag(
    name: .customLong("if-changed"),
    help: """
      Build only when STATE/images/NAME was not built from this recipe (the same recipe text and \
      runtime configuration); print its ID either way. Files of the build context are not compared.
      """)
  var ifChanged = false

  @Option(
    name: .customLong("recipe-sha256"),
    help: ArgumentHelp(
      "Refuse to build unless the recipe's SHA-256 is this (spawnc-generator passes the digest of the recipe its units were made from).",
      valueName: "HEX"))
  var recipeDigest: String?

  @OptionGroup var recipe: RecipeOptions

  func run() throws {
    let (source, recipePath) = try recipe.load(file)
    if let recipeDigest, SHA256.hex(source.bytes) != recipeDigest.lowercased() {
      throw OperationError(
        message: """
          \(file) changed since its units were generated (its SHA-256 is \(SHA256.hex(source.bytes)), not \(recipeDigest)); \
          run `systemctl daemon-reload` to generate them again, then start the container again
          """)
    }
    let configuration = try recipe.configuration(for: recipePath)
    let outcome = try Driver.build(
      source, recipePath: recipePath, options: recipe.compileOptions(configuration), ifChanged: ifChanged)
    let format = recipe.effectiveFormat(configuration)
    Output.error(Output.render(outcome.compilation.diagnostics, in: source, format: format, terminal: 2))
    if outcome.compilation.hasErrors { throw ExitCode(1) }
    guard let id = outcome.id else { throw OperationError(message: "the build failed (exit status \(outcome.status))") }
    if outcome.upToDate, let name = outcome.compilation.ir?.name {
      Output.error("spawnc: the image of \(name) is up to date (\(id)); nothing to build\n")
    }
    Output.standard(id + "\n")
  }
}

struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run an image in the foreground, the way docker run lets you try one.",
    discussion: """
      Runs IMAGE (a name, sha256:<id> or a prefix of at least 12 hex digits) with systemd-nspawn
      and the runtime settings its build recorded (command, environment, user, working
      directory, stop signal), or with the command after `--`. Writes go to a volatile overlay
      and vanish at exit; socket-activated ports are passed in by systemd-socket-activate.
      Needs root.
      """)

  @Argument(help: "The image to run.")
  var image: String

  @Argument(parsing: .postTerminator, help: "A command to run instead of the image's own.")
  var command: [String] = []

  @OptionGroup var state: StateOptions

  func run() throws {
    let argv = try Driver.runCommand(
      image: image, command: command, stateDirectory: Driver.stateDirectory(flag: state.stateDirectory),
      interactive: FileSystem.isTerminal(0))
    throw OperationError(message: Command.exec(argv).description)
  }
}

struct Install: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Install a container's settings and units into systemd, and enable them.",
    discussion: """
      Compiles the recipe and writes NAME.nspawn into /etc/systemd/nspawn/ and the units into
      /etc/systemd/system/ (each atomically, only when changed; units of an earlier install
      that this one no longer has are removed), reloads systemd and enables the container's
      sockets (or, without ports, its service). --now also starts them, waits for the jobs and,
      when a unit fails, prints its state and last log lines; a running container whose units
      changed is restarted. Installing twice changes nothing. The image must have been built
      (spawnc build). --root DIR installs into a directory tree offline, without systemd.
      --generator instead installs spawnc-generator (from next to spawnc) as a systemd generator,
      so that recipes in /etc/spawnc/NAME/Spawnfile become units at boot and at every
      `systemctl daemon-reload` (docs/generator.md). Needs root.
      """)

  @Argument(help: "The Spawnfile of the container.")
  var file: String?

  @Flag(name: .long, help: "Install spawnc-generator into /usr/lib/systemd/system-generators/ instead of a container.")
  var generator = false

  @Flag(name: .long, help: "Also start the container's sockets (or service) and wait until they run.")
  var now = false

  @Option(name: .long, help: "Install offline into this root directory instead of the running system.")
  var root: String?

  @OptionGroup var recipe: RecipeOptions

  func validate() throws {
    if now && root != nil { throw ValidationError("--now starts units on the running system; it cannot go with --root") }
    if generator && file != nil { throw ValidationError("--generator installs the generator, not a recipe; drop the Spawnfile") }
    if !generator && file == nil { throw ValidationError("give the Spawnfile of the container to install (or --generator)") }
  }

  func run() throws {
    guard let file else { return try GeneratorInstall.install(root: root) }
    let (compilation, format) = try recipe.compile(file)
    Output.error(Output.render(compilation.diagnostics, in: compilation.file, format: format, terminal: 2))
    if compilation.hasErrors { throw ExitCode(1) }
    guard let plan = Driver.installPlan(compilation) else {
      throw OperationFailure("the recipe has no command to run (CMD or ENTRYPOINT), so there is nothing to install")
    }
    let installRoot = InstallRoot(root)
    // sd_booted(3): systemd runs this system when /run/systemd/system is a directory. Checked
    // before anything is written.
    if installRoot.isRunningSystem && !FileSystem.isDirectory("/run/systemd/system") {
      throw OperationFailure("systemd is not running here; to install into a directory tree instead, use --root DIR")
    }
    if !FileSystem.exists(installRoot.prefix + plan.imagePath) {
      let build = "spawnc build \(file == "-" ? "Spawnfile" : file)"
      if now {
        throw OperationFailure("the image of \(plan.name) is not built (\(plan.imagePath) does not exist); run `\(build)` first")
      }
      Output.error("spawnc: warning: the image of \(plan.name) is not built yet; its units fail until `\(build)` runs\n")
    }
    let report: InstallReport
    do {
      report = try Driver.installFiles(plan, root: installRoot)
    } catch {
      throw OperationFailure(error.description)
    }
    for path in report.written { Output.standard("installed \(path)\n") }
    if report.written.isEmpty && report.stale.isEmpty { Output.standard("\(plan.name) is already installed\n") }
    // Units of an earlier install that this one does not have: stopped, then removed.
    if installRoot.isRunningSystem && !report.staleUnits.isEmpty {
      let stale = report.staleUnits
      try ManagerOutput.show(try ServiceManagerClient.run(["stop"] + stale + ["reset-failed"] + stale + ["disable"] + stale))
    }
    let removed = Driver.removeFiles(report.stale, root: installRoot)
    for link in removed.links { Output.standard("Removed \(link.link).\n") }
    for path in removed.files { Output.standard("removed \(path)\n") }

    guard installRoot.isRunningSystem else {
      let changes: [UnitLinkChange]
      do {
        changes = try Driver.enableOffline(plan.entryUnits, files: plan.units, root: installRoot)
      } catch {
        throw OperationFailure(error.description)
      }
      for change in changes { Output.standard("Created symlink \(change.link) → \(change.target).\n") }
      return
    }
    var steps = ["reload", "enable"] + plan.entryUnits
    if now {
      // A container already running the old definition picks the new one up (try-restart
      // leaves units that are not running alone).
      let changed = Set(report.changedUnits + report.staleUnits)
      let restart = plan.entryUnits.filter { $0.hasSuffix(".socket") && changed.contains($0) } + plan.services
      if !changed.isEmpty { steps += ["try-restart"] + restart }
      steps += ["start"] + plan.entryUnits
      // nspawn reports a service ready as soon as it launches the payload: watch it a moment
      // so that a payload that exits at once is reported here, not found later.
      let services = plan.entryUnits.filter { $0.hasSuffix(".service") }
      if !services.isEmpty { steps += ["watch"] + services }
    }
    try ManagerOutput.show(try ServiceManagerClient.run(steps))
  }
}

struct Uninstall: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Stop, disable and remove an installed container's units and settings.",
    discussion: """
      Stops the container's sockets and services, disables them, removes the files spawnc
      installed for it and reloads systemd. The image and the volumes stay: `spawnc rmi NAME`
      removes the image. --root DIR uninstalls from a directory tree offline. Needs root.
      """)

  @Argument(help: "The container name.")
  var name: String?

  @Flag(name: .long, help: "Remove spawnc-generator from /usr/lib/systemd/system-generators/ instead of a container.")
  var generator = false

  @Option(name: .long, help: "Uninstall offline from this root directory instead of the running system.")
  var root: String?

  func validate() throws {
    if generator == (name != nil) { throw ValidationError("give a container name, or --generator") }
  }

  func run() throws {
    guard let name else { return try GeneratorInstall.uninstall(root: root) }
    let installRoot = InstallRoot(root)
    let units = Driver.installedUnits(of: name, root: installRoot)
    guard !Driver.installedFiles(of: name, root: installRoot).isEmpty else {
      throw OperationFailure("no container \(name) is installed in \(installRoot.unitDirectory)")
    }
    if installRoot.isRunningSystem && !units.isEmpty {
      try ManagerOutput.show(try ServiceManagerClient.run(["stop"] + units + ["reset-failed"] + units + ["disable"] + units))
    }
    // Offline, and as a safety net online: the links that enabled the units go with them.
    let removed = Driver.removeFiles(Driver.installedFiles(of: name, root: installRoot), root: installRoot)
    for link in removed.links { Output.standard("Removed \(link.link).\n") }
    for path in removed.files { Output.standard("removed \(path)\n") }
    if installRoot.isRunningSystem { try ManagerOutput.show(try ServiceManagerClient.run(["reload"])) }
  }
}

/// `spawnc install --generator` and `spawnc uninstall --generator`.
enum GeneratorInstall {
  static let directory = "/usr/lib/systemd/system-generators"
  static let name = "spawnc-generator"

  /// Links `/usr/lib/systemd/system-generators/spawnc-generator` to the generator next to this
  /// spawnc (which the build units it writes run), makes `/etc/spawnc`, and on the running system
  /// reloads systemd and starts `spawnc-apply.path`, which from then on starts the units of
  /// new recipes after each reload (at boot, `paths.target` starts it).
  static func install(root: String?) throws {
    guard let executable = Command.siblingExecutable(name), let target = FileSystem.realPath(executable) else {
      throw OperationFailure("\(name) is not next to spawnc; build it (swift build --product \(name)) and install it beside spawnc")
    }
    let installRoot = InstallRoot(root)
    if installRoot.isRunningSystem && !FileSystem.isDirectory("/run/systemd/system") {
      throw OperationFailure("systemd is not running here; to install into a directory tree instead, use --root DIR")
    }
    let link = installRoot.prefix + directory + "/" + name
    do {
      try FileSystem.makeDirectories(installRoot.prefix + directory)
      try FileSystem.makeDirectories(installRoot.prefix + Generator.defaultRecipeDirectories[0])
      if FileSystem.readLink(link) != target {
        try FileSystem.symbolicLink(link, pointingTo: target)
        Output.standard("Created symlink \(link) → \(target).\n")
      } else {
        Output.standard("\(link) is already installed\n")
      }
      // The two units that start new recipes' units after a reload, enabled as
      // `systemctl enable spawnc-apply.path` would (WantedBy=paths.target).
      try FileSystem.makeDirectories(installRoot.unitDirectory)
      let units = Generator.applyUnits().filter {
        (try? FileSystem.read(installRoot.unitDirectory + "/" + $0.name)) != $0.bytes
      }
      try FileSystem.writeAtomically(units.map { ($0.name, $0.bytes, UInt32(0o644)) }, into: installRoot.unitDirectory)
      for unit in units { Output.standard("wrote \(installRoot.unitDirectory)/\(unit.name)\n") }
      let wants = installRoot.unitDirectory + "/paths.target.wants"
      let enabled = wants + "/" + Generator.applyPath
      let unitPath = installRoot.unitDirectory + "/" + Generator.applyPath
      if FileSystem.readLink(enabled) != unitPath {
        try FileSystem.makeDirectories(wants)
        try FileSystem.symbolicLink(enabled, pointingTo: unitPath)
        Output.standard("Created symlink \(enabled) → \(unitPath).\n")
      }
    } catch {
      throw OperationFailure(error.description)
    }
    guard installRoot.isRunningSystem else { return }
    try ManagerOutput.show(try ServiceManagerClient.run(["reload", "start", Generator.applyPath]))
    Output.standard(
      "recipes in \(Generator.defaultRecipeDirectories.joined(separator: ", ")) (NAME/Spawnfile) now become units at every `systemctl daemon-reload`\n")
  }

  static func uninstall(root: String?) throws {
    let installRoot = InstallRoot(root)
    let link = installRoot.prefix + directory + "/" + name
    guard FileSystem.isSymbolicLink(link) || FileSystem.exists(link) else {
      throw OperationFailure("\(name) is not installed in \(installRoot.prefix + directory)")
    }
    if installRoot.isRunningSystem {
      try ManagerOutput.show(try ServiceManagerClient.run(["stop", Generator.applyPath]))
    }
    let unitDirectory = installRoot.unitDirectory
    for path in [link, unitDirectory + "/paths.target.wants/" + Generator.applyPath] + Generator.applyUnits().map({ unitDirectory + "/" + $0.name })
    where FileSystem.isSymbolicLink(path) || FileSystem.exists(path) {
      FileSystem.remove(path)
      Output.standard("removed \(path)\n")
    }
    // The generated units go with the next reload; running containers keep running until stopped.
    if installRoot.isRunningSystem { try ManagerOutput.show(try ServiceManagerClient.run(["reload"])) }
  }
}

/// Prints what the service manager did, as systemctl would, and turns a failure into an error
/// that shows the failed units' state and last log lines.
enum ManagerOutput {
  static func show(_ report: ManagerReport) throws {
    for step in report.steps {
      for change in step.changes {
        switch change.kind {
        case "symlink": Output.standard("Created symlink \(change.path) → \(change.source).\n")
        case "unlink": Output.standard("Removed \(change.path).\n")
        default: break
        }
      }
      let verbs = ["start": "started", "stop": "stopped", "restart": "restarted", "try-restart": "restarted"]
      let failed = Set(report.failed.map(\.unit))
      for job in step.jobs where job.result == "done" && step.verb != "try-restart" && !failed.contains(job.unit) {
        Output.standard("\(verbs[step.verb] ?? step.verb) \(job.unit)\n")
      }
    }
    if let error = report.error {
      if error.verb == "connect" {
        throw OperationFailure(
          "cannot reach systemd (\(error.message)); is systemd running here? To install into a directory tree instead, use --root DIR")
      }
      throw OperationFailure("systemd refused to \(error.verb): \(error.message)")
    }
    guard let first = report.failed.first else { return }
    var message = ""
    for unit in report.failed {
      let result = unit.result.isEmpty || unit.result == "success" ? "" : ", result \(unit.result)"
      if let verb = failedVerb(report, unit.unit) {
        message += "\(unit.unit) did not \(verb): it is \(unit.active) (\(unit.sub))\(result)\n"
      } else {
        message += "\(unit.unit) stopped right after it started: it is \(unit.active) (\(unit.sub))\(result)\n"
      }
      if unit.log.isEmpty {
        message += "  (no log lines since the attempt)\n"
      } else {
        message += "  last log lines:\n" + unit.log.map { "    " + $0 + "\n" }.joined()
      }
    }
    message += "  help: `systemctl status \(first.unit)` and `journalctl -u \(first.unit)` show more"
    throw OperationFailure(message)
  }

  /// The verb of the step whose job for `unit` failed; nil when its job succeeded (and the
  /// unit failed afterwards, while it was watched).
  static func failedVerb(_ report: ManagerReport, _ unit: String) -> String? {
    report.steps.last { step in step.jobs.contains { $0.unit == unit && $0.result != "done" } }?.verb
  }
}

struct Import: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Import a root file system (a tar archive or a directory) as an image.",
    discussion: """
      Commits the tree with the canonical recipe, so the same tree always gets the same ID, and
      prints the content ID (sha256:<64 hex>) as the last line of standard output: pin it in
      FROM. /dev is imported empty; FIFOs and sockets are refused. Needs root.
      """)

  @Argument(help: "ROOTFS.tar (compressed or not) or a directory.")
  var rootfs: String

  @Option(name: .long, help: "A name for the image (`spawnc images` shows it; FROM NAME@sha256:<id>).")
  var name: String?

  @OptionGroup var state: StateOptions

  func run() throws {
    let result = try state.store.importRootFileSystem(rootfs, name: name)
    if result.skippedDeviceEntries > 0 {
      Output.error("left \(result.skippedDeviceEntries) entries of /dev out (nspawn provides its own /dev)\n")
    }
    Output.standard(result.id + "\n")
  }
}

struct Images: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "List the images in the store.")

  @OptionGroup var state: StateOptions

  @Flag(name: .long, help: "Print full content IDs.")
  var noTrunc = false

  func run() throws {
    let images = try state.store.images()
    var rows = [["ID", "NAME", "SIZE", "CREATED FROM"]]
    for image in images {
      let id = noTrunc ? image.id : "sha256:" + String(image.hex.prefix(12))
      rows.append([id, image.names.isEmpty ? "-" : image.names.joined(separator: ","), Self.size(image.size), image.createdFrom])
    }
    let widths = (0..<3).map { column in rows.map { $0[column].count }.max() ?? 0 }
    for row in rows {
      var line = ""
      for column in 0..<3 { line += row[column] + String(repeating: " ", count: widths[column] - row[column].count + 2) }
      Output.standard(line + row[3] + "\n")
    }
  }

  static func size(_ bytes: Int) -> String {
    if bytes < 1024 { return "\(bytes) B" }
    let units = ["KB", "MB", "GB", "TB"]
    var value = Double(bytes) / 1024
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10) \(units[unit])"
  }
}

struct RemoveImage: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rmi", abstract: "Remove images (their names and IDs); `spawnc gc` frees the space.")

  @Argument(help: "Images: names, sha256:<id> or ID prefixes.")
  var images: [String]

  @Flag(name: .long, help: "Remove an image even if a container's STATE/images/NAME link uses it.")
  var force = false

  @OptionGroup var state: StateOptions

  func run() throws {
    for image in images {
      for ref in try state.store.remove(image, force: force) { Output.standard("removed \(ref)\n") }
    }
  }
}

struct CollectGarbage: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gc",
    abstract: "Delete what no image keeps: unreferenced objects, unused checkouts, leftovers of killed builds.")

  @Flag(name: .long, help: "Also drop the build step cache.")
  var cache = false

  @OptionGroup var state: StateOptions

  func run() throws {
    let report = try state.store.collectGarbage(dropCache: cache)
    if report.droppedCacheEntries > 0 { Output.standard("dropped \(report.droppedCacheEntries) cached steps\n") }
    if report.removedWorkDirectories > 0 { Output.standard("removed \(report.removedWorkDirectories) leftover work directories\n") }
    for checkout in report.removedCheckouts { Output.standard("removed checkout \(checkout)\n") }
    if !report.pruneSummary.isEmpty { Output.standard(report.pruneSummary + "\n") }
  }
}

/// Writing to standard output and error without Foundation.
enum Output {
  static func standard(_ text: String) { write(text, to: 1) }
  static func error(_ text: String) { write(text, to: 2) }

  static func write(_ text: String, to descriptor: Int32) {
    guard !text.isEmpty else { return }
    FileSystem.writeAll(Array(text.utf8), to: descriptor)
  }

  /// Renders diagnostics; colours only in the human format, on a terminal, without NO_COLOR.
  static func render(_ diagnostics: [Diagnostic], in file: SourceFile, format: DiagnosticFormat, terminal: Int32) -> String {
    switch format {
    case .human:
      let color = FileSystem.isTerminal(terminal) && FileSystem.environment("NO_COLOR") == nil
      return DiagnosticRenderer.human(diagnostics, in: file, color: color)
    case .gnu:
      return DiagnosticRenderer.gnu(diagnostics, in: file)
    case .json:
      return JSONValue.array(diagnostics.map { DiagnosticRenderer.jsonObject($0, in: file) }).rendered(pretty: true) + "\n"
    case .sarif:
      return DiagnosticRenderer.sarif([(file, diagnostics)], version: spawncVersion).rendered(pretty: true) + "\n"
    }
  }
}

Spawnc.main()
