import SpawnBasics

/// A value together with the source span it came from.
public struct Spanned<Value: Hashable & Sendable>: Hashable, Sendable {
  public var value: Value
  public var span: Span

  public init(_ value: Value, at span: Span) {
    self.value = value
    self.span = span
  }
}

/// Name/value pairs that keep their first-definition order; setting a name again replaces the
/// value in place (the way a Docker image's `Env` behaves).
public struct OrderedEnvironment: Hashable, Sendable {
  public private(set) var entries: [(name: String, value: String)] = []
  private var index: [String: Int] = [:]

  public init() {}

  public init(_ entries: [(name: String, value: String)]) {
    for (name, value) in entries { self[name] = value }
  }

  public subscript(name: String) -> String? {
    get { index[name].map { entries[$0].value } }
    set {
      if let position = index[name] {
        if let newValue { entries[position].value = newValue } else { remove(name) }
      } else if let newValue {
        index[name] = entries.count
        entries.append((name, newValue))
      }
    }
  }

  private mutating func remove(_ name: String) {
    guard let position = index[name] else { return }
    entries.remove(at: position)
    index = [:]
    for (offset, entry) in entries.enumerated() { index[entry.name] = offset }
  }

  public var names: [String] { entries.map(\.name) }
  public var isEmpty: Bool { entries.isEmpty }

  public static func == (lhs: OrderedEnvironment, rhs: OrderedEnvironment) -> Bool {
    lhs.entries.count == rhs.entries.count && zip(lhs.entries, rhs.entries).allSatisfy { $0 == $1 }
  }

  public func hash(into hasher: inout Hasher) {
    for entry in entries {
      hasher.combine(entry.name)
      hasher.combine(entry.value)
    }
  }
}

/// A base image's content ID: `sha256:` and 64 lower-case hex digits (an OSTree commit checksum).
public struct ContentID: Hashable, Sendable, CustomStringConvertible {
  /// The 64 hex digits.
  public let hex: String

  /// Parses `sha256:<64 lower-case hex>`; nil for anything else.
  public init?(_ text: String) {
    guard text.hasPrefix("sha256:") else { return nil }
    let hex = text.dropFirst(7)
    guard hex.utf8.count == 64, hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
      return nil
    }
    self.hex = String(hex)
  }

  public var description: String { "sha256:" + hex }
}

/// A command as written: exec form (argv) or shell form (run with `/bin/sh -c`).
public enum CommandForm: Hashable, Sendable {
  case exec([String])
  case shell(String)

  /// The argv it runs.
  public var argv: [String] {
    switch self {
    case .exec(let argv): argv
    case .shell(let text): ["/bin/sh", "-c", text]
    }
  }
}

/// An `EXPOSE`d port (or range) with its protocol and activation mode.
public struct ExposedPort: Hashable, Sendable {
  public enum Proto: String, Hashable, Sendable { case tcp, udp }
  public enum Activation: String, Hashable, Sendable {
    /// The payload binds the port itself on the host's network.
    case none
    /// A `.socket` unit holds the port and hands the socket to the payload.
    case socket
    /// A `.socket` unit holds the port; systemd-socket-proxyd forwards to the payload.
    case proxy
  }

  public var first: Int
  public var last: Int
  public var proto: Proto
  public var activation: Activation
  public var span: Span
}

/// A stop signal, normalised to the name systemd prints (`SIGTERM`, `SIGRTMIN+3`).
public struct StopSignal: Hashable, Sendable {
  public var name: String
  public var number: Int

  public init(name: String, number: Int) {
    self.name = name
    self.number = number
  }

  /// Docker's and systemd's default.
  public static let term = StopSignal(name: "SIGTERM", number: 15)
}

/// The image configuration as a stage's instructions leave it (Docker's image config).
public struct ImageConfig: Hashable, Sendable {
  public var env = OrderedEnvironment()
  /// Where each ENV variable was last set (absent for inherited defaults such as PATH).
  public var envSpans: [String: Span] = [:]
  public var user: Spanned<String>?
  /// Absolute; nil until a WORKDIR (meaning `/`).
  public var workdir: Spanned<String>?
  public var cmd: Spanned<CommandForm>?
  public var entrypoint: Spanned<CommandForm>?
  public var stopSignal: Spanned<StopSignal>?
  public private(set) var volumes: [Spanned<String>] = []
  public var ports: [ExposedPort] = []
  public private(set) var labels: [Spanned<Label>] = []
  private var labelPositions: [String: Int] = [:]
  /// The position of each volume path in `volumes` (a dictionary of a type the checker uses
  /// anyway, rather than a set: one generic type less to build at start-up).
  private var volumePositions: [String: Int] = [:]

  public init() {}

  /// Sets a label; a key set again keeps its first position, as in a Docker image config.
  public mutating func setLabel(_ label: Spanned<Label>) {
    if let position = labelPositions[label.value.key] {
      labels[position] = label
    } else {
      labelPositions[label.value.key] = labels.count
      labels.append(label)
    }
  }

  /// Adds a volume unless the path is one already.
  public mutating func addVolume(_ path: Spanned<String>) {
    guard volumePositions[path.value] == nil else { return }
    volumePositions[path.value] = volumes.count
    volumes.append(path)
  }
}

