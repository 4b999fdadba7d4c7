// The libFuzzer target: every compiler layer on arbitrary bytes, plus the invariants that must
// hold for any input. Built by scripts/fuzz.sh with `swiftc -sanitize=fuzzer,address` over the
// compiler modules' sources (see docs/fuzzing.md); not part of the SwiftPM package.
//
// A failed `check` traps, which libFuzzer reports as a crash and saves the input.

import SpawnBasics
import SpawnBuildScript
import SpawnFormat
import SpawnIR
import SpawnLowering
import SpawnNspawn
import SpawnSema
import SpawnSyntax
import SpawnUnits

/// A build context without a disk: any path through a top-level `escape` directory leaves it,
/// so the checker's SP4005 path runs too. Deterministic, as the property checks need.
struct FakeContext: BuildContextInspector {
  func escapingSymlink(for relativePath: String) -> String? {
    relativePath == "escape" || relativePath.hasPrefix("escape/") ? "escape" : nil
  }
}

@inline(never)
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
  if !condition() {
    // Also print the message, so the crash log says which property failed.
    print("spawnc-fuzz: property failed: \(message())")
    fatalError(message())
  }
}

nonisolated(unsafe) var renderedWholeSARIFLog = false

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  runAllPhases(bytes)
  return 0
}

func runAllPhases(_ bytes: [UInt8]) {
  let file = SourceFile(path: "Spawnfile", bytes: bytes)

  // Parser (and BuildKit's dump of the tree, used for conformance).
  let tree = Parser.parse(file)
  _ = Dump.buildkit(tree)

  // Checker, with the build arguments a command line could give.
  let checked = Checker.check(tree, context: FakeContext(), buildArguments: ["FUZZ": "a b'c$d\\", "VERSION": "1"])
  var diagnostics = checked.diagnostics

  // Lowering and the three backends, as Driver.compile runs them.
  var ir: RecipeIR?
  if !diagnostics.hasErrors {
    let options = LoweringOptions(
      name: "fuzz", recipePath: "/src/fuzz/Spawnfile", recipeDigest: SHA256.hex(bytes), contextPath: "/src/fuzz",
      stateDirectory: "/var/lib/spawnc")
    let (lowered, loweringDiagnostics) = Lowering.lower(checked, options: options)
    diagnostics.append(contentsOf: loweringDiagnostics)
    ir = lowered
  }
  if let ir, !diagnostics.hasErrors {
    checkOutputs(ir)
    checkGeneratorOutputs(ir)
    // `--emit ir`, and what the step cache and image metadata are made of.
    checkJSONRoundTrip(ir.json, what: "the IR")
    for stage in ir.image.stages {
      for step in stage.steps { _ = step.cacheKeyMaterial }
    }
    if let runtime = ir.runtime { checkJSONRoundTrip(runtime.imageConfig, what: "the image configuration") }
  }

  // Ignore comments and lists; then every diagnostic renderer.
  let reported = Suppression.apply(diagnostics, tree: tree, ignored: ["SP2001", "SP5003"])
  for diagnostic in diagnostics {
    let span = diagnostic.span
    check(0 <= span.start && span.start <= span.end && span.end <= bytes.count, "\(diagnostic.code) span \(span) outside the file (\(bytes.count) bytes): \(diagnostic.message)")
    for note in diagnostic.notes {
      if let span = note.span {
        check(0 <= span.start && span.start <= span.end && span.end <= bytes.count, "\(diagnostic.code) note span \(span) outside the file (\(bytes.count) bytes)")
      }
    }
  }
  _ = DiagnosticRenderer.human(reported, in: file, color: false)
  _ = DiagnosticRenderer.human(reported, in: file, color: true)
  _ = DiagnosticRenderer.gnu(reported, in: file)
  checkJSONRoundTrip(.array(reported.map { DiagnosticRenderer.jsonObject($0, in: file) }), what: "the diagnostics")
  // The SARIF log carries the whole catalog as its rules, the same for every input: rendering
  // it all once per process is enough (and per input would halve the speed); the results,
  // which depend on the input, are rendered and read back every time.
  let sarif = DiagnosticRenderer.sarif([(file, reported)], version: spawncVersion)
  if !renderedWholeSARIFLog {
    renderedWholeSARIFLog = true
    checkJSONRoundTrip(sarif, what: "the SARIF log")
  }
  let run = sarif["runs"]?.arrayValue?.first
  check(run?["results"]?.arrayValue?.count == reported.count, "SARIF results do not match the diagnostics")
  checkJSONRoundTrip(run?["results"] ?? .null, what: "the SARIF results")

  // The formatter: whatever it writes, formatting that again changes nothing.
  if let once = Formatter.format(file) {
    let twice = Formatter.format(SourceFile(path: "Spawnfile", text: once))
    check(twice == once, "formatting is not idempotent:\n--- once\n\(once)\n--- twice\n\(twice ?? "<nil>")")
  }
}

