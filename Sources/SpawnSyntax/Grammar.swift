/// The tables of the Spawnfile language: which instructions and flags spawnc accepts.
///
/// `grammar/spawnfile.ebnf` is the normative grammar; a test keeps it and these tables in
/// agreement, so change both together.
public enum Grammar {
  /// How a flag takes its value.
  public enum FlagKind: Sendable {
    /// `--name=value`; the value is required.
    case value
    /// `--name`, `--name=true` or `--name=false`.
    case boolean
  }

  public struct FlagSpec: Sendable {
    public let name: String
    public let kind: FlagKind
  }

  /// Instructions spawnc compiles, in the order the language reference lists them.
  public static let supportedInstructions: [InstructionKind] = [
    .from, .run, .cmd, .entrypoint, .copy, .env, .arg, .workdir, .user, .expose, .volume, .label, .stopsignal,
  ]

  /// Dockerfile instructions spawnc recognises and rejects with a specific diagnostic.
  public static let unsupportedInstructions: [InstructionKind] = [.add, .onbuild, .healthcheck, .shell, .maintainer]

  /// The flags each instruction accepts.
  public static func flags(for kind: InstructionKind) -> [FlagSpec] {
    switch kind {
    case .copy:
      [
        FlagSpec(name: "from", kind: .value), FlagSpec(name: "chown", kind: .value),
        FlagSpec(name: "chmod", kind: .value), FlagSpec(name: "link", kind: .boolean),
      ]
    case .expose:
      [FlagSpec(name: "activation", kind: .value)]
    default:
      []
    }
  }

  /// BuildKit flags that spawnc knows but does not support (SP5006 rather than "unknown flag").
  public static func unsupportedFlags(for kind: InstructionKind) -> [String] {
    switch kind {
    case .run: ["mount", "network", "security", "device"]
    case .from: ["platform"]
    case .copy: ["parents", "exclude"]
    default: []
    }
  }

  /// The values of `EXPOSE --activation=`.
  public static let activationModes = ["none", "socket", "proxy"]

  /// Every instruction keyword as written in the language (upper case).
  public static var keywords: [String] { supportedInstructions.map { $0.rawValue.uppercased() } }
}
