import SpawnBasics
import SpawnSyntax

/// Answers questions about the build context (the directory COPY reads from). The driver
/// implements it on the file system; without one, only lexical checks are made.
public protocol BuildContextInspector: Sendable {
  /// For a cleaned path relative to the context: the first symbolic link on the way to it (or
  /// the path itself) that resolves outside the context, as a context-relative path; nil when
  /// the path stays inside or does not exist.
  func escapingSymlink(for relativePath: String) -> String?
  /// For a cleaned wildcard pattern relative to the context: the first symbolic link, on the
  /// way to any path the pattern matches, that resolves outside the context.
  func escapingSymlink(forPattern pattern: String) -> String?
}

extension BuildContextInspector {
  /// Without a way to list the context: the pattern's literal directory part only.
  public func escapingSymlink(forPattern pattern: String) -> String? {
    escapingSymlink(for: CheckerState.literalPrefixDirectory(pattern))
  }
}

/// Checks a syntax tree: resolves stages, expands variables with Dockerfile scoping, checks
/// typed values, and records what each stage does. Reports problems as diagnostics; never fails.
public enum Checker {
  /// `buildArguments` are `--build-arg NAME=VALUE` values: they replace the default of the ARG
  /// of that name wherever it is declared, as in `docker build`.
  public static func check(
    _ tree: SyntaxTree, context: BuildContextInspector? = nil, buildArguments: [String: String] = [:]
  ) -> CheckedRecipe {
    var state = CheckerState(tree: tree, context: context, buildArguments: buildArguments)
    state.run()
    var diagnostics = tree.diagnostics
    diagnostics.append(contentsOf: state.diagnostics.diagnostics)
    return CheckedRecipe(stages: state.stages, diagnostics: diagnostics)
  }
}

/// The stage being checked.
private struct StageState {
  var stage: CheckedStage
  /// ARG values in scope (declared with a value, or importing a global/platform value).
  var args = OrderedEnvironment()
  /// ARG names declared in this stage, valued or not.
  var declaredArgs: Set<String> = []
  /// First span of CMD, ENTRYPOINT and STOPSIGNAL, for duplicate warnings, by keyword (a
  /// dictionary type the checker has anyway: one generic type less to build at start-up).
  var seen: [String: Span] = [:]
  /// A CMD or ENTRYPOINT of this stage was already reported as malformed.
  var hasMalformedCommand = false
  /// The version of the environment steps see (ENV plus ARGs), nil after a change until the
  /// next step numbers it. The environment itself goes into the stage's history as changes.
  var stepEnvironment: Int?
  /// The size of that environment: the bytes of its `NAME=value` entries, kept up to date
  /// change by change (ENV wins over an ARG of the same name).
  var environmentSize = 0

  init(stage: CheckedStage, args: OrderedEnvironment) {
    self.stage = stage
    self.args = args
    self.stage.environmentHistory.initialEnv = stage.config.env
    self.stage.environmentHistory.initialArgs = args
    for entry in stage.config.env.entries { environmentSize += entry.name.utf8.count + entry.value.utf8.count }
    for entry in args.entries where stage.config.env[entry.name] == nil {
      environmentSize += entry.name.utf8.count + entry.value.utf8.count
    }
  }

  /// `ENV name=value`.
  mutating func setEnv(_ name: String, _ value: String) {
    if let old = stage.config.env[name] ?? args[name] {
      environmentSize += value.utf8.count - old.utf8.count
    } else {
      environmentSize += name.utf8.count + value.utf8.count
    }
    stage.config.env[name] = value
    stage.environmentHistory.events.append(.env(name: name, value: value))
  }

  /// An ARG value in scope.
  mutating func setArg(_ name: String, _ value: String) {
    if stage.config.env[name] == nil {
      if let old = args[name] {
        environmentSize += value.utf8.count - old.utf8.count
      } else {
        environmentSize += name.utf8.count + value.utf8.count
      }
    }
    args[name] = value
    stage.environmentHistory.events.append(.arg(name: name, value: value))
  }
}

private struct CheckerState {
  let tree: SyntaxTree
  let context: BuildContextInspector?
  let buildArguments: [String: String]
  let lexer: ShellLexer
  var diagnostics = DiagnosticBag()
  var globalArgs = OrderedEnvironment()
  var globalDeclared: Set<String> = []
  var stages: [CheckedStage] = []
  /// Stage names (lower-cased) of every stage, defined or not yet, to tell forward references.
  var allStageNames: [String: Int] = [:]
  /// How many FROM lines (so stages) the recipe has; set with `allStageNames`.
  var fromCount = 0
  /// The index of each finished stage by name (looked up at every FROM and COPY --from).
  var finishedStageNames: [String: Int] = [:]
  var current: StageState?
  /// Set while expanding the image of a FROM line.
  var reportsFrom = false
  /// Numbers the distinct step environments of the whole recipe.
  var environmentVersion = 0
  /// How many more undefined variables get a "did you mean" (see `reportUndefined`).
  var suggestionsLeft = 100

  init(tree: SyntaxTree, context: BuildContextInspector?, buildArguments: [String: String]) {
    self.tree = tree
    self.context = context
    self.buildArguments = buildArguments
    self.lexer = ShellLexer(escapeToken: tree.escapeToken)
    globalArgs = Self.platformEnvironment
  }

  /// The platform ARGs every recipe starts with, hashed once per process.
  static let platformEnvironment = OrderedEnvironment(Values.platformArguments)

  mutating func run() {
    for directive in tree.directives where directive.name != "escape" {
      report(
        .unsupportedDirective, "the `\(directive.name)` directive has no effect in spawnc and is ignored",
        at: directive.span,
        help: directive.name == "syntax"
          ? "spawnc has one built-in syntax; remove the line." : "spawnc's checks are configured on its command line; remove the line.",
        fixIts: [.replace(directive.span, with: "", "remove the directive")])
    }
    collectStageNames()
    for instruction in tree.instructions {
      checkInstruction(instruction)
    }
    finishStage()
    finalChecks()
  }

  /// Records every `FROM ... AS name` first, so a reference to a later stage can be told apart
  /// from a typo.
  mutating func collectStageNames() {
    var index = 0
    for instruction in tree.instructions where instruction.kind == .from {
      if case .words(let words) = instruction.arguments, words.count == 3, words[1].text.lowercased() == "as" {
        let name = words[2].text.lowercased()
        if allStageNames[name] == nil { allStageNames[name] = index }
      }
      index += 1
    }
    fromCount = index
  }

  // MARK: Reporting

  mutating func report(
    _ kind: DiagnosticKind, _ message: String, at span: Span, help: String? = nil,
    notes: [DiagnosticNote] = [], fixIts: [FixIt] = [], severity: Severity? = nil
  ) {
    diagnostics.append(
      Diagnostic(kind, message, at: span, help: help, notes: notes, fixIts: fixIts, severity: severity))
  }

  var baseIsKnown: Bool { current?.stage.baseIsKnown ?? true }