public struct Label: Hashable, Sendable {
  public var key: String
  public var value: String
}

/// `user[:group]` for `COPY --chown`.
public struct Owner: Hashable, Sendable {
  public var user: String
  public var group: String?
}

/// Where a COPY source comes from.
public enum CopySource: Hashable, Sendable {
  /// A path relative to the build context (or, with `--from`, absolute in that stage's root),
  /// cleaned; `isPattern` when it holds wildcards (`*`, `?`, `[`).
  case path(String, isPattern: Bool, span: Span)
  /// A here-document: the file name is the delimiter, the content is the body.
  case inline(name: String, content: String, span: Span)
}

/// A build step: what one instruction does to the image being built.
public enum StepAction: Hashable, Sendable {
  /// RUN in shell form, exec form, or a here-document with a `#!` line run as a script file.
  case run(CommandForm)
  case runScript(name: String, content: String)
  case copy(CopyAction)
  /// WORKDIR and VOLUME create their directory in the image.
  case makeDirectory(String)
}

public struct CopyAction: Hashable, Sendable {
  public enum Origin: Hashable, Sendable {
    case context
    case stage(Int)
    case image(ContentID)
  }

  public var origin: Origin
  public var sources: [CopySource]
  /// Absolute.
  public var destination: String
  /// The destination is a directory (it ended in `/`, or there are several sources).
  public var destinationIsDirectory: Bool
  public var owner: Owner?
  /// Permission bits, e.g. 0o755.
  public var mode: Int?
}

/// One step and the state it runs in.
public struct CheckedStep: Hashable, Sendable {
  public var action: StepAction
  /// The instruction, for progress output and diagnostics.
  public var span: Span
  /// The instruction as written (one line, for progress output and cache keys).
  public var summary: String
  /// Equal for steps that see the same environment (it changes only at ENV and ARG); the
  /// environment itself is recorded once per stage, in `CheckedStage.environmentHistory`.
  public var environmentVersion: Int
  /// The bytes of the environment's `NAME=value` entries (without separators).
  public var environmentSize: Int
  public var user: String?
  /// Absolute.
  public var workdir: String
}

/// Where a stage starts from.
public enum StageBase: Hashable, Sendable {
  case scratch
  /// A pinned image; `name` is the informational part of `name@sha256:...`.
  case image(ContentID, name: String?)
  /// An earlier stage, by index.
  case stage(Int)
  /// Not resolvable (unpinned or malformed; already reported). Its configuration is unknown.
  case unresolved
}

public struct CheckedStage: Hashable, Sendable {
  public var index: Int
  /// Lower-cased, as written after `AS`.
  public var name: String?
  public var base: StageBase
  /// Span of the FROM instruction.
  public var span: Span
  public var steps: [CheckedStep]
  /// The configuration after the stage's last instruction.
  public var config: ImageConfig
  /// False when the stage starts from something whose configuration spawnc cannot know
  /// (an unpinned image): diagnostics that depend on it are suppressed.
  public var baseIsKnown: Bool
  /// How the environments of the stage's steps came about.
  public var environmentHistory = EnvironmentHistory()

  /// The environment of each of the stage's steps, by `environmentVersion`: ENV plus the ARGs
  /// in scope (ENV wins), in definition order.
  public func stepEnvironments() -> [Int: OrderedEnvironment] {
    var result: [Int: OrderedEnvironment] = [:]
    environmentHistory.replay { version, entries in result[version] = OrderedEnvironment(entries) }
    return result
  }
}

/// The ENV and ARG changes of one stage, with a mark where each new step environment begins.
///
/// The checker records this instead of a copy of the environment for each step: copying made a
/// recipe with many variables and many steps quadratic in time and memory. `replay` rebuilds
/// the step environments in time proportional to the changes plus their total size, which is
/// what generating the outputs costs anyway (and Lowering bounds that first, SP6003).
public struct EnvironmentHistory: Hashable, Sendable {
  public enum Event: Hashable, Sendable {
    case env(name: String, value: String)
    case arg(name: String, value: String)
    /// Steps from here on see the environment so far; it is numbered `version`.
    case version(Int)
  }

  /// The stage's environment and ARG values before its first instruction.
  public var initialEnv = OrderedEnvironment()
  public var initialArgs = OrderedEnvironment()
  public var events: [Event] = []

  public init() {}

  /// Calls `body` with each version and its environment: ENV, then the ARGs ENV does not set.
  public func replay(_ body: (Int, [(name: String, value: String)]) -> Void) {
    var env = initialEnv
    var args = initialArgs
    for event in events {
      switch event {
      case .env(let name, let value): env[name] = value
      case .arg(let name, let value): args[name] = value
      case .version(let version):
        var merged = env.entries
        for entry in args.entries where env[entry.name] == nil { merged.append(entry) }
        body(version, merged)
      }
    }
  }
}

/// The checker's result: every stage with its steps and final configuration, plus diagnostics.
public struct CheckedRecipe: Sendable {
  public var stages: [CheckedStage]
  public var diagnostics: [Diagnostic]
  public var hasErrors: Bool { diagnostics.hasErrors }
}
