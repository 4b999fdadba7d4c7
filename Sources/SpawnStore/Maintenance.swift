import SpawnHost

extension Store {
  /// Checks every object of a commit against its checksum, in a scratch repository that shares
  /// the objects by hardlink (so only this image is read). Names the corrupted object.
  public func verify(_ hex: String) throws(StoreError) {
    let scratch = try makeScratchDirectory("verify")
    defer { _ = try? Command.run(["rm", "-rf", scratch]) }
    let repository = scratch + "/repo"
    let steps: [[String]] = [
      ["ostree", "--repo=" + repository, "init", "--mode=bare"],
      ["ostree", "--repo=" + repository, "pull-local", self.repository, hex],
      ["ostree", "--repo=" + repository, "fsck", "--quiet"],
    ]
    for step in steps {
      let result = try run(step)
      guard result.succeeded else {
        let detail = result.errorText.split(separator: "\n").last.map(String.init) ?? "exit status \(result.status)"
        throw StoreError("image sha256:\(hex) failed verification: \(detail)")
      }
    }
  }

  /// The hardlink checkout of a commit, `STATE/checkouts/HEX`, made (and verified) if missing.
  /// It appears complete or not at all: it is made under a temporary name, then renamed.
  public func checkout(_ hex: String) throws(StoreError) -> String {
    let path = checkouts + "/" + hex
    if FileSystem.isDirectory(path) { return path }
    try verify(hex)
    let temporaryPath = checkouts + "/." + hex + ".tmp"
    _ = try run(["rm", "-rf", temporaryPath])
    try ostree(["checkout", "-H", hex, temporaryPath])
    let renamed = try run(["mv", "-T", temporaryPath, path])
    guard renamed.succeeded else { throw StoreError("cannot rename the checkout of sha256:\(hex): \(renamed.errorText)") }
    return path
  }

  /// Names whose `STATE/images/NAME` link points at the checkout of a commit.
  public func linkedNames(of hex: String) -> [String] {
    FileSystem.list(links).filter { name in
      !name.hasPrefix(".") && FileSystem.readLink(links + "/" + name).map { $0.hasSuffix("/" + hex) } == true
    }
  }

  /// Removes an image's refs (by name: that name; by ID: all its names). Refuses an image a
  /// container's `STATE/images/NAME` link still uses, unless `force`. Returns the removed refs.
  public func remove(_ reference: String, force: Bool) throws(StoreError) -> [String] {
    let hex = try resolve(reference)
    let byName = (try refs()).contains("spawnc/images/" + reference)
    let users = linkedNames(of: hex)
    if !users.isEmpty && !force {
      throw StoreError(
        "container \(users.joined(separator: ", ")) runs from this image; stop it and pass --force to remove the image anyway")
    }
    var removed: [String] = []
    for ref in try refs() {
      let isTarget = byName
        ? ref == "spawnc/images/" + reference
        : (ref.hasPrefix("spawnc/images/") || ref.hasPrefix("spawnc/ids/")) && (try? commit(ofRef: ref)) == hex
      if isTarget {
        try ostree(["refs", "--delete", ref])
        removed.append(ref)
      }
    }
    if force {
      for name in users where byName ? name == reference : true { FileSystem.remove(links + "/" + name) }
    }
    return removed
  }

  /// What `spawnc gc` did.
  public struct CollectionReport: Sendable {
    public var pruneSummary: String
    public var removedCheckouts: [String]
    public var removedWorkDirectories: Int
    public var droppedCacheEntries: Int
  }

  /// Removes what nothing keeps: work directories of builds that are gone (unmounting what they
  /// left mounted), with `dropCache` the step cache, objects no ref reaches, and checkouts of
  /// images that no ref and no container link keeps.
  public func collectGarbage(dropCache: Bool) throws(StoreError) -> CollectionReport {
    try ensure()
    var report = CollectionReport(pruneSummary: "", removedCheckouts: [], removedWorkDirectories: 0, droppedCacheEntries: 0)
    report.removedWorkDirectories = try removeStaleWorkDirectories()
    if dropCache {
      for ref in try refs() where ref.hasPrefix("spawnc/cache/") {
        try ostree(["refs", "--delete", ref])
        report.droppedCacheEntries += 1
      }
    }
    report.pruneSummary = try ostree(["prune", "--refs-only"]).outputText.trimmingNewline()
    var keep: Set<String> = []
    for name in FileSystem.list(links) where !name.hasPrefix(".") {
      if let target = FileSystem.readLink(links + "/" + name) { keep.insert(String(target.split(separator: "/").last ?? "")) }
    }
    for ref in try refs() where ref.hasPrefix("spawnc/images/") || ref.hasPrefix("spawnc/ids/") {
      keep.insert(try commit(ofRef: ref))
    }
    for entry in FileSystem.list(checkouts) where !keep.contains(entry) {
      _ = try run(["rm", "-rf", "--one-file-system", checkouts + "/" + entry])
      report.removedCheckouts.append(entry)
    }
    return report
  }

  /// Work directories of builds whose process is gone: their FUSE mounts are unmounted first.
  func removeStaleWorkDirectories() throws(StoreError) -> Int {
    var removed = 0
    for entry in FileSystem.list(temporary) {
      let directory = temporary + "/" + entry
      if let pid = (try? FileSystem.read(directory + "/pid")).flatMap({ Int32(String(decoding: $0, as: UTF8.self).trimmingNewline()) }),
        FileSystem.processExists(pid)
      {
        continue
      }
      for mount in FileSystem.list(directory) where mount.hasPrefix("mnt-") {
        _ = try? Command.run(["umount", "--lazy", directory + "/" + mount])
      }
      _ = try run(["rm", "-rf", "--one-file-system", directory])
      removed += 1
    }
    return removed
  }
}
