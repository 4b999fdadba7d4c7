import SpawnBasics
import SpawnHost
import SpawnIR

/// Where a container's files are installed: a system root, `/` for the running system or a
/// directory tree for an offline install (`--root`).
public struct InstallRoot: Sendable {
  /// An absolute path without a trailing slash; empty for `/`.
  public var prefix: String

  public init(_ root: String?) {
    let path = FileSystem.absolute(root ?? "/")
    prefix = path == "/" ? "" : path
  }

  public var isRunningSystem: Bool { prefix.isEmpty }
  /// Units go where the administrator's own units go (systemd.unit(5)).
  public var unitDirectory: String { prefix + "/etc/systemd/system" }
  /// Where systemd-nspawn trusts settings files (systemd.nspawn(5)).
  public var nspawnDirectory: String { prefix + "/etc/systemd/nspawn" }
}

/// What installing one container means: its files and the units to enable and start.
public struct InstallPlan: Sendable {
  public var name: String
  /// The `.nspawn` file.
  public var settings: GeneratedFile?
  /// The `.service` and `.socket` units.
  public var units: [GeneratedFile]
  /// Enabled and started: the container's sockets when it has any (the service then starts on
  /// the first connection), else its service.
  public var entryUnits: [String]
  /// The services that run the container and its proxies.
  public var services: [String]
  /// Where the image must be checked out for the service to start.
  public var imagePath: String
}

/// What writing an installation's files did.
public struct InstallReport: Sendable {
  /// Files that were created or changed.
  public var written: [String] = []
  /// Files that already had this content.
  public var unchanged: [String] = []
  /// Files of an earlier install of this container that this one no longer has (the proxy of
  /// a port that is gone). They are left in place: stop their units, then `removeFiles`.
  public var stale: [String] = []

  /// Names of the units among the written files.
  public var changedUnits: [String] { unitNames(written) }
  /// Names of the stale units.
  public var staleUnits: [String] { unitNames(stale) }
}

/// The unit names among paths (`.service` and `.socket` files).
func unitNames(_ paths: [String]) -> [String] {
  paths.compactMap { path in
    let name = String(path.split(separator: "/").last ?? "")
    return name.hasSuffix(".service") || name.hasSuffix(".socket") ? name : nil
  }
}

/// One symbolic link that enabling or disabling created or removed.
public struct UnitLinkChange: Sendable, Equatable {
  public enum Kind: String, Sendable { case created, removed }
  public var kind: Kind
  public var link: String
  public var target: String
}

extension Driver {
  /// The installation of a compiled recipe; nil when it has errors or nothing to run.
  public static func installPlan(_ compilation: Compilation) -> InstallPlan? {
    guard !compilation.hasErrors, let ir = compilation.ir, ir.runtime != nil else { return nil }
    let settings = compilation.outputs.first { $0.name.hasSuffix(".nspawn") }
    let units = compilation.outputs.filter { $0.name.hasSuffix(".service") || $0.name.hasSuffix(".socket") }
    let sockets = units.map(\.name).filter { $0.hasSuffix(".socket") }
    let services = units.map(\.name).filter { $0.hasSuffix(".service") }
    return InstallPlan(
      name: ir.name, settings: settings, units: units, entryUnits: sockets.isEmpty ? [ir.name + ".service"] : sockets,
      services: services, imagePath: ir.paths.imageLink(ir.name))
  }

  /// Writes an installation's files under `root`, each atomically and only when its content
  /// changed, and reports the files an earlier install of the same container made that this
  /// one does not (only files spawnc generated). Nothing is enabled or started here.
  public static func installFiles(_ plan: InstallPlan, root: InstallRoot) throws(FileSystemError) -> InstallReport {
    var report = InstallReport()
    var destinations: [(directory: String, files: [GeneratedFile])] = [(root.unitDirectory, plan.units)]
    if let settings = plan.settings { destinations.append((root.nspawnDirectory, [settings])) }
    for (directory, files) in destinations {
      var changed: [(name: String, contents: [UInt8], mode: UInt32)] = []
      for file in files {
        let path = directory + "/" + file.name
        let contents = file.bytes
        if (try? FileSystem.read(path)) == contents {
          report.unchanged.append(path)
        } else {
          changed.append((file.name, contents, 0o644))
          report.written.append(path)
        }
      }
      if !changed.isEmpty { try FileSystem.writeAtomically(changed, into: directory) }
    }
    let current = Set(plan.units.map(\.name))
    for path in installedFiles(of: plan.name, root: root) {
      let file = String(path.split(separator: "/").last ?? "")
      if path.hasPrefix(root.unitDirectory + "/") && !current.contains(file) { report.stale.append(path) }
    }
    return report
  }

