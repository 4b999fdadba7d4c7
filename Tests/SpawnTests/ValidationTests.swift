import Foundation
import SpawnDriver
import SpawnIR
import Testing

/// Every file spawnc emits for the examples passes the real validators.
@Suite struct RealValidators {
  /// `systemd-analyze verify` exits 0 on warnings, so clean means exit 0 and no output at all.
  @Test(arguments: Harness.exampleNames)
  func unitsVerifyClean(_ name: String) throws {
    let compilation = Harness.compileExample(name)
    let (status, output) = try SystemdTools.verify(compilation.outputs)
    #expect(status == 0 && output.isEmpty, "systemd-analyze verify on \(name):\n\(output)")
  }

  @Test(arguments: Harness.exampleNames)
  func buildScriptPassesShellcheck(_ name: String) throws {
    let compilation = Harness.compileExample(name)
    let script = try #require(compilation.outputs.first { $0.name.hasPrefix("build-") })
    let (status, output) = try SystemdTools.shellcheck(script.contents)
    #expect(status == 0 && output.isEmpty, "shellcheck build-\(name).sh:\n\(output)")
  }

  /// The project's own scripts (set-up, tests, CI, benchmark, test host) are shellcheck-clean.
  @Test func repositoryScriptsPassShellcheck() throws {
    let scripts = TestPaths.list(TestPaths.root + "/scripts").filter { $0.hasSuffix(".sh") }.map { "scripts/" + $0 }
    #expect(scripts.contains("scripts/e2e.sh") && scripts.contains("scripts/test-host.sh"))
    let result = try Harness.run(
      ["/bin/sh", "-c", "cd \"$1\" && shift && shellcheck -x \"$@\"", "sh", TestPaths.root] + scripts + [".ci/run"])
    #expect(result.status == 0 && result.stdout.isEmpty, "shellcheck:\n\(result.stdout)\(result.stderr)")
  }

  /// systemd's own parser sees no problem in any unit (`systemd --test` also reports unknown
  /// specifiers, which `verify` lets pass).
  @Test(arguments: Harness.exampleNames)
  func systemdParsesUnitsWithoutWarnings(_ name: String) throws {
    let compilation = Harness.compileExample(name)
    for unit in compilation.outputs where unit.name.hasSuffix(".service") || unit.name.hasSuffix(".socket") {
      let (dump, warnings) = try SystemdTools.parsedUnit(unit.name, among: compilation.outputs)
      #expect(warnings.isEmpty, "\(unit.name): \(warnings)")
      #expect(dump.contains("Unit Load State: loaded"), "\(unit.name) did not load:\n\(dump.prefix(2000))")
    }
  }

  /// The .nspawn file parses without a single warning (nspawn's lint, root only).
  @Test(.enabled(if: getuid() == 0, "needs root: systemd-nspawn reads the settings only as root"), arguments: Harness.exampleNames)
  func nspawnSettingsParseClean(_ name: String) throws {
    let compilation = Harness.compileExample(name)
    guard let settings = compilation.outputs.first(where: { $0.name.hasSuffix(".nspawn") }) else { return }
    let warnings = try SystemdTools.lintNspawn(settings)
    #expect(warnings.isEmpty, "\(settings.name): \(warnings)")
  }

  /// The lint itself notices a bad key, so the clean results above mean something.
  @Test(.enabled(if: getuid() == 0, "needs root"))
  func nspawnLintCatchesBadSettings() throws {
    let bad = GeneratedFile(name: "lintcheck.nspawn", contents: "[Exec]\nBogus=1\nKillSignal=SIGFOO\n")
    let warnings = try SystemdTools.lintNspawn(bad)
    #expect(warnings.count == 2, "\(warnings)")
  }

  @Test func verifyCatchesBadUnits() throws {
    let bad = GeneratedFile(name: "bad.service", contents: "[Service]\nExecStart=/bin/true\nTypo=1\n")
    let (_, output) = try SystemdTools.verify([bad])
    #expect(output.contains("Unknown key"), "\(output)")
  }
}
