// swift-tools-version:6.0
// spawnc: compiles a Spawnfile (a Dockerfile-like recipe pinned by content ID) into a
// systemd-nspawn settings file, .service/.socket units and a build script.
//
// One target per layer; the dependency graph is the architecture (see ARCHITECTURE.md).
import PackageDescription

/// This directory (the linker's symbol order file is named by its full path).
let packageDirectory = String(#filePath.dropLast("/Package.swift".count))

let package = Package(
  name: "spawnc",
  products: [
    .executable(name: "spawnc", targets: ["spawnc"]),
    .executable(name: "spawnc-systemd", targets: ["spawnc-systemd"]),
    .executable(name: "spawnc-config", targets: ["spawnc-config"]),
    .executable(name: "spawnc-generator", targets: ["spawnc-generator"]),
    .library(name: "SpawnDriver", targets: ["SpawnDriver"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
  ],
  targets: [
    // Source files, positions, diagnostics and their catalog, renderers, JSON output.
    .target(name: "SpawnBasics"),
    // Lexer and parser: Spawnfile text -> syntax tree + diagnostics. Never throws.
    .target(name: "SpawnSyntax", dependencies: ["SpawnBasics"]),
    // Checker: names, variable expansion with Dockerfile scoping, typed values.
    .target(name: "SpawnSema", dependencies: ["SpawnBasics", "SpawnSyntax"]),
    // Canonical formatting (`spawnc fmt`, and the language server's formatting).
    .target(name: "SpawnFormat", dependencies: ["SpawnBasics", "SpawnSyntax"]),
    // Plain data the backends consume: the image plan and the runtime spec.
    .target(name: "SpawnIR", dependencies: ["SpawnBasics"]),
    // The only module that sees both the checked recipe and the IR.
    .target(name: "SpawnLowering", dependencies: ["SpawnBasics", "SpawnSyntax", "SpawnSema", "SpawnIR"]),
    // Backends: each imports the IR only.
    .target(name: "SpawnNspawn", dependencies: ["SpawnIR"]),
    .target(name: "SpawnUnits", dependencies: ["SpawnIR"]),
    .target(name: "SpawnBuildScript", dependencies: ["SpawnIR"]),
    // The host: files and processes, on the C library only (no Foundation, for start-up time).
    .target(name: "SpawnHost"),
    // libsystemd (sd-bus, sd-journal), for talking to the service manager.
    .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
    // The service manager over D-Bus: reload, enable, start and wait for jobs, unit state, logs.
    .target(name: "SpawnSystemd", dependencies: ["CSystemd"]),
    // A small helper program that links libsystemd, so that `spawnc` itself does not (it must
    // start in a few milliseconds and can be linked statically; libsystemd cannot).
    .executableTarget(name: "spawnc-systemd", dependencies: ["SpawnSystemd", "SpawnBasics"]),
    // `.spawnc.yaml`: found, and read through the spawnc-config helper (Foundation-free here).
    .target(name: "SpawnConfig", dependencies: ["SpawnBasics", "SpawnHost"]),
    // The YAML reader, with Yams: settings, or diagnostics that point into the file.
    .target(
      name: "SpawnConfigYAML",
      dependencies: ["SpawnBasics", "SpawnConfig", .product(name: "Yams", package: "Yams")]),
    // A helper program that reads YAML for spawnc, so that spawnc itself does not link Yams and
    // Foundation (their start-up cost would be paid by every run).
    .executableTarget(name: "spawnc-config", dependencies: ["SpawnConfigYAML", "SpawnConfig", "SpawnBasics", "SpawnHost"]),
    // The image store: an OSTree repository of content-addressed images, driven through `ostree`.
    .target(name: "SpawnStore", dependencies: ["SpawnBasics", "SpawnHost"]),
    // Library API: compile, check, build and run recipes; write outputs atomically. No printing,
    // no exit codes.
    .target(
      name: "SpawnDriver",
      dependencies: [
        "SpawnBasics", "SpawnSyntax", "SpawnSema", "SpawnIR", "SpawnLowering",
        "SpawnNspawn", "SpawnUnits", "SpawnBuildScript", "SpawnHost", "SpawnStore",
      ]),
    // `spawnc lsp`: the language server (LSP 3.17 over stdio) on top of the driver.
    .target(
      name: "SpawnLanguageServer",
      dependencies: [
        "SpawnBasics", "SpawnSyntax", "SpawnIR", "SpawnDriver", "SpawnHost", "SpawnConfig", "SpawnFormat", "SpawnStore",
      ]),
    // The thin command-line interface.
    .executableTarget(
      name: "spawnc",
      dependencies: [
        "SpawnDriver", "SpawnBasics", "SpawnHost", "SpawnStore", "SpawnIR", "SpawnFormat", "SpawnConfig",
        "SpawnLanguageServer", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // The systemd generator: recipes in /etc/spawnc become units at boot and daemon-reload. No
    // argument parser and no Foundation: boot waits for it.
    // Linked by lld with its executed functions placed together (hot-symbols.txt, written by
    // scripts/generator-symbol-order.sh): fewer page faults at every run.
    .executableTarget(
      name: "spawnc-generator",
      dependencies: ["SpawnDriver", "SpawnBasics", "SpawnHost", "SpawnIR", "CProcessors", "CStartArguments"],
      exclude: ["hot-symbols.txt"],
      linkerSettings: [
        .unsafeFlags([
          "-use-ld=lld",
          "-Xlinker", "--symbol-ordering-file=\(packageDirectory)/Sources/spawnc-generator/hot-symbols.txt",
          "-Xlinker", "--no-warn-symbol-ordering",
        ])
      ]),
    // Where the generator's worker threads start (GNU calls Swift's Glibc module leaves out).
    .target(name: "CProcessors"),
    // The generator's command line, recorded at start in place of the Swift runtime's search
    // of /proc/self/maps (a static initializer that costs 7% of a one-recipe run).
    .target(name: "CStartArguments"),
    .testTarget(
      name: "SpawnTests",
      dependencies: [
        "SpawnBasics", "SpawnSyntax", "SpawnSema", "SpawnIR", "SpawnLowering",
        "SpawnNspawn", "SpawnUnits", "SpawnBuildScript", "SpawnDriver", "SpawnHost", "SpawnStore", "SpawnFormat",
        "SpawnConfig", "SpawnConfigYAML",
      ],
      path: "Tests/SpawnTests"),
  ]
)

// Start-up time (the generator runs at every boot and reload): the metadata of concrete generic
// types comes from generated accessor functions instead of from type names demangled at run
// time, which saves about 0.1 ms of every run; and copies and destroys of values are emitted
// inline rather than through type-layout value witnesses, which need the metadata of the type
// (an `Optional` or `Array` of ours, built at run time on first use): 13% of a one-recipe run
// (docs/generator.md, "Speed"). Each function in a section of its own, so that the generator's
// link can place the ones a run executes together.
for target in package.targets where target.type == .regular || target.type == .executable {
  target.swiftSettings =
    (target.swiftSettings ?? []) + [
      .unsafeFlags([
        "-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors",
        "-Xfrontend", "-disable-type-layout",
        "-Xfrontend", "-function-sections",
      ])
    ]
}
