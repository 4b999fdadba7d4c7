#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The C library's glob(3) (FileSystem.glob shadows the name inside the type).
private func systemGlob(_ pattern: String, _ result: inout glob_t) -> Int32 {
  glob(pattern, 0, nil, &result)
}

/// A failed file-system operation, with the path and the system's reason.
public struct FileSystemError: Error, CustomStringConvertible, Sendable {
  public var operation: String
  public var path: String
  public var reason: String
  /// The `errno` value, when the system gave one.
  public var code: Int32 = 0

  public var description: String { "cannot \(operation) \(path): \(reason)" }

  public init(operation: String, path: String, reason: String) {
    self.operation = operation
    self.path = path
    self.reason = reason
  }

  init(_ operation: String, _ path: String, errno code: Int32 = errno) {
    self.operation = operation
    self.path = path
    self.reason = String(cString: strerror(code))
    self.code = code
  }
}

/// The few file-system operations the driver needs, on the C library directly (no Foundation:
/// `spawnc check` must start in a few milliseconds).
public enum FileSystem {
  /// Reads a whole file, or standard input for `-`.
  public static func read(_ path: String) throws(FileSystemError) -> [UInt8] {
    let descriptor = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw FileSystemError("read", path) }
    defer { if path != "-" { close(descriptor) } }
    // No fstat: read(2) on a directory fails with EISDIR by itself. The chunk is on the stack
    // and not zeroed (recipes are small; the generator reads a thousand of them).
    var bytes: [UInt8] = []
    var failure: Int32 = 0
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1 << 16) { chunk in
      while true {
        let count = Glibc.read(descriptor, chunk.baseAddress, chunk.count)
        if count < 0 {
          if errno == EINTR { continue }
          failure = errno
          return
        }
        if count == 0 { return }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[0..<count]))
      }
    }
    if failure != 0 { throw FileSystemError("read", path, errno: failure) }
    return bytes
  }

  /// What `readIfPresent` found.
  public enum ReadResult: Sendable {
    case read([UInt8])
    /// The file, or a directory on its path, does not exist (or is not a directory).
    case absent
    case failed(FileSystemError)
  }

  /// Reads a file that may not exist, telling absence apart from other failures.
  public static func readIfPresent(_ path: String) -> ReadResult {
    do throws(FileSystemError) {
      return .read(try read(path))
    } catch {
      return error.code == ENOENT || error.code == ENOTDIR ? .absent : .failed(error)
    }
  }

  /// Writes files into a directory so that each appears complete or not at all: every file is
  /// written to a temporary name and flushed first, then all are renamed into place. Without
  /// `durable` nothing is flushed to the disk (the rename still makes each file appear whole to
  /// readers): for output that is made again at every boot, such as a generator's.
  public static func writeAtomically(
    _ files: [(name: String, contents: [UInt8], mode: UInt32)], into directory: String, durable: Bool = true,
    makeDirectory: Bool = true
  ) throws(FileSystemError) {
    if makeDirectory { try makeDirectories(directory) }
    var written: [(temporary: String, final: String)] = []
    do throws(FileSystemError) {
      for file in files {
        let final = directory + "/" + file.name
        let temporary = directory + "/." + file.name + ".spawnc-" + String(getpid())
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(file.mode))
        guard descriptor >= 0 else { throw FileSystemError("create", temporary) }
        written.append((temporary, final))
        var offset = 0
        while offset < file.contents.count {
          let count = file.contents.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
          if count < 0 {
            if errno == EINTR { continue }
            let error = FileSystemError("write", temporary)
            close(descriptor)
            throw error
          }
          offset += count
        }
        _ = fchmod(descriptor, mode_t(file.mode))
        if durable && fsync(descriptor) != 0 {
          let error = FileSystemError("flush", temporary)
          close(descriptor)
          throw error
        }
        close(descriptor)
      }
      for file in written {
        guard rename(file.temporary, file.final) == 0 else { throw FileSystemError("rename to", file.final) }
      }
      let directoryDescriptor = durable ? open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1
      if directoryDescriptor >= 0 {
        _ = fsync(directoryDescriptor)
        close(directoryDescriptor)
      }
    } catch {
      for file in written { unlink(file.temporary) }
      throw error
    }
  }

  /// Creates (or replaces) one file so that readers see all of it or nothing, without flushing
  /// it to disk: the contents go into an unnamed file (`O_TMPFILE`) that is linked into place
  /// when complete, the cheapest atomic write for output made anew at every boot. Where the file
  /// exists already, or the file system lacks `O_TMPFILE`, a temporary name and a rename. The
  /// mode is 0644 less the umask.
  public static func writeFileAtomically(_ contents: [UInt8], to path: String, inDirectory directory: String)
    throws(FileSystemError)
  {
    let temporaryFile: Int32 = 0o20_000_000 | O_DIRECTORY
    let descriptor = open(directory, temporaryFile | O_WRONLY | O_CLOEXEC, mode_t(0o644))
    guard descriptor >= 0 else {
      return try writeAtomically(
        [(name: String(path.dropFirst(directory.utf8.count + 1)), contents: contents, mode: 0o644)], into: directory,
        durable: false, makeDirectory: false)
    }
    defer { close(descriptor) }
    try writeAll(contents, to: descriptor, path: path)
    if linkat(AT_FDCWD, "/proc/self/fd/" + String(descriptor), AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 { return }
    guard errno == EEXIST else { throw FileSystemError("create", path) }
    let temporary = directory + "/." + String(path.dropFirst(directory.utf8.count + 1)) + ".spawnc-" + String(getpid())
    unlink(temporary)
    guard linkat(AT_FDCWD, "/proc/self/fd/" + String(descriptor), AT_FDCWD, temporary, AT_SYMLINK_FOLLOW) == 0 else {
      throw FileSystemError("create", temporary)
    }
    guard rename(temporary, path) == 0 else {
      let error = FileSystemError("rename to", path)
      unlink(temporary)
      throw error
    }
  }

  static func writeAll(_ contents: [UInt8], to descriptor: Int32, path: String) throws(FileSystemError) {
    guard writeAll(contents, to: descriptor) else { throw FileSystemError("write", path) }
  }

  /// Writes all the bytes to a descriptor (a pipe, a terminal, /dev/kmsg, a file), retrying
  /// after signals and short writes; false when the descriptor fails (errno says why).
  @discardableResult
  public static func writeAll(_ contents: [UInt8], to descriptor: Int32) -> Bool {
    var offset = 0
    while offset < contents.count {
      let count = contents.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
      if count < 0 && errno == EINTR { continue }
      if count <= 0 { return false }
      offset += count
    }
    return true
  }

  /// Creates a symbolic link where nothing is yet (one call: a link appears whole), else
  /// replaces what is there atomically.
  public static func createSymbolicLink(_ link: String, pointingTo target: String) throws(FileSystemError) {
    if symlink(target, link) == 0 { return }
    guard errno == EEXIST else { throw FileSystemError("create the link", link) }
    try symbolicLink(link, pointingTo: target)
  }

  /// `mkdir -p`.
  public static func makeDirectories(_ path: String) throws(FileSystemError) {
    if isDirectory(path) { return }
    // Usually only the last component is missing.
    if mkdir(path, 0o755) == 0 { return }
    var prefix = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
      prefix += "/" + String(component)
      if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw FileSystemError("create directory", prefix) }
    }
    guard isDirectory(path) else { throw FileSystemError("use directory", path, errno: ENOTDIR) }
  }

  public static func isDirectory(_ path: String) -> Bool {
    var status = stat()
    return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
  }

  public static func exists(_ path: String) -> Bool {
    var status = stat()
    return lstat(path, &status) == 0
  }

  /// The modification time in nanoseconds since the epoch (and the size, to tell apart two
  /// writes within one clock tick), or nil when the file does not exist.
  public static func modificationStamp(_ path: String) -> (nanoseconds: Int, size: Int)? {
    var status = stat()
    guard stat(path, &status) == 0 else { return nil }
    return (Int(status.st_mtim.tv_sec) * 1_000_000_000 + Int(status.st_mtim.tv_nsec), Int(status.st_size))
  }

  public static func isSymbolicLink(_ path: String) -> Bool {
    var status = stat()
    return lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFLNK
  }

  /// The canonical absolute path (symbolic links resolved), or nil if it does not exist.
  public static func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  /// The paths under `directory` that a shell wildcard pattern (relative to it) matches now,
  /// relative to `directory`; the directory's own name is taken literally.
  public static func glob(_ pattern: String, in directory: String) -> [String] {
    var literal = ""
    for character in directory {
      if "*?[\\".contains(character) { literal.append("\\") }
      literal.append(character)
    }
    var result = glob_t()
    defer { globfree(&result) }
    guard systemGlob(literal + "/" + pattern, &result) == 0 else { return [] }
    let prefix = directory.count + 1
    return (0..<Int(result.gl_pathc)).compactMap { index in
      result.gl_pathv[index].map { String(String(cString: $0).dropFirst(prefix)) }
    }
  }

  /// The names in a directory (without `.` and `..`).
  public static func list(_ path: String) -> [String] {
    let names = unsortedList(path)
    return names.count > 1 ? names.sorted() : names
  }

  /// `list` in directory order (for callers that sort what they make of it themselves).
  public static func unsortedList(_ path: String) -> [String] {
    guard let handle = opendir(path) else { return [] }
    defer { closedir(handle) }
    var names: [String] = []
    while let entry = readdir(handle) {
      let name = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  public static func remove(_ path: String) { unlink(path) }

  /// Creates a symbolic link at `link` (replacing a file or link there, atomically).
  public static func symbolicLink(_ link: String, pointingTo target: String) throws(FileSystemError) {
    let temporary = link + ".spawnc-" + String(getpid())
    unlink(temporary)
    guard symlink(target, temporary) == 0 else { throw FileSystemError("create the link", link) }
    guard rename(temporary, link) == 0 else {
      let error = FileSystemError("create the link", link)
      unlink(temporary)
      throw error
    }
  }

  /// The target of a symbolic link.
  public static func readLink(_ path: String) -> String? {
    var buffer = [UInt8](repeating: 0, count: 4097)
    let count = buffer.withUnsafeMutableBytes { readlink(path, $0.baseAddress!.assumingMemoryBound(to: CChar.self), 4096) }
    guard count >= 0 else { return nil }
    return String(decoding: buffer[0..<count], as: UTF8.self)
  }

  public static func processIdentifier() -> Int32 { getpid() }

  /// Whether a process with this ID exists.
  public static func processExists(_ pid: Int32) -> Bool {
    kill(pid, 0) == 0 || errno == EPERM
  }

  /// The current directory.
  public static func currentDirectory() -> String {
    guard let buffer = getcwd(nil, 0) else { return "." }
    defer { free(buffer) }
    return String(cString: buffer)
  }

  /// An absolute, lexically clean version of a path.
  public static func absolute(_ path: String) -> String {
    if isNormalAbsolute(path) { return path }
    let joined = path.hasPrefix("/") ? path : currentDirectory() + "/" + path
    var parts: [Substring] = []
    for part in joined.split(separator: "/") {
      if part == "." { continue }
      if part == ".." {
        if !parts.isEmpty { parts.removeLast() }
        continue
      }
      parts.append(part)
    }
    return "/" + parts.joined(separator: "/")
  }

  /// An absolute path that `absolute` would return unchanged: no empty, `.` or `..` component
  /// and no trailing slash (the common case, answered without splitting).
  static func isNormalAbsolute(_ path: String) -> Bool {
    var previous: UInt8 = 0
    var dots = 0  // dots since the last slash, or -1 once the component has anything else
    var first = true
    for byte in path.utf8 {
      if first {
        guard byte == 0x2F else { return false }
        first = false
        previous = byte
        continue
      }
      if byte == 0x2F {
        if previous == 0x2F || dots > 0 { return false }
        dots = 0
      } else if byte == 0x2E, dots >= 0 {
        dots += 1
      } else {
        dots = -1
      }
      previous = byte
    }
    if first { return false }
    return path == "/" || (previous != 0x2F && dots <= 0)
  }

  /// Whether standard error is a terminal (for coloured output).
  public static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }

  /// An environment variable.
  public static func environment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
  }
}

