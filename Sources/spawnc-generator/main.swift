// spawnc-generator: the systemd generator of spawnc (systemd.generator(7)). At boot and at
// every `systemctl daemon-reload`, systemd runs it with its output directories; it compiles every
// recipe of /etc/spawnc, /run/spawnc and /usr/share/spawnc (or $SPAWNC_RECIPE_DIRS) into units
// there. A recipe with errors is skipped, its diagnostics written to standard error and
// /dev/kmsg; every other recipe still gets its units. See docs/generator.md.
//
// Usage: spawnc-generator [--no-kmsg] [--dry-run] NORMAL-DIR [EARLY-DIR LATE-DIR]
//
// It links what `spawnc` links minus the command-line parser, and no Foundation: it runs on
// every boot and reload, which wait for it.
import SpawnBasics
import SpawnDriver
import SpawnHost
import SpawnIR
import CProcessors
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Messages to standard error and, unless disabled, to the kernel log (where systemd's own
/// generators log: the journal reads it, and it works before journald runs).
struct Log {
  var kmsg: Int32 = -1
  /// Built when a message is written (most runs write none).
  var prefix: String { "spawnc-generator[\(getpid())]: " }

  init(useKmsg: Bool) {
    // Never created: in a container /dev/kmsg may be missing, and a file there helps no one.
    if useKmsg { kmsg = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC) }
  }

  /// One message per line; `level` is the syslog priority (3 error, 4 warning, 6 info).
  func emit(_ text: String, level: Int) {
    for line in text.split(separator: "\n") {
      write(2, prefix + line + "\n")
      if kmsg >= 0 { write(kmsg, "<\(level)>" + prefix + line) }
    }
  }

  func write(_ descriptor: Int32, _ text: String) {
    FileSystem.writeAll(Array(text.utf8), to: descriptor)
  }
}

func usage(_ message: String) -> Never {
  Log(useKmsg: false).emit(
    message + "\nusage: spawnc-generator [--no-kmsg] [--dry-run] NORMAL-DIR [EARLY-DIR LATE-DIR]", level: 3)
  exit(2)
}

/// The command line.
struct Options {
  var useKmsg = true
  var dryRun = false
  /// The normal, early and late output directories (only the first is used).
  var directories: [String] = []

  /// Reads argv directly: `CommandLine.arguments` costs a start-up of its own.
  static func parse() -> Options {
    var options = Options()
    for index in 1..<Int(CommandLine.argc) {
      let argument = CommandLine.unsafeArgv[index].map { String(cString: $0) } ?? ""
      switch argument {
      case "--no-kmsg": options.useKmsg = false
      case "--dry-run": options.dryRun = true
      case "--version":
        print("spawnc-generator \(spawncVersion)")
        exit(0)
      case "-h", "--help":
        print("usage: spawnc-generator [--no-kmsg] [--dry-run] NORMAL-DIR [EARLY-DIR LATE-DIR]")
        exit(0)
      default:
        if argument.hasPrefix("-") { usage("unknown option \(argument)") }
        options.directories.append(argument)
      }
    }
    if options.dryRun { options.useKmsg = false }
    if !options.dryRun && options.directories.isEmpty { usage("give the output directory") }
    if options.directories.count > 3 { usage("too many arguments") }
    return options
  }
}

