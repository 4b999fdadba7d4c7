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

#if canImport(Glibc)
  import Glibc
#endif

/// Messages to standard error and, unless disabled, to the kernel log (where systemd's own
/// generators log: the journal reads it, and it works before journald runs).
struct Log {
  var kmsg: Int32 = -1
  let prefix = "spawnc-generator[\(getpid())]: "

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
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let count = bytes.withUnsafeMutableBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
      if count < 0 && errno == EINTR { continue }
      if count <= 0 { return }
      offset += count
    }
  }
}

func usage(_ message: String) -> Never {
  Log(useKmsg: false).emit(
    message + "\nusage: spawnc-generator [--no-kmsg] [--dry-run] NORMAL-DIR [EARLY-DIR LATE-DIR]", level: 3)
  exit(2)
}

var useKmsg = true
var dryRun = false
var directories: [String] = []
for argument in CommandLine.arguments.dropFirst() {
  switch argument {
  case "--no-kmsg": useKmsg = false
  case "--dry-run": dryRun = true
  case "--version":
    print("spawnc-generator \(spawncVersion)")
    exit(0)
  case "-h", "--help":
    print("usage: spawnc-generator [--no-kmsg] [--dry-run] NORMAL-DIR [EARLY-DIR LATE-DIR]")
    exit(0)
  default:
    if argument.hasPrefix("-") { usage("unknown option \(argument)") }
    directories.append(argument)
  }
}
if dryRun { useKmsg = false }
if !dryRun && directories.isEmpty { usage("give the output directory") }
if directories.count > 3 { usage("too many arguments") }
// Only a system generator: user managers have no business with containers.
if FileSystem.environment("SYSTEMD_SCOPE") == "user" { exit(0) }

let log = Log(useKmsg: useKmsg)
let output = directories.first.map(FileSystem.absolute) ?? ""
let stateDirectory = Driver.stateDirectory(flag: nil)
let spawnc = Command.siblingExecutable("spawnc") ?? "/usr/bin/spawnc"
let (recipes, unreadable) = Generator.discover(Generator.recipeDirectories(FileSystem.environment("SPAWNC_RECIPE_DIRS")))

var failures = 0
for entry in unreadable {
  failures += 1
  log.emit("\(entry.path): error: cannot read the recipe: \(entry.reason)", level: 3)
}
var madeDirectories: Set<String> = []
var generated = 0
var outputOK = true
if !dryRun {
  do throws(FileSystemError) {
    try FileSystem.makeDirectories(output)
  } catch {
    log.emit("error: \(error)", level: 3)
    outputOK = false
  }
}
for recipe in recipes where outputOK {
  let result = Generator.generate(recipe, stateDirectory: stateDirectory, spawncPath: spawnc)
  if !result.compilation.diagnostics.isEmpty {
    let rendered = DiagnosticRenderer.gnu(result.compilation.diagnostics, in: result.compilation.file)
    log.emit(rendered, level: result.compilation.hasErrors ? 3 : 4)
  }
  if result.compilation.hasErrors {
    failures += 1
    log.emit("\(recipe.path): error: skipped: the recipe has errors; container \(recipe.name) gets no units", level: 3)
  }
  if dryRun {
    for file in result.files { print("---\(file.name)---\n" + file.contents, terminator: "") }
    for link in result.links { print("---\(link.link) -> \(link.target)---") }
    continue
  }
  do throws(FileSystemError) {
    try Generator.write(files: result.files, links: result.links, into: output, madeDirectories: &madeDirectories)
    if result.succeeded { generated += 1 }
  } catch {
    failures += 1
    log.emit("\(recipe.path): error: \(error)", level: 3)
  }
}
// Always, even without recipes: `spawnc install --generator` starts spawnc-apply.path.
if !dryRun && outputOK {
  let apply = Generator.applyUnits(outputDirectory: output)
  do throws(FileSystemError) {
    try Generator.write(files: apply.files, links: apply.links, into: output, madeDirectories: &madeDirectories)
  } catch {
    log.emit("error: \(error)", level: 3)
  }
}
// systemd ignores a generator's exit status; exit 0 so that tools that do not (and the good
// units) are not affected by one bad recipe. A dry run reports errors in its status.
exit(dryRun && failures > 0 ? 1 : 0)