  // MARK: Variables

  /// Looks a variable up as a step in the current stage sees it: ENV first, then ARG.
  func lookup(_ name: String) -> String? {
    guard let current else { return globalArgs[name] }
    return current.stage.config.env[name] ?? current.args[name]
  }

  /// Expands a word (quotes removed, variables substituted). Reports problems and returns nil
  /// on error. `globalsOnly` is for FROM, which sees only the ARGs before the first FROM.
  mutating func expand(_ word: Word, globalsOnly: Bool = false, skipQuotes: Bool = false) -> String? {
    var lexer = self.lexer
    lexer.skipProcessQuotes = skipQuotes
    // Text without variables needs no lookup (and no closure over the environments).
    if let plain = lexer.plainResult(word.text) { return plain.value }
    // Only the variables are captured: a copy of the whole state would make every report
    // below copy the diagnostics (and a long recipe quadratic).
    let globals = globalArgs
    let env = current?.stage.config.env
    let args = current?.args
    let lookup: (String) -> String? =
      globalsOnly || env == nil ? { globals[$0] } : { env![$0] ?? args![$0] }
    do {
      let result = try lexer.process(word.text, lookup: lookup)
      let unset = result.references.filter { !$0.isSet && !$0.handlesUnset }
      if !unset.isEmpty {
        // A value built from unknown variables is not checked any further: either the
        // variable is reported here, or it may come from a base image spawnc cannot see.
        reportUndefined(unset, in: word, globalsOnly: globalsOnly)
        return nil
      }
      return result.value
    } catch {
      reportExpansionFailure(error, in: word)
      return nil
    }
  }

  mutating func reportExpansionFailure(_ failure: ShellLexer.Failure, in word: Word) {
    let span = word.span(of: failure.range)
    switch failure.kind {
    case .badSubstitution:
      report(
        .badSubstitution, "bad variable substitution: \(failure.message)", at: span,
        help: "Write `${NAME}`, `${NAME:-default}` or `${NAME:+alternative}`; write `\\$` for a literal dollar sign.")
    case .unterminatedQuote:
      report(
        .unterminatedQuote, failure.message, at: span,
        help: "Close the quote before the end of the instruction; inside double quotes write `\\\"` for a quote.")
    case .tooDeep:
      report(
        .substitutionTooDeep, failure.message,
        at: span,
        help: "Compute the value in steps with intermediate variables, e.g. `ARG INNER=${B:-default}` and then `${A:-$INNER}`.")
    case .required(let name):
      guard baseIsKnown else { return }
      let detail = failure.message.hasPrefix(name + ": ") ? String(failure.message.dropFirst(name.count + 2)) : failure.message
      report(
        .requiredVariable, "`\(name)` is required: \(detail)", at: span,
        help: "Define `\(name)` with `ARG \(name)=value` or `ENV \(name)=value` before this line.")
    }
  }

  mutating func reportUndefined(_ references: [ShellLexer.Reference], in word: Word, globalsOnly: Bool) {
    guard globalsOnly || baseIsKnown else { return }
    for reference in references where !reference.isSet && !reference.handlesUnset {
      let name = reference.name
      let span = word.span(of: reference.range)
      var help: String
      var message = "`\(name)` is not defined"
      if globalsOnly && globalDeclared.contains(name) && reportsFrom {
        report(
          .unpinnedFrom, "the base image is not pinned: `\(name)` is declared without a value", at: span,
          help: "Give the ARG a pinned default, e.g. `ARG \(name)=sha256:<64 hex digits>`, or pass `--build-arg \(name)=sha256:<id>`.")
        continue
      } else if globalsOnly {
        help = "Declare it before the first FROM: `ARG \(name)=value`."
      } else if current?.declaredArgs.contains(name) == true {
        message = "`\(name)` is declared by ARG but has no value"
        help = "Give it a default: `ARG \(name)=value`."
      } else if globalDeclared.contains(name) {
        help = "`\(name)` is a global ARG, visible only in FROM lines. Declare it in this stage with `ARG \(name)` to use its value."
      } else if name.first.map({ $0.isNumber || "@*#?-$!".contains($0) }) ?? false {
        message = "`$\(name)` is a shell parameter, which is never set in a Spawnfile"
        help = "Write `\\$\(name)` if the text should keep the dollar sign."
      } else {
        help = "Define it with `ENV \(name)=value` or `ARG \(name)=value` before this line, or give a default: `${\(name):-}`."
        // Each suggestion looks at every variable in scope, so only the first few get one
        // (a recipe with thousands of typos and thousands of variables stays linear).
        if suggestionsLeft > 0 {
          suggestionsLeft -= 1
          var known = Set(current?.stage.config.env.names ?? [])
          known.formUnion(current?.args.names ?? [])
          if let suggestion = Suggest.closest(to: name, among: known.sorted()) {
            help = "Did you mean `\(suggestion)`? " + help
          }
        }
      }
      report(.undefinedVariable, message, at: span, help: help)
    }
  }

  // MARK: Flags

  /// Validates flags against the grammar's tables; returns the accepted ones by name.
  mutating func checkFlags(_ instruction: Instruction) -> [String: Flag] {
    var accepted: [String: Flag] = [:]
    // Most instructions have no flags: no tables to build.
    if instruction.flags.isEmpty { return accepted }
    let specs = Grammar.flags(for: instruction.kind)
    let unsupported = Grammar.unsupportedFlags(for: instruction.kind)
    let keyword = instruction.kind.rawValue.uppercased()
    for flag in instruction.flags {
      let name = flag.name
      guard let spec = specs.first(where: { $0.name == name }) else {
        if unsupported.contains(name) {
          report(
            .unsupportedFlag, "`\(keyword) --\(name)` is not supported by spawnc", at: flag.word.span,
            help: unsupportedFlagHelp(instruction.kind, name),
            fixIts: [.replace(flag.word.span, with: "", "remove the flag")])
        } else {
          var help = specs.isEmpty
            ? "`\(keyword)` takes no flags."
            : "`\(keyword)` takes " + specs.map { "`--\($0.name)`" }.joined(separator: ", ") + "."
          var fixIts: [FixIt] = []
          if let suggestion = Suggest.closest(to: name, among: specs.map(\.name)) {
            help = "Did you mean `--\(suggestion)`? " + help
            let replacement = "--" + suggestion + (flag.value.map { "=" + $0 } ?? "")
            fixIts.append(.replace(flag.word.span, with: replacement, "replace with `--\(suggestion)`"))
          }
          report(.unknownFlag, "unknown flag `--\(name)` for `\(keyword)`", at: flag.word.span, help: help, fixIts: fixIts)
        }
        continue
      }
      if let previous = accepted[name] {
        report(
          .duplicateFlag, "`--\(name)` is given twice", at: flag.word.span, help: "Keep one `--\(name)`.",
          notes: [DiagnosticNote("first given here", at: previous.word.span)])
        continue
      }
      switch spec.kind {
      case .value:
        guard let value = flag.value, !value.isEmpty else {
          report(
            .invalidFlagValue, "`--\(name)` needs a value", at: flag.word.span,
            help: "Write `--\(name)=VALUE`.")
          continue
        }
      case .boolean:
        if let value = flag.value, !["true", "false"].contains(value.lowercased()) {
          report(
            .invalidFlagValue, "`--\(name)` takes `true` or `false`, not `\(value)`", at: flag.valueSpan,
            help: "Write `--\(name)` or `--\(name)=false`.")
          continue
        }
      }
      accepted[name] = flag
    }
    return accepted
  }