/// An open directory whose entries are written relative to it (no path walk from `/` for each
/// file): the output directory of the generator, which writes thousands of files.
public final class DirectoryHandle: @unchecked Sendable {
  public let path: String
  let descriptor: Int32

  public init(_ path: String) throws(FileSystemError) {
    descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { throw FileSystemError("open directory", path) }
    self.path = path
  }

  deinit { close(descriptor) }

  /// Creates or replaces the file `name` (relative, no `..`) so that readers see all of it or
  /// nothing, without flushing it to disk: the contents go into an unnamed file (`O_TMPFILE`)
  /// linked into place when complete; where the name is taken, a temporary name and a rename.
  /// The mode is 0644 less the umask.
  public func writeFile(_ name: String, _ contents: [UInt8]) throws(FileSystemError) {
    // An empty file appears whole by nature: one call, where the name is free.
    if contents.isEmpty && mknodat(descriptor, name, S_IFREG | 0o644, 0) == 0 { return }
    let temporaryFile: Int32 = 0o20_000_000 | O_DIRECTORY
    let file = openat(descriptor, ".", temporaryFile | O_WRONLY | O_CLOEXEC, mode_t(0o644))
    guard file >= 0 else {
      return try FileSystem.writeAtomically(
        [(name: name, contents: contents, mode: 0o644)], into: path, durable: false, makeDirectory: false)
    }
    defer { close(file) }
    try FileSystem.writeAll(contents, to: file, path: path + "/" + name)
    if link(file, as: name) { return }
    guard errno == EEXIST else { throw FileSystemError("create", path + "/" + name) }
    let temporary = "." + name.split(separator: "/").joined(separator: "-") + ".spawnc-" + String(getpid())
    unlinkat(descriptor, temporary, 0)
    guard link(file, as: temporary) else { throw FileSystemError("create", path + "/" + temporary) }
    guard renameat(descriptor, temporary, descriptor, name) == 0 else {
      let error = FileSystemError("rename to", path + "/" + name)
      unlinkat(descriptor, temporary, 0)
      throw error
    }
  }

