import Foundation
import SpawnBasics
import SpawnDriver
import SpawnHost
import SpawnStore
import Testing

/// A store with the busybox base imported, and helpers to build recipes into it.
struct BuildFixture {
  let state: String
  let baseID: String

  var store: Store { Store(stateDirectory: state) }

  /// The deterministic busybox root file system (scripts/busybox-rootfs.sh), made once.
  static let busyboxTar: String = {
    let directory = (try? Harness.temporaryDirectory("busybox")) ?? NSTemporaryDirectory()
    let path = directory + "/busybox.tar"
    _ = try? Harness.run([TestPaths.root + "/scripts/busybox-rootfs.sh", path])
    return path
  }()

  /// A new, empty store with the busybox base imported as `busybox`.
  static func make(_ label: String = "store") throws -> BuildFixture {
    let state = try Harness.temporaryDirectory("spawnc-" + label)
    let result = try Store(stateDirectory: state).importRootFileSystem(busyboxTar, name: "busybox")
    return BuildFixture(state: state, baseID: result.id)
  }

  /// A copy of an example's directory, with its C payloads compiled (as a user would).
  static func exampleContext(_ name: String) throws -> String {
    let directory = try Harness.temporaryDirectory("example-" + name)
    try FileManager.default.removeItem(atPath: directory)
    try FileManager.default.copyItem(atPath: TestPaths.examples + "/" + name, toPath: directory)
    for source in TestPaths.list(directory) where source.hasSuffix(".c") {
      let binary = directory + "/" + String(source.dropLast(2)) + (source == "server.c" ? "" : "")
      let result = try Harness.run(["cc", "-static", "-O2", "-o", binary, directory + "/" + source])
      if result.status != 0 { Issue.record("cc \(source): \(result.stderr)") }
    }
    return directory
  }

  /// Builds a recipe file; the build's log is captured in the outcome.
  func build(_ recipePath: String, name: String? = nil, context: String? = nil) throws -> BuildOutcome {
    let file = try Driver.load(recipePath)
    let options = CompileOptions(
      name: name, contextDirectory: context, stateDirectory: state, buildArguments: ["BUSYBOX": baseID])
    return try Driver.build(file, recipePath: recipePath, options: options, progress: .capture)
  }

  /// Writes a recipe (and context files) into a fresh directory named `name` and builds it.
  func build(recipe: String, name: String, files: [String: String] = [:], in directory: String? = nil) throws -> BuildOutcome {
    let directory = try directory ?? (Harness.temporaryDirectory("recipe") + "/" + name)
    try Harness.write(recipe, to: directory + "/Spawnfile")
    for (path, contents) in files { try Harness.write(contents, to: directory + "/" + path) }
    return try build(directory + "/Spawnfile")
  }

  /// The checkout a container's image link points at.
  func checkout(of name: String) -> String {
    state + "/images/" + name + "/"
  }

  /// Runs a program in an image's checkout with plain systemd-nspawn.
  func runInImage(_ name: String, _ argv: [String]) throws -> Harness.Result {
    try Harness.run(
      ["/usr/bin/systemd-nspawn", "--quiet", "--register=no", "--keep-unit", "--settings=no", "--read-only",
        "--timezone=off", "--console=pipe", "--directory=" + state + "/images/" + name] + argv)
  }

  /// `ostree fsck` finds the store intact: nothing wrote through a hardlink into its objects.
  func expectIntactStore(sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    do {
      let fsck = try Harness.run(["ostree", "--repo=" + state + "/repo", "fsck"])
      #expect(fsck.status == 0 && fsck.stdout.contains("no errors found"), "\(fsck.output)", sourceLocation: sourceLocation)
    } catch {
      Issue.record(error, sourceLocation: sourceLocation)
    }
  }

  /// Progress lines of steps that ran (not the FROM lines, not the cached ones).
  static func stepsRun(_ log: String) -> [String] {
    log.split(separator: "\n").map(String.init).filter {
      $0.hasPrefix("[") && !$0.contains("] CACHED ") && !$0.contains("] FROM ")
    }
  }
}