  func unsupportedFlagHelp(_ kind: InstructionKind, _ name: String) -> String {
    switch (kind, name) {
    case (.run, "mount"):
      return "Remove the flag. `spawnc build` caches every step, which replaces most cache mounts; "
        + "copy secrets in a separate stage instead of mounting them."
    case (.run, "network"): return "Remove the flag; build steps run with the host's network."
    case (.from, "platform"): return "Remove the flag; spawnc builds for the machine it runs on."
    default: return "Remove the flag."
    }
  }

  // MARK: Instructions

  mutating func checkInstruction(_ instruction: Instruction) {
    switch instruction.kind {
    case .from:
      finishStage()
      checkFrom(instruction)
      return
    case .arg where current == nil:
      checkArg(instruction, global: true)
      return
    case .unknown:
      reportUnknown(instruction)
      return
    case .add, .onbuild, .healthcheck, .shell, .maintainer:
      reportUnsupported(instruction)
      return
    default:
      break
    }
    guard current != nil else {
      if !instruction.isMalformed {
        report(
          .instructionBeforeFrom, "`\(instruction.keyword.text)` before the first FROM", at: instruction.keyword.span,
          help: "Only ARG may come before the first FROM. Move this instruction into a stage.")
      }
      return
    }
    if instruction.isMalformed {
      _ = checkFlags(instruction)
      if instruction.kind == .cmd || instruction.kind == .entrypoint { current?.hasMalformedCommand = true }
      return
    }
    switch instruction.kind {
    case .run: checkRun(instruction)
    case .cmd, .entrypoint: checkCommand(instruction)
    case .copy: checkCopy(instruction)
    case .env: checkEnv(instruction)
    case .arg: checkArg(instruction, global: false)
    case .workdir: checkWorkdir(instruction)
    case .user: checkUser(instruction)
    case .expose: checkExpose(instruction)
    case .volume: checkVolume(instruction)
    case .label: checkLabel(instruction)
    case .stopsignal: checkStopSignal(instruction)
    case .from, .add, .onbuild, .healthcheck, .shell, .maintainer, .unknown: break
    }
  }

  mutating func reportUnknown(_ instruction: Instruction) {
    let word = instruction.keyword.text
    var help = "Instructions are " + Grammar.keywords.joined(separator: ", ") + "."
    var fixIts: [FixIt] = []
    let candidates = Grammar.keywords + Grammar.unsupportedInstructions.map { $0.rawValue.uppercased() }
    if let suggestion = Suggest.closest(to: word, among: candidates) {
      help = "Did you mean `\(suggestion)`? " + help
      fixIts.append(.replace(instruction.keyword.span, with: suggestion, "replace with `\(suggestion)`"))
    } else if current != nil, looksLikeContinuedText(instruction) {
      help += " If this line continues the previous instruction, end that line with `\(tree.escapeToken)`."
    }
    report(.unknownInstruction, "unknown instruction `\(word)`", at: instruction.keyword.span, help: help, fixIts: fixIts)
  }

  func looksLikeContinuedText(_ instruction: Instruction) -> Bool {
    instruction.keyword.text.first.map { $0.isLowercase || $0 == "-" || $0 == "&" || $0 == "|" } ?? false
  }

  mutating func reportUnsupported(_ instruction: Instruction) {
    let span = instruction.keyword.span
    switch instruction.kind {
    case .add:
      report(
        .addUnsupported, "`ADD` is not supported; use `COPY`", at: span,
        help: "For local files and directories `COPY` does the same. To unpack an archive, `COPY` it and "
          + "`RUN tar -xf` it; to fetch a URL, download and verify it before the build and `COPY` it.",
        fixIts: [.replace(span, with: "COPY", "replace `ADD` with `COPY`")])
    case .onbuild:
      report(
        .onbuildUnsupported, "`ONBUILD` is not supported", at: span,
        help: "spawnc images carry no build triggers. Write the step in each recipe that needs it.")
    case .healthcheck:
      report(
        .healthcheckUnsupported, "`HEALTHCHECK` is not supported", at: span,
        help: "systemd supervises the container: use the payload's `WATCHDOG=1` notifications or a timer "
          + "unit that probes the service. Remove this line.")
    case .shell:
      report(
        .shellUnsupported, "`SHELL` is not supported", at: span,
        help: "Shell form always uses `/bin/sh -c`. For another shell, write the exec form: "
          + "`RUN [\"/bin/bash\", \"-c\", \"...\"]`.")
    case .maintainer:
      let label = "LABEL org.opencontainers.image.authors=\"\(instruction.argumentText.text.replacingQuotes())\""
      report(
        .maintainerUnsupported, "`MAINTAINER` is not supported; use a label", at: span,
        help: "Write `\(label)`.",
        fixIts: [.replace(instruction.span, with: label, "replace with an `org.opencontainers.image.authors` label")])
    default:
      break
    }
  }

  // MARK: FROM and stages