  /// The files spawnc installed for container `name` under `root`: its `.nspawn` file and its
  /// units, recognised by name and by the "Generated by spawnc" header.
  public static func installedFiles(of name: String, root: InstallRoot) -> [String] {
    var paths: [String] = []
    for file in FileSystem.list(root.unitDirectory) where file == name + ".service" || isOurs(file, name: name) {
      paths.append(root.unitDirectory + "/" + file)
    }
    paths.append(root.nspawnDirectory + "/" + name + ".nspawn")
    return paths.filter { path in
      guard !FileSystem.isSymbolicLink(path), let bytes = try? FileSystem.read(path) else { return false }
      return String(decoding: bytes.prefix(400), as: UTF8.self).contains("Generated by spawnc")
    }
  }

  /// The names of the installed units of container `name`, sockets first (stop those before
  /// the services, so that nothing starts a service again while it is being stopped).
  public static func installedUnits(of name: String, root: InstallRoot) -> [String] {
    let names = installedFiles(of: name, root: root).compactMap { path -> String? in
      let file = String(path.split(separator: "/").last ?? "")
      return file.hasSuffix(".nspawn") ? nil : file
    }
    return names.filter { $0.hasSuffix(".socket") } + names.filter { $0.hasSuffix(".service") }
  }

  /// Removes installed files (after their units were stopped) and the links that enabled
  /// them. Returns what was removed: the links, then the files.
  public static func removeFiles(_ paths: [String], root: InstallRoot) -> (links: [UnitLinkChange], files: [String]) {
    let links = disableOffline(unitNames(paths), root: root)
    for path in paths { FileSystem.remove(path) }
    return (links, paths)
  }

  /// Enables units in an offline tree as `systemctl --root=DIR enable` does: a link in
  /// `TARGET.wants/` (`WantedBy=`) or `TARGET.requires/` (`RequiredBy=`) for each unit, following
  /// `Also=`. Only units among `files` are read; existing correct links are left alone.
  public static func enableOffline(_ units: [String], files: [GeneratedFile], root: InstallRoot)
    throws(FileSystemError) -> [UnitLinkChange]
  {
    var changes: [UnitLinkChange] = []
    var queue = units
    var seen: Set<String> = []
    while !queue.isEmpty {
      let unit = queue.removeFirst()
      guard seen.insert(unit).inserted, let file = files.first(where: { $0.name == unit }) else { continue }
      let install = installSection(file.contents)
      queue += install["Also"] ?? []
      let target = "/etc/systemd/system/" + unit
      for (key, suffix) in [("WantedBy", ".wants"), ("RequiredBy", ".requires")] {
        for dependent in install[key] ?? [] {
          let directory = root.unitDirectory + "/" + dependent + suffix
          let link = directory + "/" + unit
          if FileSystem.readLink(link) == target { continue }
          try FileSystem.makeDirectories(directory)
          try FileSystem.symbolicLink(link, pointingTo: target)
          changes.append(UnitLinkChange(kind: .created, link: link, target: target))
        }
      }
    }
    return changes
  }

  /// Removes the links that enable `units` (`systemctl disable`, which works offline too).
  public static func disableOffline(_ units: [String], root: InstallRoot) -> [UnitLinkChange] {
    var changes: [UnitLinkChange] = []
    let names = Set(units)
    for directory in FileSystem.list(root.unitDirectory)
    where directory.hasSuffix(".wants") || directory.hasSuffix(".requires") {
      for entry in FileSystem.list(root.unitDirectory + "/" + directory) where names.contains(entry) {
        let link = root.unitDirectory + "/" + directory + "/" + entry
        guard let target = FileSystem.readLink(link) else { continue }
        FileSystem.remove(link)
        changes.append(UnitLinkChange(kind: .removed, link: link, target: target))
      }
    }
    return changes
  }

  /// The `[Install]` settings of a unit spawnc generated: key → space-separated values.
  static func installSection(_ text: String) -> [String: [String]] {
    var values: [String: [String]] = [:]
    var inInstall = false
    for line in text.split(separator: "\n") {
      if line.hasPrefix("[") {
        inInstall = line == "[Install]"
        continue
      }
      guard inInstall, !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { continue }
      let key = String(line[..<equals])
      values[key, default: []] += line[line.index(after: equals)...].split(separator: " ").map(String.init)
    }
    return values
  }
}
