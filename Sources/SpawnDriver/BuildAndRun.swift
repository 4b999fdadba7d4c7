import SpawnBasics
import SpawnHost
import SpawnIR
import SpawnStore

/// What `spawnc build` did.
public struct BuildOutcome: Sendable {
  public var compilation: Compilation
  /// `sha256:<64 hex>` when the build succeeded.
  public var id: String?
  /// The build script's exit status (0 on success; not run when the recipe has errors).
  public var status: Int32
  /// The build's progress and step output, when it was captured rather than shown.
  public var log: String
  /// Nothing was built: the current image was already built from this recipe (`ifChanged`).
  public var upToDate = false
}

extension Driver {
  /// Compiles a recipe and runs its build script with `/bin/sh`. The script's progress and the
  /// output of RUN steps go to this process's standard error; its last line of standard output
  /// is the image's content ID.
  /// With `ifChanged`, nothing is built when `upToDateImage` finds the current image.
  public static func build(
    _ file: SourceFile, recipePath: String?, options: CompileOptions, progress: Command.Stream = .inherit,
    ifChanged: Bool = false
  ) throws(StoreError) -> BuildOutcome {
    let compilation = compile(file, recipePath: recipePath, options: options)
    guard !compilation.hasErrors, let ir = compilation.ir,
      let script = compilation.outputs.first(where: { $0.name.hasPrefix("build-") })
    else { return BuildOutcome(compilation: compilation, id: nil, status: 0, log: "") }
    if ifChanged, let id = upToDateImage(ir) {
      return BuildOutcome(compilation: compilation, id: id, status: 0, log: "", upToDate: true)
    }
    let store = Store(stateDirectory: ir.paths.stateDirectory)
    let directory = try store.makeScratchDirectory("script-" + ir.name)
    defer { _ = try? Command.run(["rm", "-rf", directory]) }
    do {
      try FileSystem.writeAtomically([(name: script.name, contents: script.bytes, mode: 0o755)], into: directory)
    } catch {
      throw StoreError(error.description)
    }
    let result: CommandResult
    do {
      result = try Command.run(["/bin/sh", directory + "/" + script.name], output: .capture, error: progress)
    } catch {
      throw StoreError(error.description)
    }
    let lastLine = result.outputText.split(separator: "\n").last.map(String.init)
    let id = result.succeeded && lastLine?.hasPrefix("sha256:") == true ? lastLine : nil
    return BuildOutcome(compilation: compilation, id: id, status: result.status, log: result.errorText)
  }

  /// The content ID of the image `STATE/images/NAME` points at, when that image was built from
  /// this recipe: the same recipe text (`spawnc.recipe-sha256` in its metadata) and the same
  /// runtime configuration (`spawnc.config`, which also catches build arguments that reach
  /// it). Files of the build context are not compared. nil when it must be built.
  public static func upToDateImage(_ ir: RecipeIR) -> String? {
    let link = ir.paths.imageLink(ir.name)
    guard let target = FileSystem.readLink(link), FileSystem.isDirectory(link) else { return nil }
    let hex = String(target.split(separator: "/").last ?? "")
    guard hex.utf8.count == 64 else { return nil }
    let store = Store(stateDirectory: ir.paths.stateDirectory)
    guard store.metadata(hex, key: "spawnc.recipe-sha256") == ir.paths.recipeDigest,
      store.metadata(hex, key: "spawnc.config") == (ir.runtime?.imageConfig.rendered(pretty: false) ?? "null")
    else { return nil }
    return "sha256:" + hex
  }

  /// The command line that runs an image in the foreground (`spawnc run`): systemd-nspawn on
  /// the image's checkout with the runtime configuration the build recorded in it, or with
  /// `command` instead of the image's own. The root is a volatile overlay (writes, volumes
  /// included, vanish at exit; the checkout is never written); socket-activated ports are
  /// handed over by systemd-socket-activate, as the .socket unit would.
  /// Without `interactive`, the payload writes straight to spawnc's standard output and error
  /// (`--console=pipe`) instead of through a pseudo-terminal.
  public static func runCommand(image: String, command: [String], stateDirectory: String, interactive: Bool)
    throws(StoreError) -> [String]
  {
    let store = Store(stateDirectory: stateDirectory)
    let hex = try store.resolve(image)
    let root = try store.checkout(hex)
    let config = store.metadata(hex, key: "spawnc.config").flatMap(JSONValue.parse)
    let argv = command.isEmpty ? (config?["argv"]?.arrayValue ?? []).compactMap(\.stringValue) : command
    guard !argv.isEmpty else {
      throw StoreError("image \(image) has no command; give one: spawnc run \(image) -- /bin/sh")
    }
    guard FileSystem.isDirectory(root + "/usr") else {
      throw StoreError("image \(image) has no /usr, which systemd-nspawn requires; build an image FROM it instead")
    }
    var nspawn = [
      "systemd-nspawn", "--quiet", "--register=no", "--keep-unit", "--settings=no", "--volatile=overlay",
      "--timezone=off", "--link-journal=no", "--machine=spawnc-run-" + String(hex.prefix(12)), "--directory=" + root,
    ]
    if !interactive { nspawn.append("--console=pipe") }
    for variable in config?["environment"]?.arrayValue ?? [] {
      if let name = variable["name"]?.stringValue, let value = variable["value"]?.stringValue {
        nspawn.append("--setenv=" + name + "=" + value)
      }
    }
    if let user = config?["user"]?.stringValue { nspawn.append("--user=" + user) }
    if let directory = config?["workingDirectory"]?.stringValue { nspawn.append("--chdir=" + directory) }
    if let signal = config?["stopSignal"]?.stringValue { nspawn.append("--kill-signal=" + signal) }

    let ports = (config?["ports"]?.arrayValue ?? []).compactMap { port -> (Int, String, String)? in
      guard let number = port["number"]?.intValue, let proto = port["protocol"]?.stringValue,
        let activation = port["activation"]?.stringValue
      else { return nil }
      return (number, proto, activation)
    }
    let sockets = ports.filter { $0.2 == "socket" }
    guard !sockets.isEmpty else { return nspawn + ["--"] + argv }
    if Set(sockets.map(\.1)).count > 1 {
      throw StoreError("image \(image) takes TCP and UDP sockets; systemd-socket-activate passes one kind at a time")
    }
    if ports.allSatisfy({ $0.2 == "socket" }) { nspawn.append("--private-network") }
    var activate = ["systemd-socket-activate"]
    if sockets[0].1 == "udp" { activate.append("--datagram") }
    for socket in sockets { activate += ["--listen=" + String(socket.0)] }
    return activate + nspawn + ["--"] + argv
  }
}