  mutating func checkFrom(_ instruction: Instruction) {
    _ = checkFlags(instruction)
    let index = stages.count
    var stage = CheckedStage(
      index: index, name: nil, base: .unresolved, span: instruction.span, steps: [], config: ImageConfig(),
      baseIsKnown: false)
    var inherited = OrderedEnvironment()
    defer { current = StageState(stage: stage, args: inherited) }
    guard !instruction.isMalformed else { return }
    guard case .words(let words) = instruction.arguments, !words.isEmpty else {
      report(
        .missingArguments, "FROM needs an image", at: Span.at(instruction.keyword.span.end),
        help: "Write `FROM sha256:<64 hex digits>`, `FROM scratch` or `FROM <earlier stage>`.")
      return
    }
    if words.count == 2 || words.count > 3 || (words.count == 3 && words[1].text.lowercased() != "as") {
      let extra = words.count == 3 ? words[1] : words[min(1, words.count - 1)]
      report(
        .malformedFrom, "FROM takes an image and optionally `AS name`", at: extra.span.union(words.last!.span),
        help: "Write `FROM sha256:<64 hex digits> AS build`.")
    }
    if words.count == 3, words[1].text.lowercased() == "as" {
      let nameWord = words[2]
      let name = nameWord.text.lowercased()
      if !Values.isValidStageName(name) || name == "scratch" || name == "context" {
        let reserved = name == "scratch" || name == "context"
        report(
          .invalidStageName, reserved ? "`\(name)` is a reserved name" : "`\(nameWord.text)` is not a valid stage name",
          at: nameWord.span,
          help: "A stage name starts with a letter and holds letters, digits, `-`, `_` and `.`; `scratch` and `context` are reserved.")
      } else if let previous = finishedStageNames[name].map({ stages[$0] }) {
        report(
          .duplicateStageName, "a stage named `\(name)` already exists", at: nameWord.span,
          help: "Give each stage its own name.", notes: [DiagnosticNote("first defined here", at: previous.span)])
      } else {
        stage.name = name
      }
    }

    let reference = words[0]
    reportsFrom = true
    let expanded = expand(reference, globalsOnly: true)
    reportsFrom = false
    guard let text = expanded else { return }
    guard !text.isEmpty else {
      report(.emptyValue, "the base image is empty after expansion", at: reference.span, help: "Check the ARGs this FROM uses.")
      return
    }
    let lowered = text.lowercased()
    if lowered == "scratch" {
      stage.base = .scratch
      stage.baseIsKnown = true
      stage.config.env["PATH"] = Values.defaultPath
      return
    }
    if let earlier = finishedStageNames[lowered].map({ stages[$0] }) {
      stage.base = .stage(earlier.index)
      stage.baseIsKnown = earlier.baseIsKnown
      stage.config = earlier.config
      inherited = stageArgs[earlier.index] ?? OrderedEnvironment()
      return
    }
    if let later = allStageNames[lowered], later >= index {
      report(
        later == index ? .selfStageReference : .forwardStageReference,
        later == index ? "a stage cannot start FROM itself" : "stage `\(lowered)` is defined after this one",
        at: reference.span, help: "A stage can only use stages defined before it; move stage `\(lowered)` up.")
      return
    }
    switch classifyImage(text, span: reference.span, what: "FROM") {
    case .some(let (id, name)):
      stage.base = .image(id, name: name)
      stage.baseIsKnown = true
      stage.config.env["PATH"] = Values.defaultPath
    case .none:
      break
    }
  }

  /// ARG values each finished stage ended with, for stages built FROM it.
  var stageArgs: [Int: OrderedEnvironment] = [:]
  var stagesWithMalformedCommand: Set<Int> = []

  /// Resolves an image reference to a content ID, reporting unpinned and malformed ones.
  mutating func classifyImage(_ text: String, span: Span, what: String) -> (ContentID, String?)? {
    var name: String?
    var digest = text
    if let at = text.firstIndex(of: "@") {
      name = String(text[..<at])
      digest = String(text[text.index(after: at)...])
    }
    if let id = ContentID(digest) { return (id, name) }
    if digest.lowercased().hasPrefix("sha256:") {
      let hex = digest.dropFirst(7)
      var fixIts: [FixIt] = []
      if let lower = ContentID("sha256:" + hex.lowercased()) {
        fixIts.append(.replace(span, with: (name.map { $0 + "@" } ?? "") + lower.description, "use lower-case hex digits"))
      }
      report(
        .invalidContentID, "`\(digest)` is not a content ID: expected `sha256:` and 64 lower-case hex digits (found \(hex.count))",
        at: span, help: "Copy the ID again from `spawnc images`.", fixIts: fixIts)
      return nil
    }
    let shown = text
    report(
      .unpinnedFrom, "\(what) `\(shown)` is not pinned by content ID", at: span,
      help: "Import the image's root file system and pin the ID it prints: `spawnc import rootfs.tar --name \(suggestedName(shown))`, "
        + "then write `\(what == "FROM" ? "FROM " : "--from=")\(suggestedName(shown))@sha256:<id>`. `spawnc images` lists imported IDs.")
    return nil
  }

  func suggestedName(_ reference: String) -> String {
    var name = reference
    if let at = name.firstIndex(of: "@") { name = String(name[..<at]) }
    if let slash = name.lastIndex(of: "/") { name = String(name[name.index(after: slash)...]) }
    if let colon = name.firstIndex(of: ":") { name = String(name[..<colon]) }
    return name.isEmpty ? "base" : name
  }

  mutating func finishStage() {
    guard let finished = current else { return }
    if finished.hasMalformedCommand { stagesWithMalformedCommand.insert(finished.stage.index) }
    // Only a stage that a later one can start from needs its ARGs kept.
    if finished.stage.index + 1 < fromCount { stageArgs[finished.stage.index] = finished.args }
    if let name = finished.stage.name, finishedStageNames[name] == nil { finishedStageNames[name] = finished.stage.index }
    stages.append(finished.stage)
    current = nil
  }

  // MARK: Steps

  /// Appends a step with the current state. (The stage is mutated in place: copying it first
  /// would copy every earlier step too, making long recipes quadratic.)
  mutating func addStep(_ action: StepAction, for instruction: Instruction) {
    guard current != nil else { return }
    if current!.stepEnvironment == nil {
      environmentVersion += 1
      current!.stepEnvironment = environmentVersion
      current!.stage.environmentHistory.events.append(.version(environmentVersion))
    }
    let step = CheckedStep(
      action: action, span: instruction.span, summary: summary(of: instruction),
      environmentVersion: current!.stepEnvironment!, environmentSize: current!.environmentSize,
      user: current!.stage.config.user?.value,
      workdir: current!.stage.config.workdir?.value ?? "/")
    current!.stage.steps.append(step)
  }

  func summary(of instruction: Instruction) -> String {
    // Concatenated by hand: `joined(separator:)` is a generic call whose first use costs the
    // generator's start-up tens of microseconds of type lookups.
    var summary = instruction.kind.rawValue.uppercased()
    for flag in instruction.flags { summary += " " + flag.word.text }
    if !instruction.argumentText.text.isEmpty { summary += " " + instruction.argumentText.text }
    return summary
  }

  mutating func checkRun(_ instruction: Instruction) {
    _ = checkFlags(instruction)
    switch instruction.arguments {
    case .exec(let words):
      guard !words.isEmpty else {
        report(.missingArguments, "RUN needs a command", at: instruction.argumentText.span, help: "Write `RUN [\"/bin/true\"]` or a shell command.")
        return
      }
      addStep(.run(.exec(words.map(\.text))), for: instruction)
    case .text(let word):
      let heredocs = instruction.heredocs
      if heredocs.isEmpty {
        addStep(.run(.shell(word.text)), for: instruction)
        return
      }
      let trimmed = word.text
      if Parser.isHeredocWord(trimmed), let first = heredocs.first {
        let content = first.stripsTabs ? Self.stripLeadingTabs(first.body.text) : first.body.text
        if content.hasPrefix("#!") {
          addStep(.runScript(name: first.name, content: content), for: instruction)
        } else {
          addStep(.run(.shell(content)), for: instruction)
        }
        return
      }
      var full = word.text
      for heredoc in heredocs { full += "\n" + heredoc.body.text + heredoc.name }
      addStep(.run(.shell(full)), for: instruction)
    default:
      report(
        .missingArguments, "RUN needs a command", at: Span.at(instruction.keyword.span.end),
        help: "Write `RUN apt-get update` (shell form) or `RUN [\"/bin/true\"]` (exec form).")
    }
  }

