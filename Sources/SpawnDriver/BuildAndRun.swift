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
}

extension Driver {
  /// Compiles a recipe and runs its build script with `/bin/sh`. The script's progress and the
  /// output of RUN steps go to this process's standard error; its last line of standard output
  /// is the image's content ID.
  public static func build(
    _ file: SourceFile, recipePath: String?, options: CompileOptions, progress: Command.Stream = .inherit
  ) throws(StoreError) -> BuildOutcome {
    let compilation = compile(file, recipePath: recipePath, options: options)
    guard !compilation.hasErrors, let ir = compilation.ir,
      let script = compilation.outputs.first(where: { $0.name.hasPrefix("build-") })
    else { return BuildOutcome(compilation: compilation, id: nil, status: 0, log: "") }
    let store = Store(stateDirectory: ir.paths.stateDirectory)
    let directory = try store.makeScratchDirectory("script-" + ir.name)
    defer { _ = try? Command.run(["rm", "-rf", directory]) }
    do {
      try FileSystem.writeAtomically([(name: script.name, contents: Array(script.contents.utf8), mode: 0o755)], into: directory)
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
