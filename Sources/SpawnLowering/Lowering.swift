import SpawnBasics
import SpawnIR
import SpawnSema

/// Settings that are not in the recipe but end up in the outputs.
public struct LoweringOptions: Sendable {
  /// The container name (`[a-z0-9][a-z0-9-]{0,62}`).
  public var name: String
  /// Absolute path of the recipe.
  public var recipePath: String
  /// SHA-256 of the recipe's bytes.
  public var recipeDigest: String
  /// Absolute path of the build context.
  public var contextPath: String
  /// Absolute path of spawnc's state directory.
  public var stateDirectory: String

  public init(name: String, recipePath: String, recipeDigest: String = "", contextPath: String, stateDirectory: String) {
    self.name = name
    self.recipePath = recipePath
    self.recipeDigest = recipeDigest
    self.contextPath = contextPath
    self.stateDirectory = stateDirectory
  }
}

/// Turns a checked recipe into the IR: picks the stages the image needs, computes the runtime
/// spec (argv, network mode, volume directories), and refuses values that no output format can
/// carry. The only module that sees both the checked recipe and the IR.
public enum Lowering {
  /// Lines of generated files must stay well below systemd's 1 MiB line limit.
  public static let maximumValueLength = 256 << 10
  /// Every step carries its whole environment into the build script (and its cache key): the
  /// total of the steps' `NAME=value` bytes, counted once per step, may be at most this (SP6003).
  public static let maximumStepEnvironmentBytes = 64 << 20

  /// The IR, or nil with the diagnostics that prevent it. Recipes with errors are not lowered.
  public static func lower(_ recipe: CheckedRecipe, options: LoweringOptions) -> (RecipeIR?, [Diagnostic]) {
    guard !recipe.hasErrors, let final = recipe.stages.last else { return (nil, []) }
    var lowering = LoweringState(recipe: recipe, options: options)
    lowering.checkName(final)
    guard lowering.checkEnvironmentSize(final) else { return (nil, lowering.diagnostics.diagnostics) }
    let image = lowering.imagePlan(final)
    let runtime = lowering.runtimeSpec(final)
    let diagnostics = lowering.diagnostics.diagnostics
    guard !diagnostics.hasErrors else { return (nil, diagnostics) }
    let paths = Paths(
      recipe: options.recipePath, recipeDigest: options.recipeDigest, context: options.contextPath,
      stateDirectory: options.stateDirectory)
    return (RecipeIR(name: options.name, paths: paths, image: image, runtime: runtime), diagnostics)
  }

