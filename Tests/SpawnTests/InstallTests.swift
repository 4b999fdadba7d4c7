import Foundation
import SpawnDriver
import Testing

/// `spawnc install` and `uninstall` into directory trees (`--root`), checked against what
/// systemctl itself does there, and the helper that talks to systemd. The online path runs on
/// a booted systemd in scripts/e2e.sh.
@Suite struct Installing {
  static func spawnc(_ arguments: [String]) throws -> Harness.Result {
    try Harness.run([Harness.spawncBinary] + arguments)
  }

  /// Every file and link under a directory: relative path → link target, or the contents.
  static func tree(_ root: String) -> [String: String] {
    var entries: [String: String] = [:]
    let enumerator = FileManager.default.enumerator(atPath: root)
    while let relative = enumerator?.nextObject() as? String {
      let path = root + "/" + relative
      if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
        entries[relative] = "-> " + target
      } else if let data = FileManager.default.contents(atPath: path) {
        entries[relative] = String(decoding: data, as: UTF8.self)
      }
    }
    return entries
  }

  static func links(_ root: String) -> [String: String] { tree(root).filter { $0.value.hasPrefix("-> ") } }

  /// For every example: the links `spawnc install --root` makes are exactly the ones
  /// `systemctl --root enable` makes for the same unit files.
  @Test(arguments: ["web-socket", "web-proxy", "notes", "hello", "udp-echo"])
  func offlineInstallEnablesLikeSystemctl(example: String) throws {
    let ours = try Harness.temporaryDirectory("install-ours")
    let result = try Self.spawnc(["install", "--root", ours, TestPaths.examples + "/" + example + "/Spawnfile"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("warning: the image of \(example) is not built yet"))
    let files = Self.tree(ours).filter { !$0.value.hasPrefix("-> ") }
    #expect(files.keys.contains("etc/systemd/nspawn/\(example).nspawn"))
    #expect(files.keys.contains("etc/systemd/system/\(example).service"))

    // The same unit files, enabled by systemctl.
    let theirs = try Harness.temporaryDirectory("install-systemctl")
    for (path, contents) in files { try Harness.write(contents, to: theirs + "/" + path) }
    let entry = files.keys.filter { $0.hasSuffix(".socket") }.map { String($0.split(separator: "/").last!) }
    let units = entry.isEmpty ? [example + ".service"] : entry.sorted()
    let systemctl = try Harness.run(["systemctl", "--root=" + theirs, "enable"] + units)
    #expect(systemctl.status == 0, "\(systemctl.stderr)")
    #expect(!Self.links(ours).isEmpty)
    #expect(Self.links(ours) == Self.links(theirs))
  }

  @Test func installingTwiceChangesNothing() throws {
    let root = try Harness.temporaryDirectory("install-twice")
    let recipe = TestPaths.examples + "/web-socket/Spawnfile"
    let first = try Self.spawnc(["install", "--root", root, recipe])
    #expect(first.stdout.contains("installed \(root)/etc/systemd/system/web-socket.socket"))
    let before = Self.tree(root)
    let service = root + "/etc/systemd/system/web-socket.service"
    let inode = try FileManager.default.attributesOfItem(atPath: service)[.systemFileNumber] as? Int
    let second = try Self.spawnc(["install", "--root", root, recipe])
    #expect(second.status == 0)
    #expect(second.stdout == "web-socket is already installed\n")
    #expect(Self.tree(root) == before)
    let inodeAfter = try FileManager.default.attributesOfItem(atPath: service)[.systemFileNumber] as? Int
    #expect(inode == inodeAfter, "an unchanged file is not rewritten")
    #expect(!Self.tree(root).keys.contains { $0.contains(".spawnc-") }, "no temporary files are left")
  }

  /// A port that goes away takes its proxy units and their enable links with it; files that
  /// are not spawnc's, and other containers' files, stay.
  @Test func reinstallRemovesWhatTheRecipeNoLongerHas() throws {
    let root = try Harness.temporaryDirectory("install-change")
    let id = "sha256:" + String(repeating: "e", count: 64)
    let directory = try Harness.temporaryDirectory("install-change-recipe") + "/shop"
    let two = "FROM \(id)\nEXPOSE --activation=proxy 8081 8082\nCMD [\"/app\"]\n"
    try Harness.write(two, to: directory + "/Spawnfile")
    try Harness.write("[Service]\nExecStart=/bin/true\n", to: root + "/etc/systemd/system/shop-proxy-9.service")
    try Harness.write("# mine\n", to: root + "/etc/systemd/system/shop-extra.socket")
    let other = try Self.spawnc(["install", "--root", root, TestPaths.examples + "/web-proxy/Spawnfile"])
    #expect(other.status == 0)
    _ = try Self.spawnc(["install", "--root", root, directory + "/Spawnfile"])
    #expect(Self.links(root)["etc/systemd/system/sockets.target.wants/shop-proxy-8082.socket"] != nil)

    try Harness.write("FROM \(id)\nEXPOSE --activation=proxy 8081\nCMD [\"/app\"]\n", to: directory + "/Spawnfile")
    let result = try Self.spawnc(["install", "--root", root, directory + "/Spawnfile"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("removed \(root)/etc/systemd/system/shop-proxy-8082.socket"))
    #expect(result.stdout.contains("Removed \(root)/etc/systemd/system/sockets.target.wants/shop-proxy-8082.socket."))
    let names = Set(Self.tree(root).keys)
    #expect(!names.contains("etc/systemd/system/shop-proxy-8082.service"))
    #expect(!names.contains("etc/systemd/system/sockets.target.wants/shop-proxy-8082.socket"))
    #expect(names.contains("etc/systemd/system/shop-proxy-8081.socket"))
    #expect(names.contains("etc/systemd/system/shop-proxy-9.service"), "not generated by spawnc: kept")
    #expect(names.contains("etc/systemd/system/shop-extra.socket"), "not a spawnc name: kept")
    #expect(names.contains("etc/systemd/system/web-proxy-proxy-8081.socket"), "another container: kept")
  }

  @Test func uninstallRemovesOnlyThatContainer() throws {
    let root = try Harness.temporaryDirectory("uninstall")
    for example in ["web-socket", "notes"] {
      let result = try Self.spawnc(["install", "--root", root, TestPaths.examples + "/" + example + "/Spawnfile"])
      #expect(result.status == 0)
    }
    let notes = Self.tree(root).filter { $0.key.contains("notes") }
    let result = try Self.spawnc(["uninstall", "--root", root, "web-socket"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stdout == """
        Removed \(root)/etc/systemd/system/sockets.target.wants/web-socket.socket.
        removed \(root)/etc/systemd/system/web-socket.service
        removed \(root)/etc/systemd/system/web-socket.socket
        removed \(root)/etc/systemd/nspawn/web-socket.nspawn

        """)
    #expect(Self.tree(root).filter { $0.value != "" } == notes)
    let again = try Self.spawnc(["uninstall", "--root", root, "web-socket"])
    #expect(again.status == 1)
    #expect(again.stderr.contains("no container web-socket is installed in \(root)/etc/systemd/system"))
  }

  @Test func refusesWhatItCannotDo() throws {
    let root = try Harness.temporaryDirectory("install-refusals")
    let recipe = TestPaths.examples + "/hello/Spawnfile"
    let both = try Self.spawnc(["install", "--now", "--root", root, recipe])
    #expect(both.status == 2)
    #expect(both.stderr.contains("--now starts units on the running system; it cannot go with --root"))

    // A recipe with errors: diagnostics, exit 1, nothing written.
    let broken = try Harness.temporaryDirectory("install-broken") + "/app"
    try Harness.write("FROM busybox\nCMD [\"/app\"]\n", to: broken + "/Spawnfile")
    let errors = try Self.spawnc(["install", "--root", root, broken + "/Spawnfile"])
    #expect(errors.status == 1)
    #expect(errors.stderr.contains("error[SP2001]"))

    // Nothing to run: a base image.
    let base = try Harness.temporaryDirectory("install-base") + "/base"
    try Harness.write("FROM scratch\nCOPY . /\n", to: base + "/Spawnfile")
    let nothing = try Self.spawnc(["install", "--root", root, base + "/Spawnfile"])
    #expect(nothing.status == 1)
    #expect(nothing.stderr.contains("the recipe has no command to run"))
    #expect(Self.tree(root).isEmpty)

    // The running system, on a machine without systemd as PID 1 (this one): refused before
    // anything is written.
    if !FileManager.default.fileExists(atPath: "/run/systemd/system") {
      let offline = try Self.spawnc(["install", "--state-dir", root + "/state", recipe])
      #expect(offline.status == 1)
      #expect(offline.stderr.contains("systemd is not running here; to install into a directory tree instead, use --root DIR"))
      #expect(!FileManager.default.fileExists(atPath: "/etc/systemd/nspawn/hello.nspawn"))
    }
  }

  /// The helper's command line and its answer when systemd cannot be reached.
  @Test func helperInterface() throws {
    let helper = (Harness.spawncBinary as NSString).deletingLastPathComponent + "/spawnc-systemd"
    for bad in [[], ["web.socket"], ["bogus"], ["enable"], ["--timeout", "x", "reload"], ["reload", "web.socket"]] {
      let result = try Harness.run([helper] + bad)
      #expect(result.status == 2, "\(bad): \(result.stderr)")
      #expect(result.stderr.contains("usage: spawnc-systemd"))
    }
    if !FileManager.default.fileExists(atPath: "/run/systemd/private") {
      let result = try Harness.run([helper, "reload", "state", "x.service"])
      #expect(result.status == 1)
      let report = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
      let error = try #require(report["error"] as? [String: Any])
      #expect(error["verb"] as? String == "connect")
      #expect((report["steps"] as? [Any])?.isEmpty == true)
    }
  }
}
