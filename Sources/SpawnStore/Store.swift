import SpawnBasics
import SpawnHost

/// A failed store operation, with a message that says what to do.
public struct StoreError: Error, CustomStringConvertible, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// An image in the store.
public struct ImageInfo: Sendable, Hashable {
  /// The commit checksum (64 hex digits); the content ID is `sha256:` + this.
  public var hex: String
  public var names: [String]
  /// Bytes of file content (each file counted once per image).
  public var size: Int
  /// What it was made from: `import of PATH` or `build of PATH`.
  public var createdFrom: String
  public var id: String { "sha256:" + hex }
}

/// spawnc's image store: an OSTree `bare` repository under the state directory, driven through
/// the `ostree` command. Images are commits made with one canonical recipe (orphan, fixed
/// timestamp and subject), so the same tree always gets the same ID; refs keep them alive:
///
/// - `spawnc/images/NAME`: a named image (imported with `--name`, or built for container NAME);
/// - `spawnc/ids/HEX`: every imported image, named or not;
/// - `spawnc/cache/KEY`: the build step cache.
///
/// Containers run from hardlink checkouts in `STATE/checkouts/HEX`, made under a temporary name
/// and renamed into place; `STATE/images/NAME` links to the checkout of container NAME's image.
public struct Store: Sendable {
  public let stateDirectory: String

  public init(stateDirectory: String) {
    self.stateDirectory = stateDirectory
  }

  public var repository: String { stateDirectory + "/repo" }
  public var checkouts: String { stateDirectory + "/checkouts" }
  public var links: String { stateDirectory + "/images" }
  public var temporary: String { stateDirectory + "/tmp" }

  /// The canonical commit recipe: no parent, fixed time and subject.
  public static let canonicalCommitOptions = [
    "--orphan", "--timestamp=1970-01-01T00:00:00Z", "--subject=spawnc layer",
  ]

  // MARK: Running ostree

  @discardableResult
  func ostree(_ arguments: [String], input: [UInt8]? = nil) throws(StoreError) -> CommandResult {
    let result: CommandResult
    do {
      result = try Command.run(["ostree", "--repo=" + repository] + arguments, input: input)
    } catch {
      throw StoreError("\(error); install the `ostree` package")
    }
    guard result.succeeded else {
      let detail = result.errorText.split(separator: "\n").last.map(String.init) ?? "exit status \(result.status)"
      throw StoreError("ostree \(arguments.first ?? ""): \(detail)")
    }
    return result
  }

  /// Creates the state directory layout and the repository when missing.
  public func ensure() throws(StoreError) {
    do {
      for directory in [stateDirectory, temporary, checkouts, links] { try FileSystem.makeDirectories(directory) }
    } catch {
      throw StoreError(error.description)
    }
    if !FileSystem.isDirectory(repository + "/objects") {
      try ostree(["init", "--mode=bare"])
    }
  }

  // MARK: Refs and names

  /// Every ref of the repository.
  public func refs() throws(StoreError) -> [String] {
    guard FileSystem.isDirectory(repository + "/objects") else { return [] }
    return try ostree(["refs"]).outputText.split(separator: "\n").map(String.init).sorted()
  }

  public func commit(ofRef ref: String) throws(StoreError) -> String {
    try ostree(["rev-parse", ref]).outputText.trimmingNewline()
  }

  /// Whether a commit is in the repository.
  public func hasCommit(_ hex: String) -> Bool {
    (try? ostree(["show", hex])) != nil
  }

  /// An image by name, `sha256:<id>`, or an unambiguous prefix of at least 12 hex digits.
  public func resolve(_ reference: String) throws(StoreError) -> String {
    let all = try refs()
    if all.contains("spawnc/images/" + reference) { return try commit(ofRef: "spawnc/images/" + reference) }
    var hex = reference
    if hex.hasPrefix("sha256:") { hex.removeFirst(7) }
    let isHex = !hex.isEmpty && hex.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    if isHex && hex.utf8.count == 64 {
      guard hasCommit(hex) else {
        throw StoreError("no image \(reference) in \(stateDirectory); import it with `spawnc import ROOTFS.tar`")
      }
      return hex
    }
    if isHex && hex.utf8.count >= 12 {
      var matches: Set<String> = []
      for ref in all where ref.hasPrefix("spawnc/images/") || ref.hasPrefix("spawnc/ids/") {
        let target = try commit(ofRef: ref)
        if target.hasPrefix(hex) { matches.insert(target) }
      }
      if matches.count == 1 { return matches.first! }
      if matches.count > 1 { throw StoreError("\(reference) names more than one image; give more digits") }
    }
    throw StoreError("no image named \(reference); `spawnc images` lists them")
  }