  /// Whether a container name is usable as machine name and unit prefix.
  public static func isValidName(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard let first = bytes.first, bytes.count <= 63 else { return false }
    func isLowerAlphanumeric(_ byte: UInt8) -> Bool { (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) }
    return isLowerAlphanumeric(first) && bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }
  }

  /// A name derived from a directory name: lower-cased, other characters turned into `-`.
  public static func suggestedName(from text: String) -> String {
    var result = ""
    for scalar in text.lowercased().unicodeScalars {
      let byte = scalar.isASCII ? UInt8(scalar.value) : 0
      let keep = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
      if keep {
        result.unicodeScalars.append(scalar)
      } else if !result.isEmpty && !result.hasSuffix("-") {
        result += "-"
      }
    }
    while result.hasSuffix("-") { result.removeLast() }
    return String(result.prefix(63)).isEmpty ? "app" : String(result.prefix(63))
  }

  /// `systemd-escape --path`: `/var/lib/my-app` → `var-lib-my\x2dapp`.
  public static func escapePath(_ path: String) -> String {
    // The components without empty ones (no leading, trailing or doubled `/`).
    let bytes = Array(path.utf8)
    var start = 0
    var end = bytes.count
    while start < end && bytes[start] == UInt8(ascii: "/") { start += 1 }
    while end > start && bytes[end - 1] == UInt8(ascii: "/") { end -= 1 }
    guard start < end else { return "-" }
    let hexDigits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(end - start + 8)
    var previous: UInt8 = 0
    for offset in start..<end {
      let byte = bytes[offset]
      if byte == UInt8(ascii: "/") {
        if previous != UInt8(ascii: "/") { out.append(UInt8(ascii: "-")) }
      } else if (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
        || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "_") || (byte == UInt8(ascii: ".") && !out.isEmpty)
      {
        out.append(byte)
      } else {
        out += [UInt8(ascii: "\\"), UInt8(ascii: "x"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
      }
      previous = byte
    }
    return String(decoding: out, as: UTF8.self)
  }
}

private struct LoweringState {
  let recipe: CheckedRecipe
  let options: LoweringOptions
  var diagnostics = DiagnosticBag()
  /// Lowered step environments by version (replayed from each stage's history), so steps that
  /// share one share its storage.
  var environments: [Int: StepEnvironment] = [:]

  /// One step environment. (A struct around the array: a dictionary of arrays needs the array
  /// type's information built at run time, a dictionary of this struct does not.)
  struct StepEnvironment {
    var entries: [KeyValue]
  }

  mutating func checkName(_ final: CheckedStage) {
    guard !Lowering.isValidName(options.name) else { return }
    diagnostics.report(
      .invalidName, "`\(options.name)` cannot be a container name", at: Span.at(0),
      help: "Names are 1 to 63 characters of `a-z`, `0-9` and `-`, starting with a letter or digit. "
        + "Pass `--name \(Lowering.suggestedName(from: options.name))`.")
  }

  /// Refuses a recipe whose steps would carry more environment than the build script may hold
  /// (SP6003), before any of it is built: the size is the sum of sizes the checker recorded.
  mutating func checkEnvironmentSize(_ final: CheckedStage) -> Bool {
    var total = 0
    for stage in neededStages(final) {
      for step in stage.steps {
        total += step.environmentSize
        guard total > Lowering.maximumStepEnvironmentBytes else { continue }
        diagnostics.report(
          .outputTooLarge,
          "the build steps up to this one carry more than \(Lowering.maximumStepEnvironmentBytes >> 20) MiB of environment variables "
            + "(each step repeats its whole environment in the build script)",
          at: step.span,
          help: "Define fewer variables before the steps (pass what one command needs in its own line, "
            + "`RUN A=1 B=2 ./build`), or put data in a file and COPY it.")
        return false
      }
    }
    return true
  }

  // MARK: Image plan

  /// The final stage and every stage it depends on, in recipe order.
  func neededStages(_ final: CheckedStage) -> [CheckedStage] {
    // The usual recipe has one stage, which is the final one.
    if recipe.stages.count == 1 && final.index == recipe.stages[0].index { return recipe.stages }
    var needed: Set<Int> = []
    var pending = [final.index]
    while let index = pending.popLast() {
      guard needed.insert(index).inserted else { continue }
      let stage = recipe.stages[index]
      if case .stage(let base) = stage.base { pending.append(base) }
      for step in stage.steps {
        if case .copy(let copy) = step.action, case .stage(let source) = copy.origin { pending.append(source) }
      }
    }
    return recipe.stages.filter { needed.contains($0.index) }
  }

  mutating func imagePlan(_ final: CheckedStage) -> ImagePlan {
    let stages = neededStages(final).map { stage in
      stage.environmentHistory.replay { version, entries in
        environments[version] = StepEnvironment(entries: entries.map { KeyValue($0.name, $0.value) })
      }
      return ImagePlan.Stage(
        index: stage.index, name: stage.name, base: base(stage.base), description: fromDescription(stage),
        steps: stage.steps.map { lowerStep($0) })
    }
    let labels = final.config.labels.map { KeyValue($0.value.key, $0.value.value) }
    return ImagePlan(stages: stages, labels: labels)
  }

  func base(_ base: StageBase) -> ImagePlan.Base {
    switch base {
    case .scratch, .unresolved: .scratch
    case .image(let id, let name): .image(id: id.description, name: name)
    case .stage(let index): .stage(index)
    }
  }

  func fromDescription(_ stage: CheckedStage) -> String {
    var text: String
    switch stage.base {
    case .scratch, .unresolved: text = "FROM scratch"
    case .image(let id, let name): text = "FROM " + (name.map { $0 + "@" } ?? "") + id.description
    case .stage(let index): text = "FROM " + (recipe.stages[index].name ?? "stage \(index)")
    }
    if let name = stage.name { text += " AS " + name }
    return text
  }

  mutating func lowerStep(_ step: CheckedStep) -> Step {
    let action: Step.Action
    switch step.action {
    case .run(let form):
      let argv = form.argv
      if argv.contains(where: { $0.utf8.contains(0) }) {
        diagnostics.report(
          .unrepresentableValue, "this command contains a NUL character, which no program argument can hold",
          at: step.span, help: "Remove the `\\u0000` from the command.")
      }
      action = .run(argv: argv)
    case .runScript(let name, let content): action = .runScript(name: name, content: content)
    case .makeDirectory(let path): action = .makeDirectory(path: path)
    case .copy(let copy):
      let origin: Copy.Origin
      switch copy.origin {
      case .context: origin = .context
      case .stage(let index): origin = .stage(index)
      case .image(let id): origin = .image(id.description)
      }
      let sources: [Copy.Source] = copy.sources.map { source in
        switch source {
        case .path(let path, let isPattern, _): .path(path, isPattern: isPattern)
        case .inline(let name, let content, _): .inline(name: name, content: content)
        }
      }
      action = .copy(
        Copy(
          origin: origin, sources: sources, destination: copy.destination,
          destinationIsDirectory: copy.destinationIsDirectory,
          owner: copy.owner.map { Copy.Owner(user: $0.user, group: $0.group) }, mode: copy.mode))
    }
    let environment = environments[step.environmentVersion]?.entries ?? []
    return Step(
      description: oneLine(step.summary), action: action, environment: environment, user: step.user,
      workdir: step.workdir)
  }

  /// Progress lines are one line: newlines of here-documents and JSON strings become spaces.
  func oneLine(_ text: String) -> String {
    guard text.utf8.contains(where: { $0 < 0x20 }) else { return text }
    return String(decoding: text.utf8.map { $0 < 0x20 ? 0x20 : $0 }, as: UTF8.self)
  }

  // MARK: Runtime

  /// nil when the final stage has nothing to run (the checker warned about it).
  mutating func runtimeSpec(_ final: CheckedStage) -> RuntimeSpec? {
    let config = final.config
    let argv = (config.entrypoint?.value.argv ?? []) + (config.cmd?.value.argv ?? [])
    guard !argv.isEmpty else { return nil }
    let commandSpan = config.cmd?.span ?? config.entrypoint?.span ?? final.span
    checkCommandLine(argv, at: commandSpan)

    var environment: [KeyValue] = []
    for entry in config.env.entries {
      let span = config.envSpans[entry.name] ?? final.span
      if let bad = entry.value.unicodeScalars.first(where: { $0 == "\n" || $0 == "\r" || $0 == "\0" }) {
        diagnostics.report(
          .unrepresentableValue,
          "the value of `\(entry.name)` contains \(describe(bad)), which a .nspawn `Environment=` line cannot hold",
          at: span, help: "Remove the character from the value.")
      } else if entry.value.utf8.count > Lowering.maximumValueLength {
        diagnostics.report(
          .unrepresentableValue, "the value of `\(entry.name)` is longer than \(Lowering.maximumValueLength >> 10) KiB",
          at: span, help: "Put large data in a file and COPY it into the image.")
      }
      environment.append(KeyValue(entry.name, entry.value))
    }

    var workingDirectory: String?
    if let workdir = config.workdir {
      let path = workdir.value
      if path.last == "\\" || path.last == " " || path.first == " " {
        diagnostics.report(
          .unrepresentableValue, "the working directory `\(path)` starts or ends with a character a settings file cannot keep",
          at: workdir.span, help: "systemd drops spaces around values and reads a final `\\` as a line continuation; rename the directory.")
      }
      workingDirectory = path
    }

    let signal = config.stopSignal?.value ?? .term
    let volumeRoot = Paths(recipe: "", context: "", stateDirectory: options.stateDirectory).volumes(options.name)
    let volumes = config.volumes.map { Volume(path: $0.value, hostDirectory: volumeRoot + "/" + Lowering.escapePath($0.value)) }

    var ports: [Port] = []
    for exposed in config.ports {
      for number in exposed.first...exposed.last {
        let port = Port(
          number: number, proto: exposed.proto == .udp ? .udp : .tcp,
          activation: Self.activation(exposed.activation))
        if !ports.contains(port) { ports.append(port) }
      }
    }
    let network: Network
    if ports.contains(where: { $0.activation == .proxy }) {
      network = .sharedWithProxies
    } else if !ports.isEmpty && ports.allSatisfy({ $0.activation == .socket }) {
      network = .loopbackOnly
    } else {
      network = .host
    }

    let labels = Dictionary(config.labels.map { ($0.value.key, $0.value.value) }, uniquingKeysWith: { _, last in last })
    return RuntimeSpec(
      argv: argv, environment: environment, user: config.user?.value, workingDirectory: workingDirectory,
      stopSignal: Signal(name: signal.name, number: signal.number), volumes: volumes, ports: ports, network: network,
      description: description(labels), documentation: documentation(labels))
  }

  /// The checker's activation as the IR's (a switch: `init(rawValue:)` builds an array of names).
  static func activation(_ activation: ExposedPort.Activation) -> Port.Activation {
    switch activation {
    case .none: .none
    case .socket: .socket
    case .proxy: .proxy
    }
  }

  mutating func checkCommandLine(_ argv: [String], at span: Span) {
    if argv.contains(where: { $0.unicodeScalars.contains("\0") }) {
      diagnostics.report(
        .unrepresentableValue, "the command contains a NUL character, which no program argument can hold", at: span,
        help: "Remove the `\\u0000` from the command.")
    }
    if argv.reduce(0, { $0 + $1.utf8.count }) > Lowering.maximumValueLength {
      diagnostics.report(
        .unrepresentableValue, "the command is longer than \(Lowering.maximumValueLength >> 10) KiB", at: span,
        help: "Put a long script in a file, COPY it into the image and run that file.")
    }
  }

  func describe(_ scalar: Unicode.Scalar) -> String {
    switch scalar {
    case "\n": "a newline"
    case "\r": "a carriage return"
    default: "a NUL character"
    }
  }

  /// `Description=` from the OCI title and description labels, made safe for one line.
  func description(_ labels: [String: String]) -> String {
    let title = labels["org.opencontainers.image.title"]
    let summary = labels["org.opencontainers.image.description"]
    var text: String
    switch (title, summary) {
    case (let title?, let summary?) where !title.isEmpty && !summary.isEmpty: text = title + " - " + summary
    case (let title?, _) where !title.isEmpty: text = title
    case (_, let summary?) where !summary.isEmpty: text = summary
    default: text = "spawnc container " + options.name
    }
    // (Both steps are skipped for the usual short, single-line text: they go character by character.)
    if text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
      text = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
    }
    if text.utf8.count > 400 { text = String(text.prefix(400)) }
    while text.hasSuffix("\\") || text.hasSuffix(" ") { text.removeLast() }
    return text.isEmpty ? "spawnc container " + options.name : text
  }

  /// `Documentation=` URIs from the OCI documentation, url and source labels (URIs systemd accepts only).
  func documentation(_ labels: [String: String]) -> [String] {
    var uris: [String] = []
    for key in ["org.opencontainers.image.documentation", "org.opencontainers.image.url", "org.opencontainers.image.source"] {
      guard let value = labels[key], !uris.contains(value) else { continue }
      let schemes = ["http://", "https://", "file:", "info:", "man:"]
      guard schemes.contains(where: { value.hasPrefix($0) }), value.utf8.count < 2048,
        value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "\\" })
      else { continue }
      uris.append(value)
    }
    return uris
  }
}
