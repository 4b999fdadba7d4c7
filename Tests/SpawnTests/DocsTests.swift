import SpawnBasics
import Testing

/// Generated documents stay in step with the code that generates them.
@Suite struct GeneratedDocs {
  @Test func diagnosticsDocIsCurrent() {
    let path = TestPaths.root + "/docs/diagnostics.md"
    let current = TestPaths.readText(path)
    #expect(
      current == DiagnosticCatalog.markdown(),
      "docs/diagnostics.md is out of date; run `swift run spawnc explain --all --markdown > docs/diagnostics.md`")
  }

  @Test func catalogIsWellFormed() {
    let codes = DiagnosticCatalog.all.map(\.code)
    #expect(Set(codes).count == codes.count, "a code is listed twice")
    #expect(codes == codes.sorted(), "keep the catalog in code order")
    #expect(Set(DiagnosticCatalog.all.map(\.name)).count == codes.count, "a name is used twice")
    for kind in DiagnosticCatalog.all {
      #expect(kind.code.hasPrefix("SP") && kind.code.count == 6, "\(kind.code)")
      #expect(!kind.explanation.isEmpty && !kind.summary.hasSuffix(".") && !kind.summary.contains("\n"), "\(kind.code)")
      #expect(DiagnosticCatalog.lookup(kind.code) == kind)
      #expect(DiagnosticCatalog.lookup(kind.name) == kind)
      #expect(DiagnosticCatalog.lookup(kind.code.lowercased()) == kind)
    }
  }
}

import SpawnDriver

/// The README's tour of the language is a valid recipe.
@Suite struct ReadmeRecipe {
  @Test func tourRecipeChecksClean() throws {
    let readme = TestPaths.readText(TestPaths.root + "/README.md")
    let start = try #require(readme.range(of: "```dockerfile\n"))
    let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
    let recipe = String(readme[start.upperBound..<end.lowerBound])
    let compilation = Harness.compile(recipe, name: "web")
    #expect(compilation.diagnostics.isEmpty, "\(DiagnosticRenderer.human(compilation.diagnostics, in: compilation.file))")
    #expect(compilation.outputs.map(\.name) == ["web.nspawn", "web.service", "web.socket", "build-web.sh"])
  }
}
