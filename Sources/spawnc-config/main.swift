// spawnc-config: reads a `.spawnc.yaml` with Yams and prints its settings and diagnostics as
// one JSON object (see `Configuration.json`). spawnc runs it only when a configuration file
// exists, so that spawnc itself does not link Yams and Foundation (they would slow every start
// of the editor hook). Its interface is for spawnc: `spawnc-config FILE`; exit status 0 when
// the file was read (its problems are in the JSON), 2 when it could not be.
import SpawnBasics
import SpawnConfig
import SpawnConfigYAML
import SpawnHost

#if canImport(Glibc)
  import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
  _ = "usage: spawnc-config FILE\n".withCString { write(2, $0, strlen($0)) }
  exit(2)
}
do {
  let file = SourceFile(path: arguments[1], bytes: try FileSystem.read(arguments[1]))
  print(Configuration.parse(file).json.rendered(pretty: false))
} catch {
  let message = "spawnc-config: \(error.description)\n"
  _ = message.withCString { write(2, $0, strlen($0)) }
  exit(2)
}