  static func stripLeadingTabs(_ text: String) -> String {
    var out = ""
    var atLineStart = true
    for scalar in text.unicodeScalars {
      if atLineStart && scalar == "\t" { continue }
      atLineStart = scalar == "\n"
      out.unicodeScalars.append(scalar)
    }
    return out
  }

  mutating func checkCommand(_ instruction: Instruction) {
    _ = checkFlags(instruction)
    let keyword = instruction.kind.rawValue.uppercased()
    let form: CommandForm
    switch instruction.arguments {
    case .exec(let words): form = .exec(words.map(\.text))
    case .text(let word): form = .shell(word.text)
    case .none where instruction.kind == .cmd:
      report(
        .missingArguments, "CMD needs a command", at: Span.at(instruction.keyword.span.end),
        help: "Write `CMD [\"/usr/bin/app\"]`, or `CMD []` for no default arguments.")
      return
    default:
      report(
        .missingArguments, "ENTRYPOINT needs a command", at: Span.at(instruction.keyword.span.end),
        help: "Write `ENTRYPOINT [\"/usr/bin/app\"]`, or `ENTRYPOINT []` to clear an inherited one.")
      return
    }
    guard current != nil else { return }
    warnDuplicate(instruction, keyword: keyword)
    if instruction.kind == .cmd {
      current!.stage.config.cmd = Spanned(form, at: instruction.span)
    } else {
      current!.stage.config.entrypoint = Spanned(form, at: instruction.span)
      // An ENTRYPOINT resets a CMD inherited from the base, as in Docker.
      if current!.seen[InstructionKind.cmd.rawValue] == nil { current!.stage.config.cmd = nil }
    }
  }

  mutating func warnDuplicate(_ instruction: Instruction, keyword: String) {
    if let previous = current?.seen[instruction.kind.rawValue] {
      report(
        .duplicateInstruction, "a second `\(keyword)` in this stage; only the last one takes effect",
        at: instruction.keyword.span, help: "Remove the earlier `\(keyword)`.",
        notes: [DiagnosticNote("earlier `\(keyword)` here", at: previous)])
    }
    current?.seen[instruction.kind.rawValue] = instruction.keyword.span
  }

  mutating func checkEnv(_ instruction: Instruction) {
    _ = checkFlags(instruction)
    guard case .pairs(let pairs) = instruction.arguments, !pairs.isEmpty else {
      report(
        .missingArguments, "ENV needs `NAME=value`", at: Span.at(instruction.keyword.span.end),
        help: "Write `ENV NAME=value`.")
      return
    }
    // Every pair sees the environment as it was before this instruction. (Names and values in
    // the environment's own pair type, spans by name: no new generic types at start-up.)
    var assignments: [(name: String, value: String)] = []
    var spans: [String: Span] = [:]
    for pair in pairs {
      guard let name = expand(pair.key), let value = expand(pair.value) else { continue }
      guard Values.isValidVariableName(name) else {
        report(
          .invalidVariableName, "`\(name)` is not a valid environment variable name", at: pair.key.span,
          help: "Use letters, digits and `_`, not starting with a digit: e.g. `\(Self.suggestedVariableName(name))`.")
        continue
      }
      assignments.append((name, value))
      spans[name] = pair.key.span.union(pair.value.span)
    }
    for (name, value) in assignments {
      current?.setEnv(name, value)
      current?.stage.config.envSpans[name] = spans[name]
    }
    if !assignments.isEmpty { current?.stepEnvironment = nil }
  }

  static func suggestedVariableName(_ name: String) -> String {
    var result = String(name.unicodeScalars.map { scalar -> Character in
      let isAlphanumeric = scalar.isASCII && (scalar.properties.isAlphabetic || (scalar.value >= 0x30 && scalar.value <= 0x39))
      return isAlphanumeric ? Character(scalar) : "_"
    })
    if result.first?.isNumber ?? true { result = "_" + result }
    return result
  }

  mutating func checkArg(_ instruction: Instruction, global: Bool) {
    _ = checkFlags(instruction)
    if instruction.isMalformed { return }
    guard case .words(let words) = instruction.arguments, !words.isEmpty else {
      report(
        .missingArguments, "ARG needs a name", at: Span.at(instruction.keyword.span.end),
        help: "Write `ARG NAME` or `ARG NAME=default`.")
      return
    }
    for word in words {
      let text = word.text
      var nameWord = word
      var valueWord: Word?
      if let equals = text.utf8.firstIndex(of: UInt8(ascii: "=")) {
        let split = text.utf8.distance(from: text.utf8.startIndex, to: equals)
        nameWord = Word(
          text: String(decoding: Array(text.utf8)[..<split], as: UTF8.self), span: word.span(of: 0..<split), map: word.map)
        valueWord = Word(
          text: String(decoding: Array(text.utf8)[(split + 1)...], as: UTF8.self),
          span: word.span(of: (split + 1)..<text.utf8.count), map: word.map.map { $0.shifted(by: split + 1) })
      }
      guard let name = global ? expand(nameWord, globalsOnly: true) : expand(nameWord) else { continue }
      guard Values.isValidVariableName(name) else {
        report(
          .invalidVariableName, name.isEmpty ? "ARG needs a name before `=`" : "`\(name)` is not a valid ARG name",
          at: nameWord.span, help: "Use letters, digits and `_`, not starting with a digit.")
        continue
      }
      var value: String?
      if let override = buildArguments[name] {
        value = override
      } else if let valueWord {
        guard let expanded = global ? expand(valueWord, globalsOnly: true) : expand(valueWord) else { continue }
        value = expanded
      }
      if global {
        globalDeclared.insert(name)
        if let value { globalArgs[name] = value }
        continue
      }
      current?.declaredArgs.insert(name)
      if let value {
        current?.setArg(name, value)
      } else if let imported = globalArgs[name] {
        current?.setArg(name, imported)
      }
      current?.stepEnvironment = nil
    }
  }

  mutating func checkWorkdir(_ instruction: Instruction) {
    _ = checkFlags(instruction)
    guard case .text(let word) = instruction.arguments else {
      report(.missingArguments, "WORKDIR needs a path", at: Span.at(instruction.keyword.span.end), help: "Write `WORKDIR /app`.")
      return
    }
    guard let raw = expand(word) else { return }
    guard checkPathText(raw, at: word.span, what: "WORKDIR") else { return }
    let base = current?.stage.config.workdir?.value ?? "/"
    let path = Values.resolve(raw, against: base)
    current?.stage.config.workdir = Spanned(path, at: word.span)
    addStep(.makeDirectory(path), for: instruction)
  }