  /// Gives the unnamed file a name: by descriptor (needs CAP_DAC_READ_SEARCH, which the
  /// generator has as root), else through /proc.
  func link(_ file: Int32, as name: String) -> Bool {
    if linkat(file, "", descriptor, name, 0x1000) == 0 { return true }  // AT_EMPTY_PATH
    if errno == EEXIST { return false }
    return linkat(AT_FDCWD, "/proc/self/fd/" + String(file), descriptor, name, AT_SYMLINK_FOLLOW) == 0
  }

  /// `mkdir` of a direct subdirectory; one that exists is fine.
  public func makeDirectory(_ name: String) throws(FileSystemError) {
    if mkdirat(descriptor, name, 0o755) != 0 && errno != EEXIST {
      throw FileSystemError("create directory", path + "/" + name)
    }
  }

  /// Creates the symbolic link `name` (relative) to `target`; one call where the name is free
  /// (a link appears whole), else a temporary name and a rename.
  public func symbolicLink(_ name: String, to target: String) throws(FileSystemError) {
    if symlinkat(target, descriptor, name) == 0 { return }
    guard errno == EEXIST else { throw FileSystemError("create the link", path + "/" + name) }
    let temporary = name + ".spawnc-" + String(getpid())
    unlinkat(descriptor, temporary, 0)
    guard symlinkat(target, descriptor, temporary) == 0, renameat(descriptor, temporary, descriptor, name) == 0 else {
      let error = FileSystemError("create the link", path + "/" + name)
      unlinkat(descriptor, temporary, 0)
      throw error
    }
  }
}
