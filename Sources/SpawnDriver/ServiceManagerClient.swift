import SpawnBasics
import SpawnHost

/// What `spawnc-systemd` reported: the steps it completed, and how the first failure looked.
public struct ManagerReport: Sendable {
  public struct Step: Sendable {
    public var verb: String
    /// For enable and disable: (kind `symlink`/`unlink`, path, source).
    public var changes: [(kind: String, path: String, source: String)]
    /// For start, stop, restart: (unit, job result).
    public var jobs: [(unit: String, result: String)]
    /// For state.
    public var units: [UnitStatus]
  }

  /// A unit's state, and for a unit whose job failed, its last log lines.
  public struct UnitStatus: Sendable {
    public var unit: String
    public var load: String
    public var active: String
    public var sub: String
    public var result: String
    public var log: [String]
  }

  public var steps: [Step]
  /// A call that failed: (step, message).
  public var error: (verb: String, message: String)?
  /// Units whose job did not succeed.
  public var failed: [UnitStatus]

  public var succeeded: Bool { error == nil && failed.isEmpty }
}

/// The service manager, reached through the `spawnc-systemd` helper program (which links
/// libsystemd so that spawnc does not have to).
public enum ServiceManagerClient {
  /// The helper: next to this executable (as built and as installed), else on `$PATH`.
  public static func helperPath() -> String? { Command.siblingExecutable("spawnc-systemd") }

  /// Runs steps such as `["reload", "enable", "web.socket", "start", "web.socket"]`.
  public static func run(_ steps: [String], timeoutSeconds: Int = 120) throws(OperationFailure) -> ManagerReport {
    guard let helper = helperPath() else {
      throw OperationFailure(
        "cannot find spawnc-systemd (next to spawnc or on PATH); install it beside spawnc, or install offline with --root")
    }
    let result: CommandResult
    do {
      result = try Command.run([helper, "--timeout", String(timeoutSeconds)] + steps)
    } catch {
      throw OperationFailure(error.description)
    }
    guard let json = JSONValue.parse(result.outputText) else {
      throw OperationFailure("spawnc-systemd failed (exit status \(result.status)): \(result.errorText)")
    }
    return report(json)
  }

  static func report(_ json: JSONValue) -> ManagerReport {
    func strings(_ value: JSONValue?) -> [String] { (value?.arrayValue ?? []).compactMap(\.stringValue) }
    func status(_ value: JSONValue) -> ManagerReport.UnitStatus {
      ManagerReport.UnitStatus(
        unit: value["unit"]?.stringValue ?? "", load: value["load"]?.stringValue ?? "",
        active: value["active"]?.stringValue ?? "", sub: value["sub"]?.stringValue ?? "",
        result: value["result"]?.stringValue ?? "", log: strings(value["log"]))
    }
    let steps = (json["steps"]?.arrayValue ?? []).map { step in
      ManagerReport.Step(
        verb: step["verb"]?.stringValue ?? "",
        changes: (step["changes"]?.arrayValue ?? []).map {
          ($0["kind"]?.stringValue ?? "", $0["path"]?.stringValue ?? "", $0["source"]?.stringValue ?? "")
        },
        jobs: (step["jobs"]?.arrayValue ?? []).map { ($0["unit"]?.stringValue ?? "", $0["result"]?.stringValue ?? "") },
        units: (step["units"]?.arrayValue ?? []).map(status))
    }
    let error = json["error"].map { ($0["verb"]?.stringValue ?? "", $0["message"]?.stringValue ?? "") }
    return ManagerReport(steps: steps, error: error, failed: (json["failed"]?.arrayValue ?? []).map(status))
  }
}

/// An install, uninstall or service-manager operation that could not be done.
public struct OperationFailure: Error, CustomStringConvertible, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