func now() -> Double {
  var time = timespec()
  clock_gettime(CLOCK_MONOTONIC, &time)
  return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

let options = Options.parse()
let log = Log(useKmsg: options.useKmsg)
let timing = FileSystem.environment("SPAWNC_GENERATOR_TIMING") != nil
let started = now()
func mark(_ what: String) { if timing { log.write(2, "\(what): \(Int((now() - started) * 1e6)) us\n") } }

/// What every recipe's work needs to know.
struct Settings: Sendable {
  let dryRun: Bool
  let output: DirectoryHandle?
  let stateDirectory: String
  let spawnc: String
}

/// What became of one recipe, for the report after all are done (in name order, whichever
/// thread did the work).
struct Report {
  var messages: [(text: String, level: Int)] = []
  var failed = false
  var entryUnits: [String] = []
  var dryRunText = ""
}

/// Compiles one recipe and writes its units (each recipe's files are its own, so recipes can
/// be done in parallel).
func process(_ found: Generator.Recipe, _ settings: Settings) -> Report {
  var report = Report()
  var recipe = found
  switch Generator.load(&recipe) {
  case .loaded: break
  case .absent: return report  // a directory without a Spawnfile: not a recipe
  case .failed(let entry):
    report.failed = true
    report.messages.append(("\(entry.path): error: cannot read the recipe: \(entry.reason)", 3))
    return report
  }
  let result = Generator.generate(recipe, stateDirectory: settings.stateDirectory, spawncPath: settings.spawnc)
  if !result.compilation.diagnostics.isEmpty {
    let rendered = DiagnosticRenderer.gnu(result.compilation.diagnostics, in: result.compilation.file)
    report.messages.append((rendered, result.compilation.hasErrors ? 3 : 4))
  }
  if result.compilation.hasErrors {
    report.failed = true
    report.messages.append(("\(recipe.path): error: skipped: the recipe has errors; container \(recipe.name) gets no units", 3))
  }
  if settings.dryRun {
    for file in result.files { report.dryRunText += "---\(file.name)---\n" + file.contents }
    return report
  }
  guard let output = settings.output else { return report }
  do throws(FileSystemError) {
    try Generator.write(files: result.files, into: output)
    report.entryUnits = result.entryUnits
  } catch {
    report.failed = true
    report.messages.append(("\(recipe.path): error: \(error)", 3))
  }
  return report
}

/// The recipes shared out over the threads (two on the usual small machine): each thread
/// takes the next recipe not yet taken (an atomic counter, so a slow recipe does not hold up
/// its thread's share) and fills in that recipe's report slot.
final class Batch: @unchecked Sendable {
  let recipes: [Generator.Recipe]
  let settings: Settings
  /// One slot per recipe, each written by exactly one thread; read once all are completed.
  let reports: UnsafeMutableBufferPointer<Report>
  /// The next recipe not yet taken.
  let next = Atomic<Int>(0)
  /// How many recipes have their report.
  let completed = Atomic<Int>(0)

  init(_ recipes: [Generator.Recipe], settings: Settings) {
    self.recipes = recipes
    self.settings = settings
    reports = .allocate(capacity: recipes.count)
    reports.initialize(repeating: Report())
  }

  func run() {
    while true {
      let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
      guard index < recipes.count else { return }
      reports[index] = process(recipes[index], settings)
      completed.wrappingAdd(1, ordering: .releasing)
    }
  }

  /// Waits until every recipe has its report (a worker finishes at most the one recipe it
  /// holds). A worker that has not started yet is not waited for: it would find nothing
  /// left to take, and the process exits under it. The wait yields for a moment (the last
  /// recipe is usually done within microseconds), then checks every 50 µs, so that a long
  /// recipe on another thread does not keep a processor busy.
  func waitForAll() {
    var rounds = 0
    while completed.load(ordering: .acquiring) < recipes.count {
      rounds += 1
      if rounds < 1000 {
        sched_yield()
      } else {
        var pause = timespec(tv_sec: 0, tv_nsec: 50_000)
        nanosleep(&pause, nil)
      }
    }
  }
}

/// A worker thread's start (a plain function: it runs on a thread of its own).
func workerEntry(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
  spawnc_release_processor()
  Unmanaged<Batch>.fromOpaque(context!).takeRetainedValue().run()
  return nil
}

/// The whole run; the exit status.
func generate() -> Int32 {
  // Only a system generator: user managers have no business with containers.
  if FileSystem.environment("SYSTEMD_SCOPE") == "user" { return 0 }
  // Units are 0644 whatever umask systemd ran us with.
  umask(0o022)
  let output = options.directories.first.map(FileSystem.absolute) ?? ""
  let stateDirectory = Driver.stateDirectory(flag: nil)
  let spawnc = Command.siblingExecutable("spawnc") ?? "/usr/bin/spawnc"
  // Only names here; each worker thread reads the recipes it compiles.
  let recipes = Generator.discover(Generator.recipeDirectories(FileSystem.environment("SPAWNC_RECIPE_DIRS")))
  mark("discovered")

  var outputDirectory: DirectoryHandle?
  var outputOK = true
  if !options.dryRun {
    do throws(FileSystemError) {
      try FileSystem.makeDirectories(output)
      outputDirectory = try DirectoryHandle(output)
    } catch {
      log.emit("error: \(error)", level: 3)
      outputOK = false
    }
  }

  let settings = Settings(dryRun: options.dryRun, output: outputDirectory, stateDirectory: stateDirectory, spawnc: spawnc)
  let batch = Batch(outputOK ? recipes : [], settings: settings)
  // SPAWNC_GENERATOR_THREADS overrides the count (for measuring).
  // (The processor count costs a read of /sys, so only when there is something to share.)
  let threads =
    FileSystem.environment("SPAWNC_GENERATOR_THREADS").flatMap { Int($0) }
    ?? (recipes.count >= 8 ? min(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 4) : 1)
  // Each worker starts on a processor other than this thread's (left to itself, the kernel
  // may queue a new thread behind its creator until the next load balancing, milliseconds
  // later); it lets go of the pinning as soon as it runs.
  let current = spawnc_current_processor()
  for worker in 1..<max(1, threads) {
    let context = Unmanaged.passRetained(batch).toOpaque()
    var thread = pthread_t()
    if spawnc_start_thread_on(spawnc_other_processor(current, Int32(worker - 1)), workerEntry, context, &thread) == 0 {
      pthread_detach(thread)
    } else {
      Unmanaged<Batch>.fromOpaque(context).release()
    }
  }
  batch.run()
  mark("main thread done")
  batch.waitForAll()
  mark("all done")

  var failures = 0
  var entryUnits: [String] = []
  for report in batch.reports {
    for message in report.messages { log.emit(message.text, level: message.level) }
    if report.failed { failures += 1 }
    entryUnits += report.entryUnits
    if options.dryRun { print(report.dryRunText, terminator: "") }
  }
  // Always, even without recipes: the marker tells spawnc-apply.path that the generator ran.
  if !options.dryRun, let outputDirectory {
    let apply = Generator.runUnits(entryUnits: entryUnits)
    do throws(FileSystemError) {
      try Generator.write(files: apply.files, link: apply.link, into: outputDirectory)
    } catch {
      log.emit("error: \(error)", level: 3)
    }
  }
  mark("finished")
  // systemd ignores a generator's exit status; exit 0 so that tools that do not (and the good
  // units) are not affected by one bad recipe. A dry run reports errors in its status.
  return options.dryRun && failures > 0 ? 1 : 0
}

exit(generate())