/// Building images for real: import, build, cache, reproducibility, sharing and safety. These
/// run systemd-nspawn, rofiles-fuse and ostree, so they need root.
@Suite(.serialized, .enabled(if: getuid() == 0, "builds need root"))
struct Builds {
  @Test func buildsEveryExampleThatRunsOnBusybox() throws {
    let fixture = try BuildFixture.make("examples")
    defer { fixture.expectIntactStore() }
    var ids: [String: String] = [:]
    for name in Harness.exampleNames {
      let context = try BuildFixture.exampleContext(name)
      let outcome = try fixture.build(context + "/Spawnfile", name: name)
      #expect(outcome.id != nil, "\(name): \(outcome.log)")
      ids[name] = outcome.id
      #expect(FileManager.default.fileExists(atPath: fixture.checkout(of: name) + "usr"))
    }
    print("built examples: " + ids.keys.sorted().map { "\($0)=\(ids[$0]!.prefix(19))" }.joined(separator: " "))
    let images = try fixture.store.images()
    #expect(Set(images.flatMap(\.names)) == Set(Harness.exampleNames + ["busybox"]))
    #expect(images.first { $0.names.contains("notes") }?.createdFrom.hasPrefix("build of ") == true)
    #expect(images.first { $0.names.contains("busybox") }?.createdFrom == "import of " + BuildFixture.busyboxTar)

    // What the recipe's steps put there is in the image, and runs.
    let page = try fixture.runInImage("multistage", ["/bin/busybox", "cat", "/www/index.html"])
    #expect(page.stdout == "built in stage 'build'\n", "\(page.stderr)")
    let passwd = try fixture.runInImage("notes", ["/bin/cat", "/etc/passwd"])
    #expect(passwd.stdout.contains("notes:x:1000:1000:notes:/srv/notes:/bin/sh"))
    let owner = try fixture.runInImage("notes", ["/bin/stat", "-c", "%u %a", "/srv/notes/data", "/usr/bin/getent"])
    #expect(owner.stdout == "1000 755\n0 755\n", "\(owner.output)")

    // Provenance and runtime configuration are recorded in the image.
    let notes = try fixture.store.resolve("notes")
    let digest = SHA256.hex(TestPaths.read(TestPaths.examples + "/notes/Spawnfile"))
    #expect(fixture.store.metadata(notes, key: "spawnc.recipe-sha256") == digest)
    #expect(fixture.store.metadata(notes, key: "spawnc.bases") == fixture.baseID)
    #expect(fixture.store.metadata(notes, key: "spawnc.steps")?.split(separator: ",").count == 5)
    let config = fixture.store.metadata(notes, key: "spawnc.config").flatMap(JSONValue.parse)
    #expect(config?["user"]?.stringValue == "notes")
    #expect(config?["stopSignal"]?.stringValue == "SIGINT")
  }

