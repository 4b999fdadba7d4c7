import SpawnHost

extension Store {
  /// The result of `spawnc import`.
  public struct ImportResult: Sendable {
    public var hex: String
    /// Entries of `/dev` left out (OSTree cannot store device nodes; nspawn provides `/dev`).
    public var skippedDeviceEntries: Int
    public var id: String { "sha256:" + hex }
  }

  /// Commits a root file system, from a tar archive (compressed or not) or a directory, with the
  /// canonical recipe; keeps it with `spawnc/ids/HEX` and, given a name, `spawnc/images/NAME`.
  /// `/dev` is committed empty; FIFOs, sockets and device nodes elsewhere are refused.
  public func importRootFileSystem(_ path: String, name: String?) throws(StoreError) -> ImportResult {
    if let name, !Store.isValidImageName(name) {
      throw StoreError("`\(name)` cannot be an image name: use letters, digits, `-`, `.` and `_`, starting with a letter or digit")
    }
    let source = FileSystem.absolute(path)
    guard FileSystem.exists(source) else { throw StoreError("\(path) does not exist") }
    try ensure()

    var scratch: String?
    defer {
      if let scratch { _ = try? Command.run(["rm", "-rf", "--one-file-system", scratch]) }
    }
    var root = source
    if !FileSystem.isDirectory(source) {
      let directory = try makeScratchDirectory("import")
      scratch = directory
      root = directory + "/root"
      do {
        try FileSystem.makeDirectories(root)
      } catch {
        throw StoreError(error.description)
      }
      let unpacked = try run([
        "tar", "--extract", "--file=" + source, "--directory=" + root, "--numeric-owner", "--preserve-permissions",
        "--same-owner", "--xattrs", "--xattrs-include=*",
      ])
      guard unpacked.succeeded else {
        throw StoreError("cannot unpack \(path) as a tar archive: \(unpacked.errorText.trimmingNewline())")
      }
    }

    // Special files: device nodes in /dev are left out, anything else OSTree cannot store is refused.
    let special = try run([
      "find", root, "-mindepth", "1", "(", "-type", "b", "-o", "-type", "c", "-o", "-type", "p", "-o", "-type", "s",
      ")", "-printf", "%y %P\\0",
    ])
    var refused: [String] = []
    for entry in special.output.split(separator: 0) {
      let text = String(decoding: entry, as: UTF8.self)
      let kind = text.prefix(1)
      let relative = String(text.dropFirst(2))
      if (kind == "b" || kind == "c") && relative.hasPrefix("dev/") { continue }
      let what = kind == "p" ? "a FIFO" : kind == "s" ? "a socket" : "a device node"
      refused.append("/\(relative) is \(what)")
    }
    if !refused.isEmpty {
      let shown = refused.prefix(10).joined(separator: "\n  ")
      throw StoreError(
        "cannot import \(path): OSTree stores only files, directories and symbolic links, and\n  \(shown)\n"
          + "Remove these entries (a running system creates them at run time) and import again.")
    }
    // /dev is committed empty: OSTree's skip list can leave out the whole directory but not
    // single device nodes, so /dev is skipped and an empty one, with the same mode and owner,
    // comes from a second tree (whose root, overlaid on the first, copies the root's too).
    var trees = ["--tree=dir=" + root]
    var skipped = 0
    let listDirectory = try makeScratchDirectory("skip")
    defer { _ = try? Command.run(["rm", "-rf", listDirectory]) }
    if FileSystem.isDirectory(root + "/dev") && !FileSystem.isSymbolicLink(root + "/dev") {
      skipped = FileSystem.list(root + "/dev").count
      if skipped > 0 {
        let skeleton = listDirectory + "/skeleton"
        do {
          try FileSystem.makeDirectories(skeleton + "/dev")
          try FileSystem.writeAtomically([(name: "skip-list", contents: Array("/dev\n".utf8), mode: 0o600)], into: listDirectory)
        } catch {
          throw StoreError(error.description)
        }
        for (original, copy) in [(root, skeleton), (root + "/dev", skeleton + "/dev")] {
          let metadata = try run(["stat", "-c", "%a %u %g", original]).outputText.split(separator: " ")
          guard metadata.count == 3 else { throw StoreError("cannot read the mode of \(original)") }
          _ = try run(["chmod", String(metadata[0]), copy])
          _ = try run(["chown", "\(metadata[1]):\(metadata[2].trimmingCharacters())", copy])
        }
        trees = ["--skip-list=" + listDirectory + "/skip-list", "--tree=dir=" + root, "--tree=dir=" + skeleton]
      }
    }
    let committed = try ostree(
      ["commit"] + Store.canonicalCommitOptions + trees + ["--add-detached-metadata-string=spawnc.source=" + source])
    let hex = committed.outputText.trimmingNewline()
    try ostree(["refs", "--force", "--create=spawnc/ids/" + hex, hex])
    if let name { try ostree(["refs", "--force", "--create=spawnc/images/" + name, hex]) }
    return ImportResult(hex: hex, skippedDeviceEntries: skipped)
  }

  func run(_ argv: [String]) throws(StoreError) -> CommandResult {
    do {
      return try Command.run(argv)
    } catch {
      throw StoreError(error.description)
    }
  }

  /// A fresh directory under `STATE/tmp`.
  public func makeScratchDirectory(_ label: String) throws(StoreError) -> String {
    try ensure()
    let result = try run(["mktemp", "-d", temporary + "/" + label + ".XXXXXX"])
    guard result.succeeded else { throw StoreError("cannot create a directory in \(temporary): \(result.errorText)") }
    let directory = result.outputText.trimmingNewline()
    // `spawnc gc` leaves work directories of live processes alone.
    do {
      try FileSystem.writeAtomically(
        [(name: "pid", contents: Array(String(FileSystem.processIdentifier()).utf8), mode: 0o644)], into: directory)
    } catch {
      throw StoreError(error.description)
    }
    return directory
  }
}

extension Substring {
  func trimmingCharacters() -> String {
    String(self.filter { !$0.isWhitespace })
  }
}