  /// Rejects empty paths and control characters; true when the path is usable.
  mutating func checkPathText(_ path: String, at span: Span, what: String) -> Bool {
    if Values.isWindowsPath(path) {
      report(
        .windowsPath, "`\(path)` is a Windows path; spawnc builds Linux containers", at: span,
        help: "This recipe is for a Windows container, which systemd-nspawn cannot run.")
      return false
    }
    if path.isEmpty {
      report(.emptyValue, "the \(what) path is empty", at: span, help: "Give an absolute path, e.g. `/app`.")
      return false
    }
    if let control = Values.controlCharacter(in: path) {
      report(
        .invalidPath, "the \(what) path contains the control character U+\(Dump.hex(control.value, digits: 4))",
        at: span, help: "Remove the control character from the path.")
      return false
    }
    return true
  }

  mutating func checkUser(_ instruction: Instruction) {
    _ = checkFlags(instruction)
    guard case .text(let word) = instruction.arguments else {
      report(.missingArguments, "USER needs a user", at: Span.at(instruction.keyword.span.end), help: "Write `USER app` or `USER 1000`.")
      return
    }
    guard let user = expand(word) else { return }
    if user.isEmpty {
      report(.emptyValue, "the user is empty", at: word.span, help: "Write `USER app` or `USER 1000`.")
      return
    }
    let parts = user.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
    guard Values.isValidAccount(parts[0]), parts.count == 1 || Values.isValidAccount(parts[1]) else {
      report(
        .invalidUser, "`\(user)` is not a valid user", at: word.span,
        help: "Give a user name (letters, digits, `_`, `-`, `.`) or a numeric ID.")
      return
    }
    if parts.count == 2 {
      report(
        .userGroupUnsupported, "`USER \(user)`: a separate group is not supported", at: word.span,
        help: "systemd-nspawn runs the payload with the user's primary group from the image's /etc/passwd. "
          + "Make `\(parts[1])` the primary group of `\(parts[0])` and write `USER \(parts[0])`.",
        fixIts: [.replace(word.span, with: parts[0], "use `USER \(parts[0])`")])
      return
    }
    current?.stage.config.user = Spanned(user, at: word.span)
  }

  mutating func checkStopSignal(_ instruction: Instruction) {
    _ = checkFlags(instruction)
    guard case .text(let word) = instruction.arguments else {
      report(
        .missingArguments, "STOPSIGNAL needs a signal", at: Span.at(instruction.keyword.span.end),
        help: "Write `STOPSIGNAL SIGTERM`.")
      return
    }
    guard let text = expand(word) else { return }
    guard let signal = Values.signal(text) else {
      var help = "Write a name such as `SIGTERM`, `SIGQUIT` or `SIGRTMIN+3`, or a number from 1 to 64."
      var fixIts: [FixIt] = []
      let candidate = text.uppercased().hasPrefix("SIG") ? text.uppercased() : "SIG" + text.uppercased()
      if let suggestion = Suggest.closest(to: candidate, among: Values.signalNames) {
        help = "Did you mean `\(suggestion)`? " + help
        fixIts.append(.replace(word.span, with: suggestion, "replace with `\(suggestion)`"))
      }
      report(.invalidSignal, "`\(text)` is not a signal", at: word.span, help: help, fixIts: fixIts)
      return
    }
    guard current != nil else { return }
    warnDuplicate(instruction, keyword: "STOPSIGNAL")
    current!.stage.config.stopSignal = Spanned(signal, at: word.span)
  }

  mutating func checkLabel(_ instruction: Instruction) {
    _ = checkFlags(instruction)
    guard case .pairs(let pairs) = instruction.arguments, !pairs.isEmpty else {
      report(
        .missingArguments, "LABEL needs `key=value`", at: Span.at(instruction.keyword.span.end),
        help: "Write `LABEL org.opencontainers.image.title=\"My service\"`.")
      return
    }
    for pair in pairs {
      guard let key = expand(pair.key), let value = expand(pair.value) else { continue }
      if key.isEmpty {
        report(.emptyValue, "the label key is empty", at: pair.key.span, help: "Write `LABEL key=value`.")
        continue
      }
      current?.stage.config.setLabel(Spanned(Label(key: key, value: value), at: pair.key.span.union(pair.value.span)))
    }
  }

  mutating func checkVolume(_ instruction: Instruction) {
    _ = checkFlags(instruction)
    let words: [Word]
    switch instruction.arguments {
    case .exec(let list), .words(let list): words = list
    default: words = []
    }
    guard !words.isEmpty else {
      report(.missingArguments, "VOLUME needs a path", at: Span.at(instruction.keyword.span.end), help: "Write `VOLUME /var/lib/app`.")
      return
    }
    for word in words {
      guard let raw = expand(word), checkPathText(raw, at: word.span, what: "VOLUME") else { continue }
      guard raw.hasPrefix("/") else {
        report(
          .relativePath, "the volume `\(raw)` is not an absolute path", at: word.span,
          help: "Write `VOLUME /\(raw)`.", fixIts: [.replace(word.span, with: "/" + raw, "make the path absolute")])
        continue
      }
      let path = Values.clean(raw)
      if path == "/" {
        report(.invalidPath, "the root directory cannot be a volume", at: word.span, help: "Name a directory such as `/data`.")
        continue
      }
      current?.stage.config.addVolume(Spanned(path, at: word.span))
      addStep(.makeDirectory(path), for: instruction)
    }
  }

