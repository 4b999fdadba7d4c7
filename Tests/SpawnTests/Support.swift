import Foundation
import SpawnBasics

/// Paths and file helpers shared by the tests.
enum TestPaths {
  /// The package root (this file is `Tests/SpawnTests/Support.swift`).
  static let root: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()

  /// `../shared/corpus`, the external conformance corpus.
  static var corpus: String { root + "/../shared/corpus" }
  static var examples: String { root + "/examples" }
  static var cases: String { root + "/Tests/Cases" }

  static func read(_ path: String) -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else { return [] }
    return [UInt8](data)
  }

  static func readText(_ path: String) -> String { String(decoding: read(path), as: UTF8.self) }

  static func list(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
  }

  static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
}
