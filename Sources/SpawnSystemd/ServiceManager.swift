import CSystemd

#if canImport(Glibc)
  import Glibc
#endif

/// How one job ended: `done`, `failed`, `timeout`, `dependency`, `canceled`, `skipped`, or
/// `unfinished` when spawnc stopped waiting.
public struct JobOutcome: Sendable, Equatable {
  public let unit: String
  public let result: String

  public var succeeded: Bool { result == "done" || result == "skipped" }
}

/// What systemd says about one unit right now.
public struct UnitState: Sendable, Equatable {
  public let unit: String
  /// `loaded`, `not-found`, `bad-setting`, `error`, `masked`.
  public let load: String
  /// `active`, `inactive`, `failed`, `activating`, `deactivating`, …
  public let active: String
  /// The unit type's own state: `running`, `listening`, `dead`, `exited`, …
  public let sub: String
  /// A service's or socket's `Result` (`success`, `exit-code`, `signal`, `timeout`, …); empty for
  /// other unit types.
  public let result: String
}

/// The service manager's operations spawnc needs, on the Manager interface of
/// org.freedesktop.systemd1 (see org.freedesktop.systemd1(5)).
public final class ServiceManager {
  let bus: Bus

  public init() throws { bus = try Bus() }

  /// `systemctl daemon-reload`: the reply comes once the reload is complete.
  public func reload() throws { _ = try bus.callManager("Reload") }

  /// `systemctl enable`: creates the symlinks of the units' [Install] sections.
  public func enable(_ units: [String]) throws -> [UnitFileChange] {
    let reply = try bus.callManager("EnableUnitFiles") { call in
      try call.append(units)
      try call.append(false)  // runtime: no, in /etc
      try call.append(false)  // force: no, never replace a symlink someone else made
    }
    _ = try reply.readBoolean()  // carries install info
    return try reply.readChanges()
  }

  /// `systemctl disable`.
  public func disable(_ units: [String]) throws -> [UnitFileChange] {
    let reply = try bus.callManager("DisableUnitFiles") { call in
      try call.append(units)
      try call.append(false)
    }
    return try reply.readChanges()
  }

  /// Queues a job per unit (`StartUnit`, `StopUnit`, `RestartUnit`, `TryRestartUnit`) and waits
  /// until each has finished, as `systemctl start` does.
  public func run(_ method: String, _ units: [String], timeoutSeconds: UInt64 = 120) throws -> [JobOutcome] {
    _ = try bus.callManager("Subscribe")
    let watcher = JobWatcher()
    var slot: OpaquePointer? = nil
    let sender = bus.throughBusDaemon ? Bus.destination : nil
    let matched = sd_bus_match_signal(
      bus.pointer, &slot, sender, Bus.managerPath, Bus.managerInterface, "JobRemoved", jobRemoved,
      Unmanaged.passUnretained(watcher).toOpaque())
    if matched < 0 { throw SystemdError("watch for finished jobs", errno: matched) }
    defer { sd_bus_slot_unref(slot) }

    var jobs: [(unit: String, path: String)] = []
    for unit in units {
      let reply = try bus.callManager(method) { call in
        try call.append(unit)
        try call.append("replace")
      }
      jobs.append((unit, try reply.readString("o")))
    }
    _ = try bus.process(
      until: { jobs.allSatisfy { watcher.results[$0.path] != nil } }, timeoutMicroseconds: timeoutSeconds * 1_000_000)
    return withExtendedLifetime(watcher) {
      jobs.map { JobOutcome(unit: $0.unit, result: watcher.results[$0.path] ?? "unfinished") }
    }
  }

  /// `systemctl reset-failed`: forgets a unit's failed state (and lets systemd unload it).
  public func resetFailed(_ unit: String) throws {
    _ = try bus.callManager("ResetFailedUnit") { try $0.append(unit) }
  }

  /// Watches started services for `seconds`: a payload that exits at once has still been
  /// "started" (nspawn reports readiness when it launches the payload), so this is how such a
  /// failure is caught. Returns the units that stopped running (failed, waiting to be
  /// restarted, or ended) within the time.
  public func watch(_ units: [String], seconds: Double) throws -> [UnitState] {
    var stopped: [String: UnitState] = [:]
    let deadline = monotonicMicroseconds() + UInt64(seconds * 1_000_000)
    repeat {
      for unit in units where stopped[unit] == nil {
        let state = try state(of: unit)
        if state.active == "failed" || state.active == "inactive" || state.sub == "auto-restart" {
          stopped[unit] = state
        }
      }
      if stopped.count == units.count { break }
      usleep(100_000)
    } while monotonicMicroseconds() < deadline
    return units.compactMap { stopped[$0] }
  }

  /// The unit's load, active and sub state, and its result where the unit type has one.
  public func state(of unit: String) throws -> UnitState {
    let path = try bus.callManager("LoadUnit") { try $0.append(unit) }.readString("o")
    let unitInterface = "org.freedesktop.systemd1.Unit"
    let load = try property(path, unitInterface, "LoadState")
    let active = try property(path, unitInterface, "ActiveState")
    let sub = try property(path, unitInterface, "SubState")
    var result = ""
    for (suffix, interface) in [(".service", "Service"), (".socket", "Socket")] where unit.hasSuffix(suffix) {
      result = (try? property(path, "org.freedesktop.systemd1." + interface, "Result")) ?? ""
    }
    return UnitState(unit: unit, load: load, active: active, sub: sub, result: result)
  }

  /// A string property of a unit object.
  func property(_ path: String, _ interface: String, _ name: String) throws -> String {
    let reply = try bus.call(path: path, interface: "org.freedesktop.DBus.Properties", member: "Get") { call in
      try call.append(interface)
      try call.append(name)
    }
    try reply.enterVariant("s")
    return try reply.readString()
  }
}

/// Collects the results of finished jobs, keyed by job object path.
final class JobWatcher {
  var results: [String: String] = [:]
}

/// The JobRemoved(u id, o job, s unit, s result) signal handler.
private let jobRemoved: sd_bus_message_handler_t = { message, userdata, _ in
  guard let message, let userdata else { return 0 }
  let watcher = Unmanaged<JobWatcher>.fromOpaque(userdata).takeUnretainedValue()
  let signal = Message(borrowing: message)
  guard (try? signal.readUInt32()) != nil, let job = try? signal.readString("o"), (try? signal.readString()) != nil,
    let result = try? signal.readString()
  else { return 0 }
  watcher.results[job] = result
  return 0
}

extension Message {
  /// A message sd-bus lends to a callback: referenced for as long as this object lives.
  convenience init(borrowing pointer: OpaquePointer) {
    self.init(adopting: sd_bus_message_ref(pointer))
  }

  func readBoolean() throws -> Bool {
    var value: Int32 = 0
    let result = sd_bus_message_read_basic(pointer, typeCode("b"), &value)
    if result < 0 { throw SystemdError("read a boolean", errno: result) }
    return value != 0
  }
}