  mutating func checkExpose(_ instruction: Instruction) {
    let flags = checkFlags(instruction)
    var activation = ExposedPort.Activation.none
    if let flag = flags["activation"], let value = flag.value {
      // A switch: `init(rawValue:)` builds an array of the names.
      let known: ExposedPort.Activation? =
        switch value.lowercased() {
        case "none": ExposedPort.Activation.none
        case "socket": .socket
        case "proxy": .proxy
        default: nil
        }
      if let mode = known {
        activation = mode
      } else {
        var help = "Write `--activation=none`, `--activation=socket` or `--activation=proxy`."
        var fixIts: [FixIt] = []
        if let suggestion = Suggest.closest(to: value, among: Grammar.activationModes) {
          help = "Did you mean `\(suggestion)`? " + help
          fixIts.append(.replace(flag.valueSpan, with: suggestion, "replace with `\(suggestion)`"))
        }
        report(.invalidActivation, "unknown activation mode `\(value)`", at: flag.valueSpan, help: help, fixIts: fixIts)
        return
      }
    }
    guard case .words(let words) = instruction.arguments, !words.isEmpty else {
      report(.missingArguments, "EXPOSE needs a port", at: Span.at(instruction.keyword.span.end), help: "Write `EXPOSE 8080`.")
      return
    }
    for word in words {
      guard let text = expand(word) else { continue }
      if text.isEmpty {
        report(.emptyValue, "the port is empty", at: word.span, help: "Write a port number such as `8080`.")
        continue
      }
      switch Values.port(text) {
      case .ok(let first, let last, let proto):
        if activation == .proxy && proto == .udp {
          report(
            .proxyNeedsTCP, "`--activation=proxy` cannot forward UDP", at: word.span,
            help: "systemd-socket-proxyd forwards TCP only. Use `--activation=socket` for a UDP port.")
          continue
        }
        current?.stage.config.ports.append(
          ExposedPort(first: first, last: last, proto: proto, activation: activation, span: word.span))
      case .invalidPort(let part):
        report(
          .invalidPort, "`\(part)` is not a port number from 1 to 65535", at: word.span,
          help: "Write a port such as `8080`, a range such as `9000-9005`, optionally with `/tcp` or `/udp`.")
      case .reversedRange:
        report(.invalidPortRange, "the port range `\(text)` ends before it starts", at: word.span, help: "Write the smaller port first.")
      case .invalidProtocol(let proto):
        var fixIts: [FixIt] = []
        var help = "A port's protocol is `tcp` or `udp`."
        if let suggestion = Suggest.closest(to: proto, among: ["tcp", "udp"]) {
          help = "Did you mean `\(suggestion)`? " + help
          let fixed = String(text.prefix(text.count - proto.count)) + suggestion
          fixIts.append(.replace(word.span, with: fixed, "replace with `\(fixed)`"))
        }
        report(.invalidProtocol, "unknown protocol `\(proto)`", at: word.span, help: help, fixIts: fixIts)
      case .sctp:
        report(.unsupportedProtocol, "SCTP ports are not supported", at: word.span, help: "Use `tcp` or `udp`.")
      case .hasAddress:
        report(
          .exposeAddressUnsupported, "`EXPOSE \(text)`: addresses and host ports are not supported", at: word.span,
          help: "Expose the container port only, e.g. `EXPOSE \(text.split(separator: ":").last ?? "")`.")
      }
    }
  }

  // MARK: COPY

  mutating func checkCopy(_ instruction: Instruction) {
    let flags = checkFlags(instruction)
    let words: [Word]
    var isExec = false
    switch instruction.arguments {
    case .exec(let list):
      words = list
      isExec = true
    case .words(let list): words = list
    default: words = []
    }
    guard words.count >= 2 else {
      report(
        .wrongArgumentCount, words.isEmpty ? "COPY needs a source and a destination" : "COPY needs a destination",
        at: words.first?.span ?? Span.at(instruction.keyword.span.end),
        help: "Write `COPY SOURCE... DESTINATION`, e.g. `COPY app.conf /etc/app/`.")
      return
    }

    var origin = CopyAction.Origin.context
    var originKnown = true
    let copiesFromElsewhere = flags["from"] != nil
    if let flag = flags["from"], let value = flag.value {
      if value.contains("$") {
        report(
          .variableInFromFlag, "`--from=` cannot use variables", at: flag.valueSpan,
          help: "Name the stage directly, e.g. `--from=build`.")
        return
      }
      switch resolveCopyOrigin(value, span: flag.valueSpan) {
      case .some(let resolved): origin = resolved
      case .none: originKnown = false
      }
    }

    var owner: Owner?
    if let flag = flags["chown"], let value = flag.value {
      let word = Word(text: value, span: flag.valueSpan, map: nil)
      guard let expanded = expand(word) else { return }
      let parts = expanded.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
      guard Values.isValidAccount(parts[0]), parts.count == 1 || Values.isValidAccount(parts[1]) else {
        report(
          .invalidUser, "`\(expanded)` is not a valid owner", at: flag.valueSpan,
          help: "Write `--chown=USER`, `--chown=USER:GROUP` or numeric IDs such as `--chown=1000:1000`.")
        return
      }
      owner = Owner(user: parts[0], group: parts.count == 2 ? parts[1] : nil)
    }

    var mode: Int?
    if let flag = flags["chmod"], let value = flag.value {
      let word = Word(text: value, span: flag.valueSpan, map: nil)
      guard let expanded = expand(word) else { return }
      switch Values.mode(expanded) {
      case .octal(let bits): mode = bits
      case .symbolic:
        report(
          .symbolicMode, "symbolic mode `\(expanded)` is not supported", at: flag.valueSpan,
          help: "Write the mode in octal, e.g. `--chmod=755`.")
        return
      case .invalid:
        report(.invalidMode, "`\(expanded)` is not an octal mode", at: flag.valueSpan, help: "Write e.g. `--chmod=644` or `--chmod=0755`.")
        return
      }
    }

    let heredocs = Dictionary(instruction.heredocs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    var sources: [CopySource] = []
    var failed = false
    for word in words.dropLast() {
      if !isExec, let marker = Parser.heredocName(word.text) {
        guard let heredoc = heredocs[marker] else { continue }
        if marker.contains("/") || marker == "." || marker == ".." {
          report(
            .invalidPath, "the here-document name `\(marker)` cannot be a file name", at: word.span,
            help: "COPY names the file after the delimiter; use a name without `/`, e.g. `<<EOF`.")
          failed = true
          continue
        }
        var content = heredoc.stripsTabs ? Self.stripLeadingTabs(heredoc.body.text) : heredoc.body.text
        if heredoc.expands {
          let body = Word(text: content, span: heredoc.body.span, map: heredoc.stripsTabs ? nil : heredoc.body.map)
          guard let expanded = expand(body, skipQuotes: true) else {
            failed = true
            continue
          }
          content = expanded
        }
        sources.append(.inline(name: heredoc.name, content: content, span: word.span))
        continue
      }
      guard let raw = expand(word) else {
        failed = true
        continue
      }
      guard let source = checkSource(raw, word: word, fromContext: !copiesFromElsewhere) else {
        failed = true
        continue
      }
      sources.append(source)
    }

    let destinationWord = words.last!
    if !isExec, Parser.heredocName(destinationWord.text) != nil {
      report(
        .wrongArgumentCount, "a here-document cannot be the COPY destination", at: destinationWord.span,
        help: "Write the destination path last: `COPY <<EOF /etc/app.conf`.")
      return
    }
    guard let rawDestination = expand(destinationWord),
      checkPathText(rawDestination, at: destinationWord.span, what: "COPY destination")
    else { return }
    if words.count > 2 && !rawDestination.hasSuffix("/") {
      report(
        .copyDestinationNotDirectory, "with several sources the destination must be a directory ending in `/`",
        at: destinationWord.span, help: "Write `\(rawDestination)/`.",
        fixIts: [.replace(destinationWord.span, with: rawDestination + "/", "add a trailing `/`")])
      return
    }
    guard !failed, originKnown else { return }
    let workdir = current?.stage.config.workdir?.value ?? "/"
    let destination = Values.resolve(rawDestination, against: workdir)
    let isDirectory = rawDestination.hasSuffix("/") || rawDestination.hasSuffix("/.") || rawDestination == "."
      || words.count > 2
    addStep(
      .copy(
        CopyAction(
          origin: origin, sources: sources, destination: destination, destinationIsDirectory: isDirectory,
          owner: owner, mode: mode)), for: instruction)
  }

  /// `--from=`: a stage name, a stage index, or a pinned image.
  mutating func resolveCopyOrigin(_ value: String, span: Span) -> CopyAction.Origin? {
    let lowered = value.lowercased()
    let currentIndex = current?.stage.index ?? stages.count
    if let index = finishedStageNames[lowered] { return .stage(index) }
    if let number = Int(value), value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
      if number < stages.count { return .stage(number) }
      report(
        number == currentIndex ? .selfStageReference : .unknownStage,
        number == currentIndex ? "a stage cannot copy from itself" : "there is no stage \(number) before this one",
        at: span, help: "Stage indices count from 0 in the order of FROM lines; only earlier stages can be used.")
      return nil
    }
    if let later = allStageNames[lowered] {
      report(
        later == currentIndex ? .selfStageReference : .forwardStageReference,
        later == currentIndex ? "a stage cannot copy from itself" : "stage `\(lowered)` is defined after this one",
        at: span,
        help: later == currentIndex
          ? "Copy from an earlier stage, or use `RUN cp` within this stage." : "Move stage `\(lowered)` above this one.")
      return nil
    }
    if value.contains(":") || value.contains("/") || value.contains("@") {
      if let (id, _) = classifyImage(value, span: span, what: "--from") { return .image(id) }
      return nil
    }
    var help = "`--from=` names an earlier stage (`FROM ... AS NAME`), a stage index, or a pinned image."
    var fixIts: [FixIt] = []
    if let suggestion = Suggest.closest(to: lowered, among: stages.compactMap(\.name)) {
      help = "Did you mean `\(suggestion)`? " + help
      fixIts.append(.replace(span, with: suggestion, "replace with `\(suggestion)`"))
    }
    report(.unknownStage, "there is no stage named `\(value)`", at: span, help: help, fixIts: fixIts)
    return nil
  }

