#if canImport(Glibc)
  import Glibc
#endif

/// A program that could not be started.
public struct CommandError: Error, CustomStringConvertible, Sendable {
  public var program: String
  public var reason: String
  public var description: String { "cannot run \(program): \(reason)" }
}

/// What a finished program left behind.
public struct CommandResult: Sendable {
  /// The exit status, or 128 + the signal number when a signal ended it.
  public var status: Int32
  public var output: [UInt8]
  public var error: [UInt8]

  public var succeeded: Bool { status == 0 }
  public var outputText: String { String(decoding: output, as: UTF8.self) }
  public var errorText: String { String(decoding: error, as: UTF8.self) }
}

/// Runs programs with posix_spawn (found on `PATH` like execvp), without Foundation.
public enum Command {
  /// A helper program installed with spawnc: next to this executable (as built and as
  /// installed), else on `$PATH`.
  public static func siblingExecutable(_ name: String) -> String? {
    // The kernel's link is already canonical (realpath(3) would read every component again).
    if let executable = FileSystem.readLink("/proc/self/exe") ?? FileSystem.realPath("/proc/self/exe"),
      executable.hasPrefix("/"), let slash = executable.lastIndex(of: "/")
    {
      let candidate = String(executable[..<slash]) + "/" + name
      if FileSystem.exists(candidate) { return candidate }
    }
    for directory in (FileSystem.environment("PATH") ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
      let candidate = directory + "/" + name
      if FileSystem.exists(candidate) { return candidate }
    }
    return nil
  }

  /// Where a stream of the child goes.
  public enum Stream: Sendable {
    /// Collected into the result.
    case capture
    /// Shared with this process (progress output, interactive programs).
    case inherit
  }

  /// Runs `argv` to completion. `input` is written to its standard input (which is otherwise
  /// /dev/null); `environment` replaces this process's environment when given.
  public static func run(
    _ argv: [String], input: [UInt8]? = nil, output: Stream = .capture, error: Stream = .capture,
    environment: [String: String]? = nil
  ) throws(CommandError) -> CommandResult {
    precondition(!argv.isEmpty)
    var inputPipe: [Int32] = [-1, -1]
    var outputPipe: [Int32] = [-1, -1]
    var errorPipe: [Int32] = [-1, -1]
    func makePipe(_ pipe: inout [Int32]) throws(CommandError) {
      guard Glibc.pipe(&pipe) == 0 else {
        throw CommandError(program: argv[0], reason: String(cString: strerror(errno)))
      }
      _ = fcntl(pipe[0], F_SETFD, FD_CLOEXEC)
      _ = fcntl(pipe[1], F_SETFD, FD_CLOEXEC)
    }
    if input != nil { try makePipe(&inputPipe) }
    if output == .capture { try makePipe(&outputPipe) }
    if error == .capture { try makePipe(&errorPipe) }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if input != nil {
      posix_spawn_file_actions_adddup2(&actions, inputPipe[0], 0)
    } else {
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    }
    if output == .capture { posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1) }
    if error == .capture { posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2) }

    var arguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for pointer in arguments { free(pointer) } }
    var environmentStrings: [UnsafeMutablePointer<CChar>?] = []
    if let environment {
      environmentStrings = environment.sorted { $0.key < $1.key }.map { strdup($0.key + "=" + $0.value) }
    }
    environmentStrings.append(nil)
    defer { for pointer in environmentStrings { free(pointer) } }

    var pid: pid_t = 0
    let useOwnEnvironment = environment != nil
    let spawned = arguments.withUnsafeMutableBufferPointer { argumentBuffer in
      environmentStrings.withUnsafeMutableBufferPointer { environmentBuffer in
        posix_spawnp(
          &pid, argv[0], &actions, nil, argumentBuffer.baseAddress!,
          useOwnEnvironment ? environmentBuffer.baseAddress! : environ)
      }
    }
    for descriptor in [inputPipe[0], outputPipe[1], errorPipe[1]] where descriptor >= 0 { close(descriptor) }
    guard spawned == 0 else {
      for descriptor in [inputPipe[1], outputPipe[0], errorPipe[0]] where descriptor >= 0 { close(descriptor) }
      throw CommandError(program: argv[0], reason: String(cString: strerror(spawned)))
    }

    var result = CommandResult(status: 0, output: [], error: [])
    pump(input: input ?? [], to: inputPipe[1], output: outputPipe[0], error: errorPipe[0], into: &result)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let signal = status & 0x7F
    result.status = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    return result
  }

  /// Feeds standard input and drains standard output and error together, so that a child
  /// that writes a lot to one stream cannot block on a full pipe.
  static func pump(input: [UInt8], to inputDescriptor: Int32, output: Int32, error: Int32, into result: inout CommandResult) {
    var written = 0
    var descriptors: [pollfd] = []
    if inputDescriptor >= 0 {
      if input.isEmpty { close(inputDescriptor) } else { descriptors.append(pollfd(fd: inputDescriptor, events: Int16(POLLOUT), revents: 0)) }
    }
    if output >= 0 { descriptors.append(pollfd(fd: output, events: Int16(POLLIN), revents: 0)) }
    if error >= 0 { descriptors.append(pollfd(fd: error, events: Int16(POLLIN), revents: 0)) }
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while !descriptors.isEmpty {
      if poll(&descriptors, nfds_t(descriptors.count), -1) < 0 {
        if errno == EINTR { continue }
        break
      }
      var finished: [Int32] = []
      for entry in descriptors where entry.revents != 0 {
        if entry.fd == inputDescriptor {
          let count = input.withUnsafeBytes { write(entry.fd, $0.baseAddress! + written, $0.count - written) }
          if count > 0 { written += count }
          if count < 0 && errno != EINTR && errno != EAGAIN || written == input.count { finished.append(entry.fd) }
          continue
        }
        let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
        if count > 0 {
          if entry.fd == output { result.output.append(contentsOf: buffer[0..<count]) } else { result.error.append(contentsOf: buffer[0..<count]) }
        } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
          finished.append(entry.fd)
        }
      }
      for descriptor in finished {
        close(descriptor)
        descriptors.removeAll { $0.fd == descriptor }
      }
    }
  }

  /// Starts `argv` in the background with standard input from /dev/null and standard output
  /// and error appended to files; returns its process ID. Reap it with `wait`.
  public static func spawn(_ argv: [String], outputFile: String, errorFile: String) throws(CommandError) -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, errorFile, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    var arguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for pointer in arguments { free(pointer) } }
    var pid: pid_t = 0
    let spawned = arguments.withUnsafeMutableBufferPointer {
      posix_spawnp(&pid, argv[0], &actions, nil, $0.baseAddress!, environ)
    }
    guard spawned == 0 else { throw CommandError(program: argv[0], reason: String(cString: strerror(spawned))) }
    return pid
  }

  /// Waits for a child started with `spawn`; returns its exit status (128 + signal number when
  /// a signal ended it).
  public static func wait(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let signal = status & 0x7F
    return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
  }

  /// Replaces this process with `argv` (found on `PATH`); returns only on failure.
  public static func exec(_ argv: [String]) -> CommandError {
    var arguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    _ = arguments.withUnsafeMutableBufferPointer { execvp(argv[0], $0.baseAddress!) }
    let reason = String(cString: strerror(errno))
    for pointer in arguments { free(pointer) }
    return CommandError(program: argv[0], reason: reason)
  }
}