/// JSON that spawnc writes parses back to the same value. (Only the pretty form, which the
/// command line prints, is read back: reading is a fifth of the run time.)
func checkJSONRoundTrip(_ value: JSONValue, what: String) {
  _ = value.rendered(pretty: false)
  let text = value.rendered(pretty: true)
  check(JSONValue.parse(text) == value, "\(what) does not parse back from its JSON:\n\(text)")
}

// MARK: Generated files

/// Sections each kind of generated file has, in order (optional ones may be missing), and the
/// keys its writer may write. Any other line means a recipe value escaped its writer.
struct FileShape {
  var sections: [String]
  var optionalSections: Set<String> = []
  var keys: Set<String>
}

let serviceShape = FileShape(
  sections: ["Unit", "Service", "Install"],
  keys: [
    "Description", "Documentation", "SourcePath", "Requires", "After", "Wants", "RequiresMountsFor", "JoinsNamespaceOf",
    "Type", "ExecStartPre", "ExecStart", "KillMode", "Delegate", "Slice", "PrivateNetwork", "Restart", "RestartSec",
    "TimeoutStopSec", "SuccessExitStatus", "WantedBy", "Also",
  ])
let proxyServiceShape = FileShape(sections: ["Unit", "Service"], keys: serviceShape.keys)
let socketShape = FileShape(
  sections: ["Unit", "Socket", "Install"],
  keys: ["Description", "SourcePath", "ListenStream", "ListenDatagram", "Service", "WantedBy"])
let nspawnShape = FileShape(
  sections: ["Exec", "Files", "Network"], optionalSections: ["Network"],
  keys: [
    "Environment", "User", "WorkingDirectory", "KillSignal", "PrivateUsers", "LinkJournal", "Timezone", "ReadOnly",
    "PrivateUsersOwnership", "Bind", "Private",
  ])

/// Checks a unit or settings file line by line; returns its `KEY=value` lines, in order.
@discardableResult
func checkShape(_ file: GeneratedFile, _ shape: FileShape) -> [(key: String, value: String)] {
  let text = file.contents
  // systemd ends lines at \n, \r and NUL alike; only \n may appear.
  check(!text.unicodeScalars.contains { $0 == "\r" || $0 == "\0" }, "\(file.name) holds a carriage return or NUL")
  check(text.hasSuffix("\n"), "\(file.name) does not end in a newline")
  var sections: [String] = []
  var entries: [(key: String, value: String)] = []
  for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
    if line.isEmpty || line.hasPrefix("# ") { continue }
    if line.hasPrefix("[") {
      check(line.hasSuffix("]"), "\(file.name): malformed section line: \(line)")
      sections.append(String(line.dropFirst().dropLast()))
      continue
    }
    guard let equals = line.firstIndex(of: "=") else {
      check(false, "\(file.name): a line that is no key, section or comment: \(line)")
      return []
    }
    let key = String(line[..<equals])
    check(shape.keys.contains(key), "\(file.name): unexpected key in line: \(line)")
    check(!sections.isEmpty, "\(file.name): key before the first section: \(line)")
    entries.append((key, String(line[line.index(after: equals)...])))
  }
  let expected = shape.sections.filter { sections.contains($0) || !shape.optionalSections.contains($0) }
  check(sections == expected, "\(file.name): sections \(sections), expected \(expected)")
  return entries
}