  /// Checks one COPY source path and returns it cleaned.
  mutating func checkSource(_ raw: String, word: Word, fromContext: Bool) -> CopySource? {
    guard checkPathText(raw, at: word.span, what: "COPY source") else { return nil }
    let isPattern = Values.isPattern(raw)
    if fromContext {
      if raw.hasPrefix("/") {
        let relative = String(raw.drop { $0 == "/" })
        report(
          .absoluteCopySource, "absolute COPY source `\(raw)` is not supported", at: word.span,
          help: "COPY reads from the build context: write `\(relative.isEmpty ? "." : relative)`.",
          fixIts: [.replace(word.span, with: relative.isEmpty ? "." : relative, "make the path relative to the context")])
        return nil
      }
      let cleaned = Values.clean(raw)
      if cleaned == ".." || cleaned.hasPrefix("../") {
        report(
          .contextEscape, "`\(raw)` leaves the build context", at: word.span,
          help: "COPY can only read files inside the context. Move the file into the context, or build with a larger `--context`.")
        return nil
      }
      if let context {
        let link = isPattern ? context.escapingSymlink(forPattern: cleaned) : context.escapingSymlink(for: cleaned)
        if let link {
          report(
            .contextEscape, "`\(raw)` leaves the build context through the symbolic link `\(link)`", at: word.span,
            help: "COPY does not follow links out of the context. Copy the target into the context instead.")
          return nil
        }
      }
      return .path(cleaned, isPattern: isPattern, span: word.span)
    }
    return .path(Values.clean("/" + raw), isPattern: isPattern, span: word.span)
  }

  /// The directory part of a pattern before its first wildcard (`a/b/*.txt` → `a/b`).
  static func literalPrefixDirectory(_ pattern: String) -> String {
    var components: [Substring] = []
    for component in pattern.split(separator: "/") {
      if Values.isPattern(String(component)) { break }
      components.append(component)
    }
    return components.isEmpty ? "." : components.joined(separator: "/")
  }

  // MARK: Whole-recipe checks

  mutating func finalChecks() {
    guard let last = stages.last else {
      // An unknown or malformed first instruction (a misspelt FROM) was reported already.
      if !tree.instructions.isEmpty && !tree.instructions.contains(where: { $0.kind == .unknown || $0.isMalformed }) {
        report(
          .malformedFrom, "the recipe has no FROM", at: Span.at(tree.file.bytes.count),
          help: "Add `FROM sha256:<64 hex digits>` (or `FROM scratch`) after the global ARGs.")
      }
      return
    }
    let argv = (last.config.entrypoint?.value.argv ?? []) + (last.config.cmd?.value.argv ?? [])
    if last.baseIsKnown && argv.isEmpty && !stagesWithMalformedCommand.contains(last.index) {
      report(
        .noCommand, "the final stage has no CMD or ENTRYPOINT: it is built as a base image, not run as a service",
        at: tree.file.bytes.isEmpty ? Span.at(0) : firstLineSpan(of: last.span),
        help: "Other recipes can start `FROM` the image's content ID. For a service, add its command, "
          + "e.g. `CMD [\"/usr/bin/app\", \"--foreground\"]`.")
    }
    if let proxied = last.config.ports.first(where: { $0.activation == .proxy }),
      let plain = last.config.ports.first(where: { $0.activation == .none })
    {
      report(
        .mixedActivation, "this port is bound by the payload, but the container also has proxy-activated ports",
        at: plain.span,
        help: "Proxy activation gives the container its own network namespace, where this port is unreachable "
          + "from the host. Write `EXPOSE --activation=proxy` for it too.",
        notes: [DiagnosticNote("proxy-activated port here", at: proxied.span)])
    }
    // The first port of each number and protocol, by position (a dictionary type the checker
    // has anyway: one generic type less to build at start-up).
    var seen: [String: Int] = [:]
    let ports = last.config.ports
    for (position, port) in ports.enumerated() {
      for number in port.first...port.last {
        let key = "\(number)/\(port.proto.rawValue)"
        if let first = seen[key] {
          let previous = ports[first]
          let conflicting = previous.activation != port.activation
          report(
            .duplicatePort,
            conflicting
              ? "port \(key) is exposed with activation `\(previous.activation.rawValue)` and `\(port.activation.rawValue)`"
              : "port \(key) is exposed twice",
            at: port.span,
            help: conflicting ? "A port has one owner: keep one `EXPOSE` for it." : "Remove the repeated port.",
            notes: [DiagnosticNote("first exposed here", at: previous.span)],
            severity: conflicting ? .error : .warning)
          break
        }
        seen[key] = position
      }
    }
  }

  func firstLineSpan(of span: Span) -> Span {
    var end = span.start
    let bytes = tree.file.bytes
    while end < span.end && end < bytes.count && bytes[end] != 0x0A && bytes[end] != 0x0D { end += 1 }
    return Span(span.start, max(span.start, end))
  }
}

extension String {
  /// The text with `"` escaped for a double-quoted Dockerfile value.
  fileprivate func replacingQuotes() -> String {
    var out = ""
    for character in self {
      if character == "\"" || character == "\\" { out.append("\\") }
      out.append(character)
    }
    return out
  }
}