  /// COPY as Docker does it: a directory's contents, files into a directory, wildcards,
  /// here-documents, owners and modes, and files from an earlier stage.
  @Test func copySemantics() throws {
    let fixture = try BuildFixture.make("copy")
    defer { fixture.expectIntactStore() }
    let recipe = """
      ARG BUSYBOX
      FROM busybox@${BUSYBOX} AS assets
      RUN mkdir -p /out/sub && echo from-stage > /out/sub/file && echo top > /out/top
      FROM busybox@${BUSYBOX}
      WORKDIR /app
      COPY tree/ ./tree/
      COPY a.txt b.txt conf/
      COPY *.md docs/
      COPY --chown=nobody:nogroup --chmod=600 a.txt /secret.txt
      COPY --chown=65534 b.txt /owned-by-id.txt
      COPY --from=assets /out/ /from-stage/
      COPY <<EOF /etc/motd
      hello from a here-document
      EOF
      CMD ["/bin/true"]
      """
    let outcome = try fixture.build(
      recipe: recipe, name: "copies",
      files: ["tree/x.txt": "x\n", "tree/deep/y.txt": "y\n", "a.txt": "a\n", "b.txt": "b\n", "one.md": "1\n", "two.md": "2\n"])
    #expect(outcome.id != nil, "\(outcome.log)")
    let listing = try fixture.runInImage(
      "copies",
      [
        "/bin/sh", "-c",
        "cd /app && find tree conf docs | sort && stat -c '%n %u:%g %a' /secret.txt /owned-by-id.txt && "
          + "cat /from-stage/sub/file /from-stage/top /etc/motd",
      ])
    #expect(
      listing.stdout == """
        conf
        conf/a.txt
        conf/b.txt
        docs
        docs/one.md
        docs/two.md
        tree
        tree/deep
        tree/deep/y.txt
        tree/x.txt
        /secret.txt 65534:65534 600
        /owned-by-id.txt 65534:65534 644
        from-stage
        top
        hello from a here-document

        """, "\(listing.output)")
  }

  @Test func cacheRerunsOnlyChangedSteps() throws {
    let fixture = try BuildFixture.make("cache")
    defer { fixture.expectIntactStore() }
    let directory = try Harness.temporaryDirectory("cache") + "/cached"
    func recipe(_ last: String) -> String {
      """
      ARG BUSYBOX
      FROM busybox@${BUSYBOX}
      RUN echo one > /one
      COPY data.txt /data.txt
      RUN \(last)
      CMD ["/bin/cat", "/one"]
      """
    }
    let first = try fixture.build(recipe: recipe("echo three > /three"), name: "cached", files: ["data.txt": "v1"], in: directory)
    #expect(BuildFixture.stepsRun(first.log).count == 3, "\(first.log)")
    let again = try fixture.build(recipe: recipe("echo three > /three"), name: "cached", files: ["data.txt": "v1"], in: directory)
    #expect(BuildFixture.stepsRun(again.log).isEmpty, "\(again.log)")
    #expect(again.log.components(separatedBy: "CACHED").count - 1 == 3)
    #expect(again.id == first.id)
    let edited = try fixture.build(recipe: recipe("echo 3 > /three"), name: "cached", files: ["data.txt": "v1"], in: directory)
    #expect(BuildFixture.stepsRun(edited.log) == ["[4/4] RUN echo 3 > /three"], "\(edited.log)")
    let changedInput = try fixture.build(recipe: recipe("echo 3 > /three"), name: "cached", files: ["data.txt": "v2"], in: directory)
    #expect(BuildFixture.stepsRun(changedInput.log).count == 2, "a changed COPY input re-runs COPY and what follows")
    print("cache: first build ran 3 steps, unchanged rebuild 0, edited last step 1, changed COPY input 2")
  }

  @Test func sameRecipeGivesTheSameIDInAnyStore() throws {
    let first = try BuildFixture.make("repro-a")
    let second = try BuildFixture.make("repro-b")
    defer {
      first.expectIntactStore()
      second.expectIntactStore()
    }
    #expect(first.baseID == second.baseID)
    for name in ["multistage", "notes"] {
      let context = try BuildFixture.exampleContext(name)
      let a = try first.build(context + "/Spawnfile", name: name).id
      let b = try second.build(context + "/Spawnfile", name: name).id
      #expect(a != nil && a == b, "\(name): \(a ?? "-") vs \(b ?? "-")")
      print("reproducible: \(name) built in two stores as \(a ?? "-")")
    }
  }

  /// Five images from one base share its files by hardlink, and the store and checkouts cost
  /// about one base plus what the images add. Measured twice: on the 2 MiB busybox base, where
  /// each image's own directories and commit metadata (about 70 KiB) are a visible share, and on
  /// a base of realistic size (busybox plus 24 MiB of files), where the 10% bound holds.
  @Test func imagesShareTheBaseByHardlink() throws {
    let fixture = try BuildFixture.make("sharing")
    defer { fixture.expectIntactStore() }
    let small = try Self.measureSharing(fixture, baseID: fixture.baseID, label: "busybox base")
    #expect(small.inodes == 1, "busybox has one inode in all five checkouts")

    let payload = (0..<24).map { index in String(repeating: "\(index) base content line\n", count: 1 << 16 / 24 * 24) }
    var files: [String: String] = [:]
    var copies = ""
    for (index, text) in payload.enumerated() {
      files["base/file\(index).txt"] = String(text.prefix(1 << 20))
      copies += "COPY base/file\(index).txt /usr/share/base/\n"
    }
    let base = try fixture.build(
      recipe: "ARG BUSYBOX\nFROM busybox@${BUSYBOX}\n" + copies, name: "bigbase", files: files)
    let bigID = try #require(base.id, "\(base.log)")
    let large = try Self.measureSharing(fixture, baseID: bigID, label: "24 MiB base")
    #expect(large.inodes == 1)
    #expect(large.ratio < 1.10, "store and checkouts should stay within 10% of one base plus the deltas")
  }

  static func measureSharing(_ fixture: BuildFixture, baseID: String, label: String) throws -> (inodes: Int, ratio: Double) {
    let state = try Harness.temporaryDirectory("sharing-store")
    // A store of its own with only this base, so the figures hold nothing else.
    let store = Store(stateDirectory: state)
    try store.ensure()
    _ = try Harness.run(["ostree", "--repo=" + state + "/repo", "pull-local", fixture.state + "/repo", String(baseID.dropFirst(7))])
    let own = BuildFixture(state: state, baseID: baseID)
    func diskUsage(_ paths: [String]) throws -> Int {
      let result = try Harness.run(["du", "-s", "-B1", "-c"] + paths)
      return Int(result.stdout.split(separator: "\n").last?.split(separator: "\t").first ?? "0") ?? 0
    }
    _ = try store.checkout(String(baseID.dropFirst(7)))
    let base = try diskUsage([state + "/repo", state + "/checkouts"])
    var inodes: Set<UInt64> = []
    var deltas = 0
    for index in 1...5 {
      let name = "share\(index)"
      let text = String(repeating: "payload \(index) ", count: 4096)
      let outcome = try own.build(
        recipe: "ARG BASE\nFROM base@${BASE}\nCOPY delta.txt /delta.txt\nCMD [\"/bin/cat\", \"/delta.txt\"]\n"
          .replacingOccurrences(of: "${BASE}", with: baseID),
        name: name, files: ["delta.txt": text])
      #expect(outcome.id != nil, "\(outcome.log)")
      let attributes = try FileManager.default.attributesOfItem(atPath: own.checkout(of: name) + "bin/busybox")
      inodes.insert((attributes[.systemFileNumber] as? UInt64) ?? 0)
      deltas += try diskUsage([own.checkout(of: name) + "delta.txt"])
    }
    let total = try diskUsage([state + "/repo", state + "/checkouts"])
    let ratio = Double(total) / Double(base + deltas)
    print(
      "sharing (\(label)): store + checkouts \(total / 1024) KiB for one base (store and checkout, \(base / 1024) KiB) "
        + "+ five deltas (\(deltas / 1024) KiB) = \(Int((ratio * 100).rounded()))% of base + deltas; "
        + "busybox has \(inodes.count) inode across the five checkouts")
    return (inodes.count, ratio)
  }

  @Test func runStepsNeverWriteThroughHardlinks() throws {
    let fixture = try BuildFixture.make("hardlinks")
    defer { fixture.expectIntactStore() }
    let baseHex = String(fixture.baseID.dropFirst(7))
    let baseCheckout = try fixture.store.checkout(baseHex)
    let before = TestPaths.readText(baseCheckout + "/etc/passwd")
    let outcome = try fixture.build(
      recipe: "ARG BUSYBOX\nFROM busybox@${BUSYBOX}\nRUN echo x >> /etc/passwd && echo y >> /etc/os-release\nCMD [\"/bin/cat\", \"/etc/passwd\"]\n",
      name: "appender")
    #expect(outcome.id != nil, "\(outcome.log)")
    #expect(TestPaths.readText(baseCheckout + "/etc/passwd") == before, "the base checkout is untouched")
    #expect(!TestPaths.readText(baseCheckout + "/etc/os-release").contains("y\n"))
    #expect(TestPaths.readText(fixture.checkout(of: "appender") + "etc/passwd") == before + "x\n")
  }

  @Test func aTamperedBaseStopsTheBuildBeforeItsFirstStep() throws {
    let fixture = try BuildFixture.make("tamper")
    let baseHex = String(fixture.baseID.dropFirst(7))
    // A first build verifies the base and remembers it; the tampering below must still be seen.
    let first = try fixture.build(recipe: "ARG BUSYBOX\nFROM busybox@${BUSYBOX}\nRUN true\nCMD [\"/bin/true\"]\n", name: "before")
    #expect(first.id != nil, "\(first.log)")
    let listing = try Harness.run(["ostree", "--repo=" + fixture.state + "/repo", "ls", "-C", baseHex, "/etc/passwd"])
    let object = try #require(listing.stdout.split(separator: " ", omittingEmptySubsequences: true).dropLast().last.map(String.init))
    let path = fixture.state + "/repo/objects/" + object.prefix(2) + "/" + object.dropFirst(2) + ".file"
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
    let handle = try #require(FileHandle(forWritingAtPath: path))
    handle.seekToEndOfFile()
    handle.write(Data("tampered\n".utf8))
    handle.closeFile()
    let outcome = try fixture.build(
      recipe: "ARG BUSYBOX\nFROM busybox@${BUSYBOX}\nRUN echo must not run\nCMD [\"/bin/true\"]\n", name: "tampered")
    #expect(outcome.id == nil)
    #expect(outcome.log.contains("damaged") && outcome.log.contains(object), "\(outcome.log)")
    #expect(BuildFixture.stepsRun(outcome.log).isEmpty, "no step ran: \(outcome.log)")
  }

  @Test func aKilledBuildLeavesThePreviousImage() throws {
    let fixture = try BuildFixture.make("killed")
    defer { fixture.expectIntactStore() }
    let directory = try Harness.temporaryDirectory("killed") + "/victim"
    func recipe(_ marker: String, _ step: String) -> String {
      "ARG BUSYBOX\nFROM busybox@${BUSYBOX}\nRUN echo \(marker) > /marker\nRUN \(step)\nCMD [\"/bin/cat\", \"/marker\"]\n"
    }
    let first = try fixture.build(recipe: recipe("v1", "true"), name: "victim", in: directory)
    let firstID = try #require(first.id)

    // Start the next build and kill it with SIGKILL in the middle of a RUN step.
    try Harness.write(recipe("v2", "sleep 60"), to: directory + "/Spawnfile")
    let compilation = Driver.compile(
      try Driver.load(directory + "/Spawnfile"), recipePath: directory + "/Spawnfile",
      options: CompileOptions(stateDirectory: fixture.state, buildArguments: ["BUSYBOX": fixture.baseID]))
    let script = try #require(compilation.outputs.first { $0.name == "build-victim.sh" })
    try Harness.write(script.contents, to: directory + "/build-victim.sh", executable: true)
    let log = directory + "/build.log"
    let pid = try Command.spawn(["/bin/sh", directory + "/build-victim.sh"], outputFile: "/dev/null", errorFile: log)
    let deadline = Date().addingTimeInterval(30)
    while !TestPaths.readText(log).contains("RUN sleep 60") && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
    Thread.sleep(forTimeInterval: 1)
    kill(pid, SIGKILL)
    #expect(Command.wait(pid) == 128 + SIGKILL)
    #expect(TestPaths.readText(log).contains("RUN sleep 60"), "the build reached the RUN step")

    // The previous image is still the container's, complete and runnable.
    let link = try FileManager.default.destinationOfSymbolicLink(atPath: fixture.state + "/images/victim")
    #expect(link.hasSuffix(String(firstID.dropFirst(7))))
    let marker = try fixture.runInImage("victim", ["/bin/cat", "/marker"])
    #expect(marker.stdout == "v1\n", "\(marker.output)")
    #expect(!TestPaths.list(fixture.state + "/checkouts").contains { $0.hasSuffix(".tmp") }, "no half-written checkout")

    // The next build succeeds, and cleans up after the killed one.
    let next = try fixture.build(recipe: recipe("v2", "true"), name: "victim", in: directory)
    #expect(next.id != nil, "\(next.log)")
    let after = try fixture.runInImage("victim", ["/bin/cat", "/marker"])
    #expect(after.stdout == "v2\n")
    // The orphaned `sleep 60` container of the killed build.
    _ = try? Harness.run(["pkill", "-KILL", "-f", "machine=build-victim"])
  }

  @Test func importEmptiesDevAndRefusesFIFOs() throws {
    let state = try Harness.temporaryDirectory("import")
    let store = Store(stateDirectory: state)
    let rootfs = try Harness.temporaryDirectory("rootfs")
    try Harness.write("hello\n", to: rootfs + "/etc/motd")
    try FileManager.default.createDirectory(atPath: rootfs + "/dev", withIntermediateDirectories: true)
    _ = try Harness.run(["mknod", rootfs + "/dev/null", "c", "1", "3"])
    try Harness.write("not a device\n", to: rootfs + "/dev/leftover")
    let imported = try store.importRootFileSystem(rootfs, name: "withdev")
    #expect(imported.skippedDeviceEntries == 2)
    let listing = try Harness.run(["ostree", "--repo=" + state + "/repo", "ls", imported.hex, "/dev"])
    #expect(listing.stdout.split(separator: "\n").count == 1, "only /dev itself: \(listing.stdout)")
    // The same tree from a tar archive gets the same ID.
    _ = try Harness.run(["tar", "-C", rootfs, "-cf", rootfs + ".tar", "."])
    #expect(try store.importRootFileSystem(rootfs + ".tar", name: nil).hex == imported.hex)

    _ = try Harness.run(["mkfifo", rootfs + "/etc/initctl"])
    #expect {
      _ = try store.importRootFileSystem(rootfs, name: "withfifo")
    } throws: { error in
      "\(error)".contains("/etc/initctl is a FIFO")
    }
  }

  @Test func removeAndCollectGarbage() throws {
    let fixture = try BuildFixture.make("gc")
    defer { fixture.expectIntactStore() }
    let outcome = try fixture.build(
      recipe: "ARG BUSYBOX\nFROM busybox@${BUSYBOX}\nRUN echo temporary > /t\nCMD [\"/bin/cat\", \"/t\"]\n", name: "temporary")
    let hex = String(try #require(outcome.id).dropFirst(7))
    #expect(throws: StoreError.self) { try fixture.store.remove("temporary", force: false) }
    let removed = try fixture.store.remove("temporary", force: true)
    #expect(removed == ["spawnc/images/temporary"])
    let report = try fixture.store.collectGarbage(dropCache: true)
    #expect(report.removedCheckouts.contains(hex))
    #expect(report.droppedCacheEntries == 1)
    #expect(!fixture.store.hasCommit(hex))
    #expect(try fixture.store.images().map(\.names) == [["busybox"]])
  }

  @Test func spawncRunUsesTheImagesSettings() throws {
    let fixture = try BuildFixture.make("run")
    defer { fixture.expectIntactStore() }
    let context = try BuildFixture.exampleContext("notes")
    _ = try fixture.build(context + "/Spawnfile", name: "notes")
    let run = try Harness.run(
      [Harness.spawncBinary, "run", "notes", "--state-dir", fixture.state, "--", "/bin/sh", "-c", "id -u; pwd; echo $GREETING"])
    #expect(run.stdout == "1000\n/srv/notes\nstarted again\n", "\(run.output)")
    let unknown = try Harness.run([Harness.spawncBinary, "run", "nope", "--state-dir", fixture.state])
    #expect(unknown.status == 1 && unknown.stderr.contains("no image named nope"))
  }
}
