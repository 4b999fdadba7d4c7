import Foundation
import SpawnDriver
import SpawnIR
import Testing

/// The real validators: systemd-analyze, systemd's own unit parser, systemd-nspawn, shellcheck.
enum SystemdTools {
  /// Writes files into a fresh directory readable by everyone (systemd's test mode runs as nobody).
  static func materialize(_ files: [GeneratedFile], label: String) throws -> String {
    let directory = try Harness.temporaryDirectory(label)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
    for file in files {
      try Harness.write(file.contents, to: directory + "/" + file.name, executable: file.isExecutable)
    }
    return directory
  }

  /// `systemd-analyze verify` on every unit; returns its combined output (empty means clean).
  static func verify(_ files: [GeneratedFile]) throws -> (status: Int32, output: String) {
    let units = files.map(\.name).filter { [".service", ".socket", ".target", ".path"].contains(where: $0.hasSuffix) }
    guard !units.isEmpty else { return (0, "") }
    let directory = try materialize(files, label: "verify")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = try Harness.run(["/bin/sh", "-c", "cd \"$1\" && shift && exec systemd-analyze verify \"$@\"", "sh", directory] + units.map { "./" + $0 })
    return (result.status, result.output)
  }

  /// shellcheck on one script; returns its output (empty means clean).
  static func shellcheck(_ script: String) throws -> (status: Int32, output: String) {
    let result = try Harness.run([try Harness.which("shellcheck"), "--shell=sh", "-"], input: script)
    return (result.status, result.output)
  }

  /// The root-only lint for .nspawn files: nspawn reads the settings next to an empty directory,
  /// prints every parse warning as `FILE:LINE: ...`, then refuses to start. Returns those lines.
  static func lintNspawn(_ file: GeneratedFile) throws -> [String] {
    let directory = try Harness.temporaryDirectory("nspawn-lint")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let machine = String(file.name.dropLast(".nspawn".count))
    try FileManager.default.createDirectory(atPath: directory + "/" + machine, withIntermediateDirectories: true)
    try Harness.write(file.contents, to: directory + "/" + file.name)
    let result = try Harness.run([
      try Harness.which("systemd-nspawn"), "--register=no", "--keep-unit", "--settings=trusted",
      "--directory=" + directory + "/" + machine,
    ])
    return result.output.split(separator: "\n").map(String.init).filter { $0.hasPrefix(directory + "/" + file.name + ":") }
  }

  /// systemd's own parse of a unit (`systemd --test`, run as nobody because it refuses root):
  /// the block of the dump that describes `unit`, and any warnings about the unit's file.
  static func parsedUnit(_ unit: String, among files: [GeneratedFile]) throws -> (dump: String, warnings: [String]) {
    let directory = try materialize(files, label: "systemd-test")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = try Harness.run([
      try Harness.which("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=/",
      "SYSTEMD_UNIT_PATH=\(directory):", "/lib/systemd/systemd", "--test", "--system", "--unit=\(unit)",
      "--log-target=console", "--no-pager",
    ])
    let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var block: [String] = []
    var inside = false
    for line in lines {
      if line.hasPrefix("\t-> Unit ") {
        inside = line == "\t-> Unit \(unit):"
        continue
      }
      if inside { block.append(line) }
    }
    let warnings = lines.filter { $0.hasPrefix(directory + "/") }
    return (block.joined(separator: "\n"), warnings)
  }

  /// The argv of every `Command Line:` of one Exec setting in a `systemd --test` dump, parsed
  /// back with systemd's quoting rules (the dump shows `$$` as `\$\$`; exec turns `$$` into `$`).
  static func commandLines(_ setting: String, in dump: String) -> [[String]] {
    var result: [[String]] = []
    var inside = false
    for line in dump.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("\t\t-> ") {
        inside = line == "\t\t-> \(setting):"
        continue
      }
      if inside, line.hasPrefix("\t\t\tCommand Line: ") {
        let words = splitCommandLine(String(line.dropFirst("\t\t\tCommand Line: ".count)))
        result.append(words.map { $0.replacingOccurrences(of: "$$", with: "$") })
      }
    }
    return result
  }

  /// Splits a command line the way systemd's `extract_first_word(EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE)`
  /// does: blanks separate words, double and single quotes group, backslash starts a C escape.
  static func splitCommandLine(_ line: String) -> [String] {
    var words: [String] = []
    var current = ""
    var inWord = false
    var quote: Character?
    let characters = Array(line.unicodeScalars)
    var index = 0
    func hex(_ count: Int) -> UInt32 {
      var value: UInt32 = 0
      for _ in 0..<count where index < characters.count {
        value = value * 16 + UInt32(Int(String(characters[index]), radix: 16) ?? 0)
        index += 1
      }
      return value
    }
    while index < characters.count {
      let scalar = characters[index]
      index += 1
      if quote == nil && (scalar == " " || scalar == "\t") {
        if inWord { words.append(current) }
        current = ""
        inWord = false
        continue
      }
      inWord = true
      if let open = quote, Character(scalar) == open {
        quote = nil
        continue
      }
      if quote == nil && (scalar == "\"" || scalar == "'") {
        quote = Character(scalar)
        continue
      }
      if scalar == "\\" && quote != "'" && index < characters.count {
        let escaped = characters[index]
        index += 1
        switch escaped {
        case "n": current += "\n"
        case "t": current += "\t"
        case "r": current += "\r"
        case "a": current += "\u{07}"
        case "b": current += "\u{08}"
        case "f": current += "\u{0C}"
        case "v": current += "\u{0B}"
        case "s": current += " "
        case "x": current.unicodeScalars.append(Unicode.Scalar(hex(2)) ?? "?")
        case "u": current.unicodeScalars.append(Unicode.Scalar(hex(4)) ?? "?")
        case "U": current.unicodeScalars.append(Unicode.Scalar(hex(8)) ?? "?")
        default: current.unicodeScalars.append(escaped)
        }
        continue
      }
      current.unicodeScalars.append(scalar)
    }
    if inWord { words.append(current) }
    return words
  }
}