  /// Image names follow container names, plus `.` and `_` after the first character.
  public static func isValidImageName(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard let first = bytes.first, bytes.count <= 128 else { return false }
    func isAlphanumeric(_ byte: UInt8) -> Bool {
      (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
    }
    return isAlphanumeric(first)
      && bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") }
  }

  // MARK: Metadata

  /// A string from a commit's metadata (or its detached metadata, which is not part of the ID).
  public func metadata(_ hex: String, key: String, detached: Bool = false) -> String? {
    let option = detached ? "--print-detached-metadata-key=" : "--print-metadata-key="
    guard let result = try? ostree(["show", option + key, hex]) else { return nil }
    return GVariantText.string(result.outputText.trimmingNewline())
  }

  /// The bytes of file content in a commit, each distinct file counted once.
  public func size(of hex: String) throws(StoreError) -> Int {
    let listing = try ostree(["ls", "-R", "-C", hex]).outputText
    var seen: Set<Substring> = []
    var total = 0
    for line in listing.split(separator: "\n") {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      guard fields.count >= 5, fields[0].first == "-", let size = Int(fields[3]) else { continue }
      if seen.insert(fields[4]).inserted { total += size }
    }
    return total
  }

  /// Every image (imported or built) with its names, size and origin.
  public func images() throws(StoreError) -> [ImageInfo] {
    var names: [String: [String]] = [:]
    var order: [String] = []
    for ref in try refs() where ref.hasPrefix("spawnc/images/") || ref.hasPrefix("spawnc/ids/") {
      let hex = try commit(ofRef: ref)
      if names[hex] == nil {
        names[hex] = []
        order.append(hex)
      }
      if ref.hasPrefix("spawnc/images/") { names[hex]!.append(String(ref.dropFirst("spawnc/images/".count))) }
    }
    var result: [ImageInfo] = []
    for hex in order {
      let source = metadata(hex, key: "spawnc.source", detached: true) ?? ""
      let kind = metadata(hex, key: "spawnc.recipe-sha256") == nil ? "import of" : "build of"
      result.append(
        ImageInfo(hex: hex, names: names[hex]!.sorted(), size: try size(of: hex), createdFrom: source.isEmpty ? "" : kind + " " + source))
    }
    return result.sorted { ($0.names.first ?? "~" + $0.hex) < ($1.names.first ?? "~" + $1.hex) }
  }
}

extension String {
  func trimmingNewline() -> String {
    var text = self
    while text.hasSuffix("\n") { text.removeLast() }
    return text
  }
}

/// Reads strings in GLib's GVariant text format, as `ostree show` prints metadata values.
enum GVariantText {
  /// `'text'` or `"text"` with GVariant's escapes; nil for anything else.
  static func string(_ text: String) -> String? {
    let scalars = Array(text.unicodeScalars)
    guard scalars.count >= 2, let quote = scalars.first, quote == "'" || quote == "\"", scalars.last == quote else {
      return nil
    }
    var out = String.UnicodeScalarView()
    var index = 1
    while index < scalars.count - 1 {
      let scalar = scalars[index]
      index += 1
      guard scalar == "\\", index < scalars.count - 1 else {
        out.append(scalar)
        continue
      }
      let escaped = scalars[index]
      index += 1
      switch escaped {
      case "n": out.append("\n")
      case "t": out.append("\t")
      case "r": out.append("\r")
      case "a": out.append("\u{07}")
      case "b": out.append("\u{08}")
      case "f": out.append("\u{0C}")
      case "v": out.append("\u{0B}")
      case "u", "U":
        let count = escaped == "u" ? 4 : 8
        var value: UInt32 = 0
        for _ in 0..<count where index < scalars.count - 1 {
          value = value * 16 + UInt32(Int(String(scalars[index]), radix: 16) ?? 0)
          index += 1
        }
        out.append(Unicode.Scalar(value) ?? "\u{FFFD}")
      default: out.append(escaped)
      }
    }
    return String(out)
  }
}
