/// The compiler's intermediate representation: plain data that says what to build and how to
/// run it, with every decision made and no reference to the source text.
///
/// The backends (`SpawnNspawn`, `SpawnUnits`, `SpawnBuildScript`) read only this. Everything
/// here is final: names are valid, paths are absolute and clean, variables are expanded, and
/// every value can be written into the file formats it is destined for.
public struct RecipeIR: Hashable, Sendable {
  /// The format version of this structure (bumped on incompatible changes).
  public static let formatVersion = 1

  /// The container name: machine name, settings file and unit prefix (`[a-z0-9][a-z0-9-]{0,62}`).
  public var name: String
  public var paths: Paths
  public var image: ImagePlan
  /// How the container runs; nil when the final stage has no command (a base image that only
  /// gets built).
  public var runtime: RuntimeSpec?

  public init(name: String, paths: Paths, image: ImagePlan, runtime: RuntimeSpec?) {
    self.name = name
    self.paths = paths
    self.image = image
    self.runtime = runtime
  }
}

/// Absolute paths the outputs refer to.
public struct Paths: Hashable, Sendable {
  /// The recipe (for `SourcePath=` and the generated-by comments).
  public var recipe: String
  /// SHA-256 of the recipe's bytes (64 hex digits), recorded in the image's provenance.
  public var recipeDigest: String
  /// The build context COPY reads from.
  public var context: String
  /// spawnc's state directory (default `/var/lib/spawnc`).
  public var stateDirectory: String

  public init(recipe: String, recipeDigest: String = "", context: String, stateDirectory: String) {
    self.recipe = recipe
    self.recipeDigest = recipeDigest
    self.context = context
    self.stateDirectory = stateDirectory
  }

  /// The OSTree repository holding images.
  public var repository: String { stateDirectory + "/repo" }
  /// The stable path of a container's current image: a symbolic link that `build` switches
  /// atomically to the checkout of the newest image, so a restart picks a rebuild up.
  public func imageLink(_ name: String) -> String { stateDirectory + "/images/" + name }
  /// Where image checkouts live, one directory per content ID.
  public var checkouts: String { stateDirectory + "/checkouts" }
  /// The persistent data of a container's volumes.
  public func volumes(_ name: String) -> String { stateDirectory + "/volumes/" + name }
}

/// How to produce the image: the stages the final one needs, in recipe order.
public struct ImagePlan: Hashable, Sendable {
  public var stages: [Stage]
  /// Labels of the final image (recorded as image metadata).
  public var labels: [KeyValue]

  public init(stages: [Stage], labels: [KeyValue]) {
    self.stages = stages
    self.labels = labels
  }

  /// The stage whose result is the image.
  public var finalStage: Stage { stages[stages.count - 1] }

  /// The total number of steps, counting one per stage for its FROM.
  public var stepCount: Int { stages.reduce(0) { $0 + 1 + $1.steps.count } }

  public struct Stage: Hashable, Sendable {
    /// The stage's 0-based position among the recipe's FROM lines.
    public var index: Int
    public var name: String?
    public var base: Base
    /// The FROM line as written, for progress output.
    public var description: String
    public var steps: [Step]

    public init(index: Int, name: String?, base: Base, description: String, steps: [Step]) {
      self.index = index
      self.name = name
      self.base = base
      self.description = description
      self.steps = steps
    }
  }

  public enum Base: Hashable, Sendable {
    /// An empty tree.
    case scratch
    /// An image in the store, by content ID (`sha256:<64 hex>`).
    case image(id: String, name: String?)
    /// The result of an earlier stage, by its index.
    case stage(Int)
  }
}

public struct KeyValue: Hashable, Sendable {
  public var key: String
  public var value: String

  public init(_ key: String, _ value: String) {
    self.key = key
    self.value = value
  }
}

/// One build step and the state it runs in.
public struct Step: Hashable, Sendable {
  /// The instruction as written, on one line (progress output).
  public var description: String
  public var action: Action
  /// The environment a RUN sees (ENV plus the ARGs in scope).
  public var environment: [KeyValue]
  /// nil means root.
  public var user: String?
  /// Absolute.
  public var workdir: String

  public init(description: String, action: Action, environment: [KeyValue], user: String?, workdir: String) {
    self.description = description
    self.action = action
    self.environment = environment
    self.user = user
    self.workdir = workdir
  }

  public enum Action: Hashable, Sendable {
    /// Run a program inside the image being built (shell form is already `/bin/sh -c ...`).
    case run(argv: [String])
    /// Run a here-document that starts with `#!` as a script file.
    case runScript(name: String, content: String)
    case copy(Copy)
    /// Create a directory (WORKDIR, VOLUME) with its parents.
    case makeDirectory(path: String)
  }
}

