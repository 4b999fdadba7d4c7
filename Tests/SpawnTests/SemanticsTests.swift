import SpawnBasics
import SpawnDriver
import SpawnIR
import Testing

/// What recipes mean: Dockerfile semantics for variables, stages, commands and values, and the
/// runtime decisions the lowering makes. Positions are checked with `1️⃣` markers.
@Suite struct Semantics {
  static let id = "sha256:" + String(repeating: "c", count: 64)

  static func ir(_ text: String, buildArguments: [String: String] = [:]) throws -> RecipeIR {
    let compilation = Harness.compile(text, buildArguments: buildArguments)
    let rendered = DiagnosticRenderer.human(compilation.diagnostics, in: compilation.file)
    return try #require(compilation.ir, "\(rendered)")
  }

  // MARK: Variables

  @Test func envPairsSeeTheEnvironmentBeforeTheInstruction() {
    assertDiagnostics("FROM \(Self.id)\nENV A=1 B=1️⃣$A\nCMD [\"/app\"]\n", ["1️⃣": "SP3001"])
  }

  @Test func laterInstructionsSeeEarlierValues() throws {
    let ir = try Self.ir("FROM \(Self.id)\nENV A=1\nENV B=${A}2 C=\"$A 3\" D=${MISSING:-d} E=${A:+e}\nCMD [\"/app\"]\n")
    let environment = ir.runtime!.environment.map { "\($0.key)=\($0.value)" }
    #expect(environment == ["PATH=" + "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "A=1", "B=12", "C=1 3", "D=d", "E=e"])
  }

  @Test func globalArgsAreVisibleInFromAndImportedByARGInAStage() throws {
    let text = """
      ARG BASE=\(Self.id)
      ARG GREETING=hello
      FROM ${BASE}
      ARG GREETING
      ENV SAY=$GREETING
      CMD ["/app"]
      """
    let ir = try Self.ir(text)
    #expect(ir.runtime!.environment.last == KeyValue("SAY", "hello"))
    #expect(ir.image.stages[0].base == .image(id: Self.id, name: nil))
    assertDiagnostics(
      "ARG GREETING=hello\nFROM \(Self.id)\nENV SAY=1️⃣$GREETING\nCMD [\"/app\"]\n", ["1️⃣": "SP3001"])
  }

  @Test func buildArgumentsReplaceDefaults() throws {
    let text = "ARG BASE\nFROM $BASE\nARG PORT=80\nEXPOSE $PORT\nCMD [\"/app\"]\n"
    let ir = try Self.ir(text, buildArguments: ["BASE": Self.id, "PORT": "8080"])
    #expect(ir.runtime!.ports == [Port(number: 8080, proto: .tcp, activation: .none)])
  }

  @Test func platformArgumentsHaveValuesWhenDeclared() throws {
    let ir = try Self.ir("FROM \(Self.id)\nARG TARGETARCH\nENV ARCH=$TARGETARCH\nCMD [\"/app\"]\n")
    #expect(ir.runtime!.environment.last?.value.isEmpty == false)
  }

  @Test func argsReachRunStepsButNotTheRuntime() throws {
    let ir = try Self.ir("FROM \(Self.id)\nARG VERSION=1.2\nRUN make\nCMD [\"/app\"]\n")
    #expect(ir.image.stages[0].steps[0].environment.contains(KeyValue("VERSION", "1.2")))
    #expect(!ir.runtime!.environment.contains { $0.key == "VERSION" })
  }

  @Test func variablesInRunAndCmdAreLeftToTheShell() throws {
    let ir = try Self.ir("FROM \(Self.id)\nRUN echo $UNDEFINED\nCMD echo $HOME\n")
    #expect(ir.runtime!.argv == ["/bin/sh", "-c", "echo $HOME"])
    #expect(ir.image.stages[0].steps[0].action == .run(argv: ["/bin/sh", "-c", "echo $UNDEFINED"]))
  }

  @Test func unknownBaseSilencesDependentDiagnostics() {
    // The unpinned base is the one error; variables it may define are not reported.
    assertDiagnostics(
      "FROM 1️⃣golang:1.22 AS build\nWORKDIR $GOPATH/src\nUSER $APP_UID\n", ["1️⃣": "SP2001"])
  }

  // MARK: Stages and commands

