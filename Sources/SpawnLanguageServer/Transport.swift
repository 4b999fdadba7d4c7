import SpawnBasics
import SpawnHost

#if canImport(Glibc)
  import Glibc
#endif

/// The base protocol of LSP over a pair of file descriptors: each message is a header block
/// (`Content-Length: N`, optionally `Content-Type`), an empty line, and N bytes of JSON.
final class Transport {
  /// What reading produced.
  enum Incoming {
    case message([UInt8])
    /// A header block without a usable Content-Length; the block was skipped.
    case badHeader(String)
    case endOfInput
  }

  /// Messages larger than this are refused (and skipped), so a broken client cannot make the
  /// server allocate without bound.
  static let maximumLength = 64 << 20

  let input: Int32
  let output: Int32
  private var buffer: [UInt8] = []
  private var start = 0

  init(input: Int32, output: Int32) {
    self.input = input
    self.output = output
  }

  /// The next message, blocking until it is complete.
  func read() -> Incoming {
    // The header block ends with an empty line.
    var headerEnd: Int?
    while true {
      headerEnd = find([13, 10, 13, 10])
      if headerEnd != nil { break }
      if buffer.count - start > 64 * 1024 {  // no header is that long: drop it
        let text = String(decoding: buffer[start..<min(buffer.count, start + 80)], as: UTF8.self)
        start = buffer.count
        return .badHeader("a header block longer than 64 KiB, starting \(text.debugDescription)")
      }
      guard fill() else { return .endOfInput }
    }
    let headerText = String(decoding: buffer[start..<headerEnd!], as: UTF8.self)
    start = headerEnd! + 4
    var length: Int?
    for line in headerText.split(separator: "\r\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let name = line[..<colon].lowercased()
      let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
      if name == "content-length" { length = Int(value) }
    }
    guard let length, length >= 0 else {
      return .badHeader("no valid Content-Length in the header \(headerText.debugDescription)")
    }
    guard length <= Self.maximumLength else {
      // Skip the body we refuse.
      var remaining = length
      while remaining > 0 {
        if start >= buffer.count, !fill() { return .endOfInput }
        let take = min(remaining, buffer.count - start)
        start += take
        remaining -= take
      }
      return .badHeader("a message of \(length) bytes, over the limit of \(Self.maximumLength)")
    }
    while buffer.count - start < length {
      guard fill() else { return .endOfInput }
    }
    let body = Array(buffer[start..<start + length])
    start += length
    compact()
    return .message(body)
  }

  /// Writes one message.
  func write(_ value: JSONValue) {
    let body = Array(value.rendered(pretty: false).utf8)
    FileSystem.writeAll(Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body, to: output)
  }

  /// Reads more input; false at the end of it.
  private func fill() -> Bool {
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = chunk.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress!, $0.count) }
      if count > 0 {
        buffer.append(contentsOf: chunk[0..<count])
        return true
      }
      if count < 0 && errno == EINTR { continue }
      return false
    }
  }

  private func find(_ pattern: [UInt8]) -> Int? {
    guard buffer.count - start >= pattern.count else { return nil }
    var index = start
    while index + pattern.count <= buffer.count {
      if buffer[index] == pattern[0] && buffer[index..<index + pattern.count].elementsEqual(pattern) { return index }
      index += 1
    }
    return nil
  }

  private func compact() {
    if start > 1 << 20 || start == buffer.count {
      buffer.removeFirst(start)
      start = 0
    }
  }
}

extension StringProtocol {
  func trimmingCharacters(in set: String) -> String {
    var scalars = Substring(self).unicodeScalars[...]
    while let first = scalars.first, set.unicodeScalars.contains(first) { scalars = scalars.dropFirst() }
    while let last = scalars.last, set.unicodeScalars.contains(last) { scalars = scalars.dropLast() }
    return String(String.UnicodeScalarView(scalars))
  }
}