/// A COPY step.
public struct Copy: Hashable, Sendable {
  public enum Origin: Hashable, Sendable {
    /// The build context.
    case context
    /// The result of an earlier stage.
    case stage(Int)
    /// An image in the store, by content ID.
    case image(String)
  }

  public enum Source: Hashable, Sendable {
    /// Relative to the context (clean, never leaving it), or absolute inside a stage or image.
    /// `isPattern` when it holds `*`, `?` or `[` wildcards.
    case path(String, isPattern: Bool)
    /// A file made from a here-document: its name and content.
    case inline(name: String, content: String)
  }

  public var origin: Origin
  public var sources: [Source]
  /// Absolute.
  public var destination: String
  public var destinationIsDirectory: Bool
  /// `user` and optional `group` (names or numeric IDs); nil keeps root:root.
  public var owner: Owner?
  /// Permission bits such as 0o755; nil keeps the source's.
  public var mode: Int?

  public init(
    origin: Origin, sources: [Source], destination: String, destinationIsDirectory: Bool, owner: Owner?, mode: Int?
  ) {
    self.origin = origin
    self.sources = sources
    self.destination = destination
    self.destinationIsDirectory = destinationIsDirectory
    self.owner = owner
    self.mode = mode
  }

  public struct Owner: Hashable, Sendable {
    public var user: String
    public var group: String?

    public init(user: String, group: String?) {
      self.user = user
      self.group = group
    }
  }
}

/// How the container runs.
public struct RuntimeSpec: Hashable, Sendable {
  /// ENTRYPOINT followed by CMD; never empty. The payload runs as PID 1.
  public var argv: [String]
  /// ENV of the final stage, in definition order.
  public var environment: [KeyValue]
  /// nil means root.
  public var user: String?
  /// nil means `/`.
  public var workingDirectory: String?
  public var stopSignal: Signal
  public var volumes: [Volume]
  /// Exposed ports in recipe order, ranges expanded.
  public var ports: [Port]
  public var network: Network
  /// From the image's title/description labels, or a default.
  public var description: String
  /// URLs from the image's documentation/url/source labels.
  public var documentation: [String]

  public init(
    argv: [String], environment: [KeyValue], user: String?, workingDirectory: String?, stopSignal: Signal,
    volumes: [Volume], ports: [Port], network: Network, description: String, documentation: [String]
  ) {
    self.argv = argv
    self.environment = environment
    self.user = user
    self.workingDirectory = workingDirectory
    self.stopSignal = stopSignal
    self.volumes = volumes
    self.ports = ports
    self.network = network
    self.description = description
    self.documentation = documentation
  }

  /// The ports held by the container's `.socket` unit and passed to the payload, in order.
  public var socketPorts: [Port] { ports.filter { $0.activation == .socket } }
  /// The ports reached through systemd-socket-proxyd.
  public var proxyPorts: [Port] { ports.filter { $0.activation == .proxy } }
}

public struct Signal: Hashable, Sendable {
  /// As systemd spells it: `SIGTERM`, `SIGRTMIN+3`.
  public var name: String
  public var number: Int

  public init(name: String, number: Int) {
    self.name = name
    self.number = number
  }
}

public struct Volume: Hashable, Sendable {
  /// Absolute path inside the container.
  public var path: String
  /// The persistent host directory bound there.
  public var hostDirectory: String

  public init(path: String, hostDirectory: String) {
    self.path = path
    self.hostDirectory = hostDirectory
  }
}

public struct Port: Hashable, Sendable {
  public enum Proto: String, Hashable, Sendable { case tcp, udp }
  public enum Activation: String, Hashable, Sendable {
    /// The payload binds the port on the host's network; the service starts at boot.
    case none
    /// A `.socket` unit holds the port; the payload receives it as a file descriptor.
    case socket
    /// A `.socket` unit holds the port; systemd-socket-proxyd forwards to the payload.
    case proxy
  }

  public var number: Int
  public var proto: Proto
  public var activation: Activation

  public init(number: Int, proto: Proto, activation: Activation) {
    self.number = number
    self.proto = proto
    self.activation = activation
  }
}

/// The container's network.
public enum Network: String, Hashable, Sendable {
  /// The host's network namespace (no ports, or ports the payload binds itself).
  case host
  /// Only a loopback device: every port arrives as a socket from systemd.
  case loopbackOnly
  /// A network namespace of the service's own, shared with its systemd-socket-proxyd units.
  case sharedWithProxies
}