func checkOutputs(_ ir: RecipeIR) {
  let nspawn = NspawnBackend.emit(ir)
  let units = UnitsBackend.emit(ir)
  let script = BuildScriptBackend.emit(ir)
  check((nspawn == nil) == (ir.runtime == nil), "a settings file without a command, or none with one")

  // The build script: sh cannot hold NUL; every value goes through ShellWriter.quote.
  check(script.name == "build-fuzz.sh" && script.isExecutable, "build script name or mode")
  check(script.contents.hasPrefix("#!/bin/sh\n") && script.contents.hasSuffix("\n"), "build script shebang or end")
  check(!script.contents.utf8.contains(0), "the build script holds NUL")
  for stage in ir.image.stages {
    for step in stage.steps {
      if case .run(let argv) = step.action {
        for word in argv { check(unquoteShell(ShellWriter.quote(word)) == word, "sh quoting of \(word.debugDescription)") }
      }
      for variable in step.environment {
        let word = variable.key + "=" + variable.value
        check(unquoteShell(ShellWriter.quote(word)) == word, "sh quoting of \(word.debugDescription)")
      }
    }
  }

  guard let runtime = ir.runtime, let nspawn else {
    check(units.isEmpty, "units without a command")
    return
  }

  // The settings file: one Environment= line per variable, reading back as the variable.
  let settings = checkShape(nspawn, nspawnShape)
  let environment = settings.filter { $0.key == "Environment" }.map { unquoteNspawnListItem($0.value) }
  check(
    environment == runtime.environment.map { Optional($0.key + "=" + $0.value) },
    "Environment= lines do not read back as the environment: \(environment)")

  // The units: the expected files, each with its sections and keys; the service runs the
  // payload on its one ExecStart= line, which reads back as the argv.
  var names = ["fuzz.service"]
  if !runtime.socketPorts.isEmpty { names.append("fuzz.socket") }
  for port in runtime.proxyPorts { names += ["fuzz-proxy-\(port.number).socket", "fuzz-proxy-\(port.number).service"] }
  check(units.map(\.name) == names, "unit files \(units.map(\.name)), expected \(names)")
  for unit in units {
    if unit.name == "fuzz.service" {
      let entries = checkShape(unit, serviceShape)
      let execStart = entries.filter { $0.key == "ExecStart" }
      check(execStart.count == 1, "fuzz.service has \(execStart.count) ExecStart= lines")
      guard let words = unquoteCommandLine(execStart[0].value), let dashes = words.firstIndex(of: "--") else {
        check(false, "ExecStart= does not read back: \(execStart[0].value)")
        return
      }
      check(Array(words[(dashes + 1)...]) == runtime.argv, "ExecStart= reads back as \(words), not \(runtime.argv)")
      for entry in entries where entry.key == "Description" {
        check(entry.value.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }, "Description= control")
      }
    } else if unit.name.hasSuffix(".socket") {
      checkShape(unit, socketShape)
    } else {
      checkShape(unit, proxyServiceShape)
    }
  }
}

/// Generator mode (`spawnc-generator`): the nspawn settings ride on the `ExecStart=` line, so
/// that line must read back as the nspawn options (every `--setenv=` exactly one variable)
/// followed by the payload's argv; the build unit runs exactly its command.
func checkGeneratorOutputs(_ ir: RecipeIR) {
  guard let runtime = ir.runtime else { return }
  let arguments = NspawnBackend.arguments(ir, runtime)
  let environment = arguments.filter { $0.hasPrefix("--setenv=") }.map { String($0.dropFirst("--setenv=".count)) }
  check(environment == runtime.environment.map { $0.key + "=" + $0.value }, "--setenv= options are not the environment")
  let build = ["/usr/bin/spawnc", "build", "--if-changed", "--name=fuzz", ir.paths.recipe]
  let units = UnitsBackend.emit(
    ir, options: UnitOptions(generated: GeneratedUnitOptions(nspawnArguments: arguments, buildCommand: build)))
  check(units.contains { $0.name == "fuzz-build.service" }, "no build unit in generator mode")
  for unit in units {
    check(!unit.contents.unicodeScalars.contains { $0 == "\r" || $0 == "\0" }, "\(unit.name) holds a carriage return or NUL")
    let lines = unit.contents.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
    check(!lines.contains("[Install]"), "\(unit.name) has an [Install] section in generator mode")
    let execStart = lines.filter { $0.hasPrefix("ExecStart=") }.map { String($0.dropFirst("ExecStart=".count)) }
    if unit.name == "fuzz.service" {
      check(execStart.count == 1, "generated fuzz.service has \(execStart.count) ExecStart= lines")
      guard let words = execStart.first.flatMap(unquoteCommandLine), let dashes = words.firstIndex(of: "--") else {
        check(false, "generated ExecStart= does not read back")
        return
      }
      check(Array(words[(dashes + 1)...]) == runtime.argv, "generated ExecStart= argv reads back as \(words)")
      check(words[..<dashes].suffix(arguments.count).elementsEqual(arguments), "generated ExecStart= options differ")
      check(words.contains("--settings=no"), "generated ExecStart= without --settings=no")
    } else if unit.name == "fuzz-build.service" {
      check(execStart.count == 1 && execStart.first.flatMap(unquoteCommandLine) == build, "build unit command")
    }
  }
}

