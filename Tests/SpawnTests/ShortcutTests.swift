import SpawnHost
import SpawnLowering
import Testing

@testable import SpawnDriver
@testable import SpawnSema
@testable import SpawnSyntax

/// The shortcuts taken for speed (plain words in the shell lexer, clean paths) give exactly
/// what the full processing gives, checked on every short string over alphabets that hold
/// each character the shortcuts look at.
@Suite struct Shortcuts {
  /// Every string of up to `length` pieces of `alphabet`.
  static func strings(_ alphabet: [String], upTo length: Int) -> [String] {
    var all = [""]
    var last = [""]
    for _ in 0..<length {
      last = last.flatMap { prefix in alphabet.map { prefix + $0 } }
      all += last
    }
    return all
  }

  @Test(arguments: [("\\", false, false), ("`", false, false), ("\\", true, false), ("\\", false, true)] as [(Unicode.Scalar, Bool, Bool)])
  func plainWordsTakeTheShortcut(escape: Unicode.Scalar, rawQuotes: Bool, skipQuotes: Bool) {
    var lexer = ShellLexer(escapeToken: escape)
    lexer.rawQuotes = rawQuotes
    lexer.skipProcessQuotes = skipQuotes
    let alphabet = ["a", "/", ".", "$", "'", "\"", "\\", "`", " ", "\t", "é", "<", "{", "}", "-"]
    var shortcuts = 0
    for text in Self.strings(alphabet, upTo: 4) {
      let full = try? lexer.processInFull(text, lookup: { $0 == "a" ? "x y" : nil })
      guard let shortcut = lexer.plainResult(text) else { continue }
      shortcuts += 1
      #expect(full?.value == shortcut.value, "value of \(text.debugDescription)")
      #expect(full?.words == shortcut.words, "words of \(text.debugDescription)")
      #expect(full?.references == shortcut.references, "references of \(text.debugDescription)")
    }
    // The shortcut is taken for the words it is meant for, and only those.
    #expect(shortcuts > 500)
    #expect(lexer.plainResult("app@sha256:0123/x.y-z_1") != nil)
    #expect((lexer.plainResult("GREETING=\"hello world\"") != nil) == !(rawQuotes || skipQuotes))
    for text in ["$a", "a b", "'a", "\"a", "a\(escape)b", "é", "<<EOF", "a\tb", "\"$a\""] {
      #expect(lexer.plainResult(text) == nil, "\(text.debugDescription)")
    }
  }

  @Test func cleanPathsAreReturnedAsTheyAre() {
    var unchanged = 0
    for path in Self.strings(["a", ".", "/"], upTo: 8) where !path.isEmpty {
      let rebuilt = Values.rebuild(path)
      #expect(Values.clean(path) == rebuilt, "clean(\(path.debugDescription))")
      if Values.isClean(path) {
        unchanged += 1
        #expect(rebuilt == path, "\(path.debugDescription) taken as clean")
      }
    }
    #expect(unchanged > 100)
    #expect(Values.clean("/srv/data") == "/srv/data" && Values.isClean("/srv/data"))
    #expect(Values.clean("/srv//data/./x/../") == "/srv/data")
  }

  /// The byte-level `systemd-escape --path` gives what systemd's own tool gives.
  @Test func escapedPathsMatchSystemdEscape() throws {
    let paths = [
      "/srv/data", "/var/lib/my-app", "//a//b/", "/", "", "/.hidden/x.y", "/a b/ü/%x:y_z", "relative/path", "/..a/.b",
      "/tab\there", "/-/\\",
    ]
    for path in paths {
      let expected = try Harness.run(["systemd-escape", "--path", "--", path]).stdout.trimmingCharacters(in: .newlines)
      #expect(Lowering.escapePath(path) == expected, "\(path.debugDescription)")
    }
  }

  @Test func defaultNameIsTheLastComponent() {
    #expect(Driver.defaultName(recipeDirectory: "/etc/spawnc/web") == "web")
    #expect(Driver.defaultName(recipeDirectory: "/etc/spawnc/web/") == "web")
    #expect(Driver.defaultName(recipeDirectory: "web") == "web")
    #expect(Driver.defaultName(recipeDirectory: "/") == "app")
    #expect(Driver.defaultName(recipeDirectory: "") == "app")
  }

  @Test func plainPortsAreParsedAsInFull() {
    var plain = 0
    for text in Self.strings(["0", "1", "6", "9", "5", "-", "/", "a"], upTo: 6) {
      guard let shortcut = Values.plainPort(text) else { continue }
      plain += 1
      #expect(shortcut == Values.portInFull(text), "\(text.debugDescription)")
    }
    #expect(plain > 1000)
    #expect(Values.port("8080") == .ok(first: 8080, last: 8080, proto: .tcp))
    #expect(Values.port("65536") == .invalidPort("65536") && Values.port("0") == .invalidPort("0"))
  }

  /// The hand-split `SPAWNC_RECIPE_DIRS` agrees with `split(separator:)`, empty parts dropped.
  @Test func recipeDirectoriesSplitLikeSplit() {
    for variable in ["/a", "/a:/b", "/a::/b:", ":/a", "::", ":", "rel:/x/y", "/é:/ü"] {
      let expected = variable.split(separator: ":").map { FileSystem.absolute(String($0)) }
      #expect(Generator.recipeDirectories(variable) == expected, "\(variable.debugDescription)")
    }
    #expect(Generator.recipeDirectories("") == Generator.defaultRecipeDirectories)
    #expect(Generator.recipeDirectories(nil) == Generator.defaultRecipeDirectories)
  }

  /// The keyword switch knows every instruction kind, in any case, and nothing else.
  @Test func keywordsMatchTheirKinds() {
    for kind in InstructionKind.allCases where kind != .unknown {
      #expect(InstructionKind(keyword: kind.rawValue) == kind)
      #expect(InstructionKind(keyword: kind.rawValue.uppercased()) == kind)
      #expect(InstructionKind(keyword: kind.rawValue + "x") == .unknown)
    }
    #expect(InstructionKind(keyword: "unknown") == .unknown && InstructionKind(keyword: "") == .unknown)
  }
}
