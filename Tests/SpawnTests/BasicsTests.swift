import Foundation
import SpawnBasics
import SpawnHost
import Testing

/// spawnc's own SHA-256 (recipe digests in provenance and generated build units) agrees with
/// coreutils' sha256sum on every length around the block boundaries, fed whole or in pieces.
@Suite struct Digests {
  @Test func sha256AgreesWithSha256sum() throws {
    var generator = SystemRandomNumberGenerator()
    for length in [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 100_000] {
      let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
      let path = try Harness.temporaryDirectory("sha") + "/data"
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      let expected = try Harness.run(["sha256sum", path]).stdout.prefix(64)
      #expect(SHA256.hex(bytes) == String(expected), "length \(length)")
      // The generic path (any sequence of bytes, here one without contiguous storage).
      #expect(SHA256.hex(bytes.lazy.map { $0 }) == String(expected), "length \(length), generic")
      var pieces = SHA256()
      var index = 0
      var step = 1
      while index < bytes.count {
        let end = min(bytes.count, index + step)
        pieces.update(bytes[index..<end])
        index = end
        step = step * 3 % 97 + 1
      }
      #expect(pieces.finalizeHex() == String(expected), "length \(length) in pieces")
    }
    #expect(SHA256.hex("abc".utf8) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  }
}

/// `FileSystem.absolute` normalizes; its fast path for already-normal paths changes nothing.
@Suite struct HostPaths {
  @Test func absoluteNormalizes() {
    let cases: [(String, String)] = [
      ("/", "/"), ("/a/b", "/a/b"), ("/a/b/", "/a/b"), ("//a//b", "/a/b"), ("/a/./b", "/a/b"), ("/a/../b", "/b"),
      ("/..", "/"), ("/a/.hidden/b.", "/a/.hidden/b."), ("/a/...", "/a/..."), ("/a/.", "/a"), ("/a/..", "/"),
      ("/é/x y/%n", "/é/x y/%n"), ("/a/b/..c", "/a/b/..c"),
    ]
    for (input, expected) in cases {
      #expect(FileSystem.absolute(input) == expected, "\(input)")
    }
  }
}