// MARK: Reading values back

/// Undoes `ShellWriter.quote`: a plain word, or single-quoted runs joined by `\'`.
func unquoteShell(_ word: String) -> String? {
  var out: [UInt8] = []
  var bytes = word.utf8[...]
  if !bytes.contains(0x27) && !bytes.contains(0x5C) { return word.isEmpty ? nil : word }
  while let first = bytes.first {
    if first == 0x27 {
      bytes = bytes.dropFirst()
      guard let close = bytes.firstIndex(of: 0x27) else { return nil }
      out += bytes[..<close]
      bytes = bytes[bytes.index(after: close)...]
    } else if first == 0x5C, bytes.dropFirst().first == 0x27 {
      out.append(0x27)
      bytes = bytes.dropFirst(2)
    } else {
      return nil
    }
  }
  return String(decoding: out, as: UTF8.self)
}

/// Reads an nspawn list item back: `'...'` and `"..."` runs without escapes, concatenated.
func unquoteNspawnListItem(_ item: String) -> String? {
  var out = String.UnicodeScalarView()
  var scalars = item.unicodeScalars[...]
  while let quote = scalars.first {
    guard quote == "'" || quote == "\"" else { return nil }
    scalars = scalars.dropFirst()
    guard let close = scalars.firstIndex(of: quote) else { return nil }
    out += scalars[..<close]
    scalars = scalars[scalars.index(after: close)...]
  }
  return String(out)
}

/// Splits a unit command line as systemd does for what `UnitFileWriter.command` writes: plain
/// words, or double-quoted words with C escapes; `%%` and `$$` stand for `%` and `$`.
func unquoteCommandLine(_ line: String) -> [String]? {
  var words: [String] = []
  let bytes = Array(line.utf8)
  var index = 0
  func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case 0x30...0x39: byte - 0x30
    case 0x61...0x66: byte - 0x61 + 10
    default: nil
    }
  }
  while index < bytes.count {
    var word: [UInt8] = []
    if bytes[index] == 0x22 {
      index += 1
      while true {
        guard index < bytes.count else { return nil }
        let byte = bytes[index]
        if byte == 0x22 {
          index += 1
          break
        }
        if byte == 0x5C {
          guard index + 1 < bytes.count else { return nil }
          switch bytes[index + 1] {
          case 0x5C: word.append(0x5C)
          case 0x22: word.append(0x22)
          case 0x6E: word.append(0x0A)
          case 0x74: word.append(0x09)
          case 0x72: word.append(0x0D)
          case 0x78:
            guard index + 3 < bytes.count, let high = hexValue(bytes[index + 2]), let low = hexValue(bytes[index + 3])
            else { return nil }
            word.append(high << 4 | low)
            index += 2
          default: return nil
          }
          index += 2
        } else if byte == 0x25 || byte == 0x24 {
          guard index + 1 < bytes.count, bytes[index + 1] == byte else { return nil }
          word.append(byte)
          index += 2
        } else {
          word.append(byte)
          index += 1
        }
      }
    } else {
      while index < bytes.count && bytes[index] != 0x20 {
        let byte = bytes[index]
        let plain =
          (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
          || "/._-+=,:@".utf8.contains(byte)
        guard plain else { return nil }
        word.append(byte)
        index += 1
      }
    }
    words.append(String(decoding: word, as: UTF8.self))
    if index < bytes.count {
      guard bytes[index] == 0x20, index + 1 < bytes.count else { return nil }
      index += 1
    }
  }
  return words
}
