import ArgumentParser
import SpawnBasics
import SpawnDriver
import SpawnIR

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
    subcommands: [Compile.self, Check.self, Explain.self])

  static func main() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch let error as UsageError {
      Output.error("spawnc: error: \(error.message)\n")
      Glibc.exit(2)
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

/// Options shared by `compile` and `check`.
struct RecipeOptions: ParsableArguments {
  @Option(name: .long, help: "The container name (default: the recipe's directory name).")
  var name: String?

  @Option(name: .long, help: "The build context COPY reads from (default: the recipe's directory).")
  var context: String?

  @Option(name: .customLong("state-dir"), help: "spawnc's state directory (default: $SPAWNC_STATE_DIR or /var/lib/spawnc).")
  var stateDirectory: String?

  @Option(name: .customLong("build-arg"), help: ArgumentHelp("Set an ARG's value, as docker build does.", valueName: "NAME=VALUE"))
  var buildArguments: [String] = []

  @Option(name: .long, help: "How to print diagnostics: human, gnu or json.")
  var format: DiagnosticFormat = .human

  func validate() throws {
    for argument in buildArguments where !argument.contains("=") {
      throw ValidationError("--build-arg takes NAME=VALUE, not `\(argument)`")
    }
  }

  func compileOptions() -> CompileOptions {
    var values: [String: String] = [:]
    for argument in buildArguments {
      let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      values[String(parts[0])] = String(parts[1])
    }
    return CompileOptions(
      name: name, contextDirectory: context, stateDirectory: Driver.stateDirectory(flag: stateDirectory),
      buildArguments: values)
  }
}

extension DiagnosticFormat: ExpressibleByArgument {}

struct Compile: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Compile a Spawnfile into NAME.nspawn, NAME.service, NAME.socket and build-NAME.sh.",
    discussion: "Nothing is written when the recipe has errors; each file is written atomically.")

  enum Emit: String, ExpressibleByArgument, CaseIterable {
    case files, ir
  }

  @Argument(help: "The Spawnfile to compile.")
  var file: String

  @Option(name: .shortAndLong, help: "The directory to write the files into.")
  var output: String = "."

  @Option(name: .long, help: "What to produce: files, or ir (the intermediate representation as JSON on standard output).")
  var emit: Emit = .files

  @OptionGroup var recipe: RecipeOptions

  func run() throws {
    let source: SourceFile
    do {
      source = try Driver.load(file)
    } catch {
      throw UsageError(message: error.description)
    }
    let compilation = Driver.compile(source, recipePath: file == "-" ? nil : file, options: recipe.compileOptions())
    Output.error(Output.render(compilation.diagnostics, in: source, format: recipe.format, terminal: 2))
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
    discussion: "Reads standard input for `-`. Exits 1 when any file has errors.")

  @Argument(help: "The Spawnfiles to check.")
  var files: [String]

  @OptionGroup var recipe: RecipeOptions

  func validate() throws {
    if files.isEmpty { throw ValidationError("give at least one Spawnfile (or - for standard input)") }
  }

  func run() throws {
    var failed = false
    var json: [JSONValue] = []
    var errors = 0
    var warnings = 0
    for path in files {
      let source: SourceFile
      do {
        source = try Driver.load(path)
      } catch {
        throw UsageError(message: error.description)
      }
      var options = recipe.compileOptions()
      options.emitsOutputs = false
      let compilation = Driver.compile(source, recipePath: path == "-" ? nil : path, options: options)
      failed = failed || compilation.hasErrors
      errors += compilation.diagnostics.filter { $0.severity == .error }.count
      warnings += compilation.diagnostics.filter { $0.severity == .warning }.count
      if recipe.format == .json {
        json += compilation.diagnostics.map { DiagnosticRenderer.jsonObject($0, in: source) }
      } else {
        Output.standard(Output.render(compilation.diagnostics, in: source, format: recipe.format, terminal: 1))
      }
    }
    if recipe.format == .json {
      Output.standard(JSONValue.array(json).rendered(pretty: true) + "\n")
    } else if recipe.format == .human && errors + warnings > 0 {
      Output.standard("\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")\n")
    }
    if failed { throw ExitCode(1) }
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

/// Writing to standard output and error without Foundation.
enum Output {
  static func standard(_ text: String) { write(text, to: 1) }
  static func error(_ text: String) { write(text, to: 2) }

  static func write(_ text: String, to descriptor: Int32) {
    guard !text.isEmpty else { return }
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let count = bytes.withUnsafeMutableBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
      if count < 0 {
        if errno == EINTR { continue }
        return
      }
      offset += count
    }
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
    }
  }
}

Spawnc.main()