  @Test func entrypointAndCmdCombineAsInDocker() throws {
    let cases: [(String, [String])] = [
      ("ENTRYPOINT [\"/ep\", \"-x\"]\nCMD [\"a\", \"b\"]", ["/ep", "-x", "a", "b"]),
      ("ENTRYPOINT [\"/ep\"]\nCMD run now", ["/ep", "/bin/sh", "-c", "run now"]),
      ("ENTRYPOINT exec /ep\nCMD [\"ignored\"]", ["/bin/sh", "-c", "exec /ep", "ignored"]),
      ("CMD [\"/only\"]", ["/only"]),
      ("CMD [\"/a\"]\nENTRYPOINT [\"/ep\"]", ["/ep", "/a"]),
    ]
    for (lines, argv) in cases {
      let ir = try Self.ir("FROM \(Self.id)\n\(lines)\n")
      #expect(ir.runtime?.argv == argv, "\(lines)")
    }
  }

  @Test func entrypointResetsAnInheritedCmd() throws {
    let text = "FROM \(Self.id) AS base\nCMD [\"/base-cmd\"]\nFROM base\nENTRYPOINT [\"/ep\"]\n"
    #expect(try Self.ir(text).runtime?.argv == ["/ep"])
  }

  @Test func stagesInheritConfigurationAndOnlyNeededStagesAreBuilt() throws {
    let text = """
      FROM \(Self.id) AS base
      ENV A=1
      WORKDIR /srv
      CMD ["/base"]
      FROM \(Self.id) AS unused
      RUN echo never built
      FROM base AS final
      COPY --from=0 /etc/hostname /copied
      """
    let ir = try Self.ir(text)
    #expect(ir.image.stages.map(\.index) == [0, 2])
    #expect(ir.runtime?.argv == ["/base"])
    #expect(ir.runtime?.workingDirectory == "/srv")
    #expect(ir.image.stages[1].base == .stage(0))
  }

  @Test func copyDestinationsResolveAgainstWorkdir() throws {
    let text = "FROM \(Self.id)\nWORKDIR /app\nWORKDIR sub/../lib\nCOPY a.conf b.conf conf/\nCOPY x ./y\nCMD [\"/app\"]\n"
    let steps = try Self.ir(text).image.stages[0].steps
    #expect(steps[1].action == .makeDirectory(path: "/app/lib"))
    guard case .copy(let first) = steps[2].action, case .copy(let second) = steps[3].action else {
      Issue.record("expected COPY steps")
      return
    }
    #expect(first.destination == "/app/lib/conf" && first.destinationIsDirectory)
    #expect(second.destination == "/app/lib/y" && !second.destinationIsDirectory)
    #expect(first.sources == [.path("a.conf", isPattern: false), .path("b.conf", isPattern: false)])
  }

  @Test func copyHeredocsBecomeInlineFilesExpandedUnlessQuoted() throws {
    let text = """
      FROM \(Self.id)
      ENV WHO=world
      COPY <<EOF <<"RAW" /etc/
      hello $WHO
      EOF
      keep $WHO
      RAW
      CMD ["/app"]
      """
    let steps = try Self.ir(text).image.stages[0].steps
    guard case .copy(let copy) = steps[0].action else {
      Issue.record("expected a COPY step")
      return
    }
    #expect(copy.sources == [.inline(name: "EOF", content: "hello world\n"), .inline(name: "RAW", content: "keep $WHO\n")])
  }

  @Test func runHeredocsFollowBuildKit() throws {
    let text = """
      FROM \(Self.id)
      RUN <<EOF
      echo one
      EOF
      RUN <<-EOF
      \t#!/usr/bin/env python3
      \tprint("hi")
      \tEOF
      RUN cat <<EOF > /out
      text
      EOF
      CMD ["/app"]
      """
    let steps = try Self.ir(text).image.stages[0].steps.map(\.action)
    #expect(steps[0] == .run(argv: ["/bin/sh", "-c", "echo one\n"]))
    #expect(steps[1] == .runScript(name: "EOF", content: "#!/usr/bin/env python3\nprint(\"hi\")\n"))
    #expect(steps[2] == .run(argv: ["/bin/sh", "-c", "cat <<EOF > /out\ntext\nEOF"]))
  }

  // MARK: Values

