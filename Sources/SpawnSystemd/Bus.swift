import CSystemd

#if canImport(Glibc)
  import Glibc
#endif

/// A failed call into libsystemd: what was attempted, and the D-Bus error or errno behind it.
public struct SystemdError: Error, CustomStringConvertible, Sendable {
  public let operation: String
  public let message: String

  init(_ operation: String, errno code: Int32) {
    self.operation = operation
    self.message = String(cString: strerror(code < 0 ? -code : code))
  }

  init(_ operation: String, message: String) {
    self.operation = operation
    self.message = message
  }

  public var description: String { "\(operation): \(message)" }
}

/// A D-Bus type code as sd-bus takes it (`'s'`, `'b'`, …).
@inline(__always) func typeCode(_ character: Unicode.Scalar) -> CChar { CChar(UInt8(ascii: character)) }

/// A reference-counted `sd_bus_message`.
final class Message {
  let pointer: OpaquePointer

  init(adopting pointer: OpaquePointer) { self.pointer = pointer }
  deinit { sd_bus_message_unref(pointer) }

  func append(_ string: String) throws {
    try check("append a string", string.withCString { sd_bus_message_append_basic(pointer, typeCode("s"), $0) })
  }

  func append(_ flag: Bool) throws {
    var value: Int32 = flag ? 1 : 0
    try check("append a boolean", sd_bus_message_append_basic(pointer, typeCode("b"), &value))
  }

  func append(_ strings: [String]) throws {
    try check("open an array", sd_bus_message_open_container(pointer, typeCode("a"), "s"))
    for string in strings { try append(string) }
    try check("close an array", sd_bus_message_close_container(pointer))
  }

  /// Reads a value of a basic string-like type (`s` or `o`).
  func readString(_ type: Unicode.Scalar = "s") throws -> String {
    var value: UnsafePointer<CChar>? = nil
    try check("read a string", sd_bus_message_read_basic(pointer, typeCode(type), &value))
    return value.map { String(cString: $0) } ?? ""
  }

  func readUInt32() throws -> UInt32 {
    var value: UInt32 = 0
    try check("read a number", sd_bus_message_read_basic(pointer, typeCode("u"), &value))
    return value
  }

  func readInt32() throws -> Int32 {
    var value: Int32 = 0
    try check("read a number", sd_bus_message_read_basic(pointer, typeCode("i"), &value))
    return value
  }

  func readUInt64() throws -> UInt64 {
    var value: UInt64 = 0
    try check("read a number", sd_bus_message_read_basic(pointer, typeCode("t"), &value))
    return value
  }

  func enterVariant(_ contents: String) throws {
    try check("read a variant", sd_bus_message_enter_container(pointer, typeCode("v"), contents))
  }

  func exitContainer() throws {
    try check("leave a container", sd_bus_message_exit_container(pointer))
  }

  /// Reads an `a(sss)` array, the changes that EnableUnitFiles and DisableUnitFiles report.
  func readChanges() throws -> [UnitFileChange] {
    var changes: [UnitFileChange] = []
    try check("read changes", sd_bus_message_enter_container(pointer, typeCode("a"), "(sss)"))
    while try check("read a change", sd_bus_message_enter_container(pointer, typeCode("r"), "sss")) > 0 {
      let kind = try readString()
      let path = try readString()
      let source = try readString()
      changes.append(UnitFileChange(kind: kind, path: path, source: source))
      try exitContainer()
    }
    try exitContainer()
    return changes
  }

  @discardableResult
  private func check(_ operation: String, _ result: Int32) throws -> Int32 {
    if result < 0 { throw SystemdError(operation, errno: result) }
    return result
  }
}

/// One symlink that enabling or disabling created or removed.
public struct UnitFileChange: Sendable, Equatable {
  /// `symlink` or `unlink`.
  public let kind: String
  public let path: String
  public let source: String
}

/// A connection to the service manager. As root it uses systemd's private socket (as systemctl
/// does), so it also works on hosts without a D-Bus daemon; otherwise the system bus.
public final class Bus {
  let pointer: OpaquePointer
  /// True when connected through a bus daemon (signals then carry a sender name).
  let throughBusDaemon: Bool

  static let destination = "org.freedesktop.systemd1"
  static let managerPath = "/org/freedesktop/systemd1"
  static let managerInterface = "org.freedesktop.systemd1.Manager"

  /// Connects to the system's service manager.
  public init() throws {
    var bus: OpaquePointer? = nil
    let privateSocket = "/run/systemd/private"
    if geteuid() == 0, access(privateSocket, F_OK) == 0 {
      var result = sd_bus_new(&bus)
      if result >= 0 { result = sd_bus_set_address(bus, "unix:path=" + privateSocket) }
      if result >= 0 { result = sd_bus_start(bus) }
      if result < 0 {
        if let bus { sd_bus_unref(bus) }
        throw SystemdError("connect to systemd at \(privateSocket)", errno: result)
      }
      throughBusDaemon = false
    } else {
      let result = sd_bus_open_system(&bus)
      if result < 0 { throw SystemdError("connect to the system bus", errno: result) }
      throughBusDaemon = true
    }
    pointer = bus!
  }

  deinit { sd_bus_flush_close_unref(pointer) }

  /// A method call on the manager object, built by `arguments`.
  func callManager(_ member: String, _ arguments: (Message) throws -> Void = { _ in }) throws -> Message {
    try call(path: Self.managerPath, interface: Self.managerInterface, member: member, arguments)
  }

  /// A method call on systemd's bus name; returns the reply or throws the D-Bus error.
  func call(path: String, interface: String, member: String, _ arguments: (Message) throws -> Void = { _ in })
    throws -> Message
  {
    var request: OpaquePointer? = nil
    let created = sd_bus_message_new_method_call(pointer, &request, Self.destination, path, interface, member)
    if created < 0 { throw SystemdError("call \(member)", errno: created) }
    let call = Message(adopting: request!)
    try arguments(call)
    var error = sd_bus_error(name: nil, message: nil, _need_free: 0)
    defer { sd_bus_error_free(&error) }
    var reply: OpaquePointer? = nil
    // 0: the default timeout (25 s), as systemctl uses for manager calls.
    let result = sd_bus_call(pointer, call.pointer, 0, &error, &reply)
    if result < 0 {
      let message = error.message.map { String(cString: $0) } ?? String(cString: strerror(-result))
      throw SystemdError(member, message: message)
    }
    return Message(adopting: reply!)
  }

  /// Dispatches queued messages (signals to match callbacks) and waits for more, up to
  /// `timeoutMicroseconds`, until `done` holds. Returns false on timeout.
  func process(until done: () -> Bool, timeoutMicroseconds: UInt64) throws -> Bool {
    let deadline = monotonicMicroseconds() + timeoutMicroseconds
    while !done() {
      let processed = sd_bus_process(pointer, nil)
      if processed < 0 { throw SystemdError("read from the bus", errno: processed) }
      if processed > 0 { continue }
      let now = monotonicMicroseconds()
      if now >= deadline { return done() }
      let waited = sd_bus_wait(pointer, deadline - now)
      if waited < 0 && waited != -EINTR { throw SystemdError("wait on the bus", errno: waited) }
    }
    return true
  }
}

/// Microseconds on the monotonic clock.
func monotonicMicroseconds() -> UInt64 {
  var now = timespec()
  clock_gettime(CLOCK_MONOTONIC, &now)
  return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
}

/// Microseconds since the epoch, the journal's realtime clock.
func realtimeMicroseconds() -> UInt64 {
  var now = timespec()
  clock_gettime(CLOCK_REALTIME, &now)
  return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
}
