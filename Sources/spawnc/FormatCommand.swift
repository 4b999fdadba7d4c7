import ArgumentParser
import SpawnBasics
import SpawnDriver
import SpawnFormat
import SpawnHost

#if canImport(Glibc)
  import Glibc
#endif

/// `spawnc fmt`: canonical formatting (the rules are in docs/formatting.md).
struct Format: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fmt",
    abstract: "Format Spawnfiles canonically (see docs/formatting.md).",
    discussion: """
      Rewrites each file in place, atomically and keeping its mode, when formatting changes it. \
      `-` reads standard input and writes the result to standard output. A file with syntax \
      errors is left alone and its diagnostics are printed to standard error.

      Exit status: 0 done, 1 a file has syntax errors (or, with --check, is not formatted), 2 \
      bad usage (unreadable or unwritable file).
      """)

  @Argument(help: "The Spawnfiles to format (- for standard input).")
  var files: [String]

  @Flag(name: .long, help: "Write nothing; list the files that are not formatted and exit 1 if there are any.")
  var check = false

  @Flag(name: .long, help: "Write nothing; print a unified diff of what formatting would change.")
  var diff = false

  @Option(name: .long, help: "How to print the diagnostics of a file with syntax errors: human, gnu, json or sarif.")
  var format: DiagnosticFormat = .human

  func validate() throws {
    if files.isEmpty { throw ValidationError("give at least one Spawnfile (or - for standard input)") }
    if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be read only once") }
  }

  func run() throws {
    var failed = false
    var unformatted = false
    for path in files {
      let source: SourceFile
      do {
        source = try Driver.load(path)
      } catch {
        throw UsageError(message: error.description)
      }
      guard let formatted = Formatter.format(source) else {
        Output.error(Output.render(Formatter.syntaxDiagnostics(source), in: source, format: format, terminal: 2))
        failed = true
        continue
      }
      let bytes = Array(formatted.utf8)
      let changed = bytes != source.bytes
      if diff {
        if changed {
          unformatted = true
          let original = String(decoding: source.bytes, as: UTF8.self)
          // `patch -p0` applies it: the names end at the tab.
          Output.standard(
            UnifiedDiff.render(
              old: original, new: formatted, oldName: source.path + "\t(original)",
              newName: source.path + "\t(formatted)"))
        }
      } else if check {
        if changed {
          unformatted = true
          Output.standard(source.path + "\n")
        }
      } else if path == "-" {
        Output.standard(formatted)
      } else if changed {
        try rewrite(path, with: bytes)
      }
    }
    if failed || (check && unformatted) { throw ExitCode(1) }
  }

  /// Replaces the file (the target of a symbolic link) atomically, keeping its mode.
  func rewrite(_ path: String, with bytes: [UInt8]) throws {
    let target = FileSystem.realPath(path) ?? path
    var status = stat()
    guard stat(target, &status) == 0 else {
      throw UsageError(message: "cannot write \(path): \(String(cString: strerror(errno)))")
    }
    let mode = UInt32(status.st_mode & 0o7777)
    var directory = "."
    var name = target
    if let slash = target.lastIndex(of: "/") {
      directory = slash == target.startIndex ? "/" : String(target[..<slash])
      name = String(target[target.index(after: slash)...])
    }
    do {
      try FileSystem.writeAtomically([(name: name, contents: bytes, mode: mode)], into: directory)
    } catch {
      throw UsageError(message: error.description)
    }
  }
}