  @Test func stopSignalsAreNormalised() throws {
    for (written, name, number) in [("15", "SIGTERM", 15), ("quit", "SIGQUIT", 3), ("SIGRTMIN+3", "SIGRTMIN+3", 37),
      ("RTMAX-1", "SIGRTMIN+29", 63), ("SIGIOT", "SIGABRT", 6)] {
      let ir = try Self.ir("FROM \(Self.id)\nSTOPSIGNAL \(written)\nCMD [\"/app\"]\n")
      #expect(ir.runtime?.stopSignal == Signal(name: name, number: number), "\(written)")
    }
    assertDiagnostics("FROM \(Self.id)\nSTOPSIGNAL 1️⃣65\nCMD [\"/app\"]\n", ["1️⃣": "SP4006"])
    assertDiagnostics("FROM \(Self.id)\nSTOPSIGNAL 1️⃣SIGRTMIN+31\nCMD [\"/app\"]\n", ["1️⃣": "SP4006"])
  }

  @Test func portsExpandRangesAndChooseTheNetwork() throws {
    let socket = try Self.ir("FROM \(Self.id)\nEXPOSE --activation=socket 8000-8002/tcp 53/udp\nCMD [\"/app\"]\n")
    #expect(socket.runtime?.ports.map(\.number) == [8000, 8001, 8002, 53])
    #expect(socket.runtime?.network == .loopbackOnly)
    let mixed = try Self.ir("FROM \(Self.id)\nEXPOSE 80\nEXPOSE --activation=socket 81\nCMD [\"/app\"]\n")
    #expect(mixed.runtime?.network == .host)
    let proxied = try Self.ir("FROM \(Self.id)\nEXPOSE --activation=proxy 80\nEXPOSE --activation=socket 81\nCMD [\"/app\"]\n")
    #expect(proxied.runtime?.network == .sharedWithProxies)
    let none = try Self.ir("FROM \(Self.id)\nCMD [\"/app\"]\n")
    #expect(none.runtime?.network == .host && none.runtime?.ports == [])
  }

  @Test func volumesGetStableHostDirectories() throws {
    let ir = try Self.ir("FROM \(Self.id)\nVOLUME /var/lib/my-app\nVOLUME [\"/data\", \"/data/\"]\nCMD [\"/app\"]\n")
    #expect(
      ir.runtime?.volumes == [
        Volume(path: "/var/lib/my-app", hostDirectory: "/var/lib/spawnc/volumes/app/var-lib-my\\x2dapp"),
        Volume(path: "/data", hostDirectory: "/var/lib/spawnc/volumes/app/data"),
      ])
  }

  @Test func labelsSetDescriptionAndDocumentation() throws {
    let text = """
      FROM \(Self.id)
      LABEL org.opencontainers.image.title="Web" org.opencontainers.image.description="serves pages" \\
            org.opencontainers.image.url="https://example.com/docs" org.opencontainers.image.source="not a url"
      CMD ["/app"]
      """
    let ir = try Self.ir(text)
    #expect(ir.runtime?.description == "Web - serves pages")
    #expect(ir.runtime?.documentation == ["https://example.com/docs"])
    #expect(ir.image.labels.count == 4)
  }

  @Test func aRecipeWithoutACommandIsABaseImage() throws {
    let compilation = Harness.compile("FROM \(Self.id)\nRUN make\n")
    #expect(compilation.diagnostics.map(\.code) == ["SP2013"])
    #expect(compilation.outputs.map(\.name) == ["build-app.sh"])
  }

  // MARK: Positions

  @Test func diagnosticsPointAtTheConstructAcrossContinuations() {
    assertDiagnostics("FROM \(Self.id)\nEXPOSE 80 \\\n    1️⃣99999\nCMD [\"/app\"]\n", ["1️⃣": "SP4001"])
    assertDiagnostics("FROM \(Self.id)\nENV A=1 \\\n  # comment\n  B=${1️⃣NOPE}\nCMD [\"/app\"]\n".replacingOccurrences(of: "${1️⃣NOPE}", with: "1️⃣${NOPE}"), ["1️⃣": "SP3001"])
    assertDiagnostics("FROM \(Self.id)\nCOPY 1️⃣--chwon=a x /y\nCMD [\"/app\"]\n", ["1️⃣": "SP2010"])
    assertDiagnostics("1️⃣FRM \(Self.id)\n", ["1️⃣": "SP1030"])
  }

  @Test func columnsCountCharactersAndUTF16ForEditors() {
    let compilation = Harness.compile("FROM \(Self.id)\nLABEL note=\"é😀\" x=$NOPE\nCMD [\"/app\"]\n")
    let diagnostic = compilation.diagnostics[0]
    let location = compilation.file.location(of: diagnostic.span.start)
    #expect(location.line == 2)
    #expect(location.column == 19)  // `LABEL note="é😀" x=` is 18 characters
    #expect(location.utf16Column == 19)  // 0-based, and 😀 is two UTF-16 code units
  }
}
