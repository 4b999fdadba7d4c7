// spawnc-systemd: the part of spawnc that talks to the service manager (sd-bus) and reads the
// journal (sd-journal). It is a separate program so that `spawnc` itself does not link
// libsystemd (which costs start-up time and rules out a static build); `spawnc install` and
// `spawnc uninstall` run it. Its interface is for spawnc, not for people:
//
//   spawnc-systemd [--timeout SECONDS] [--settle SECONDS] STEP...
//   STEP: reload | enable UNIT... | disable UNIT... | start UNIT... | stop UNIT...
//         | restart UNIT... | try-restart UNIT... | reset-failed UNIT... | state UNIT...
//         | watch UNIT...   (for --settle seconds, default 2: do the units keep running?)
//
// Words without a dot are verbs and words with one are unit names, so steps follow each other
// without separators: `spawnc-systemd reload enable web.socket start web.socket`. Steps run in
// order and stop at the first failure. Standard output is one JSON object:
//
//   {"steps": [{"verb": "enable", "changes": [{"kind", "path", "source"}]},
//              {"verb": "start", "jobs": [{"unit", "result"}]}, {"verb": "state", "units": [...]}],
//    "error": {"verb", "message"},                  (a call that failed)
//    "failed": [{"unit", "load", "active", "sub", "result", "log": [...]}]}  (units whose job failed)
//
// Exit status: 0 all steps succeeded, 1 a step failed, 2 bad usage.
import SpawnBasics
import SpawnSystemd

#if canImport(Glibc)
  import Glibc
#endif

let verbs: [String: String?] = [
  "reload": nil, "enable": nil, "disable": nil, "state": nil, "reset-failed": nil, "watch": nil,
  "start": "StartUnit", "stop": "StopUnit", "restart": "RestartUnit", "try-restart": "TryRestartUnit",
]

func usage(_ message: String) -> Never {
  var text = "spawnc-systemd: \(message)\nusage: spawnc-systemd [--timeout SECONDS] [--settle SECONDS] STEP...\n"
  text += "steps: reload | enable|disable|start|stop|restart|try-restart|reset-failed|state|watch UNIT...\n"
  _ = text.withCString { write(2, $0, strlen($0)) }
  exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var timeout: UInt64 = 120
var settle = 2.0
while let option = arguments.first, option.hasPrefix("--") {
  guard arguments.count > 1, let seconds = UInt64(arguments[1]), seconds > 0 else { usage("\(option) takes seconds") }
  switch option {
  case "--timeout": timeout = seconds
  case "--settle": settle = Double(seconds)
  default: usage("unknown option \(option)")
  }
  arguments.removeFirst(2)
}
var steps: [(verb: String, units: [String])] = []
for word in arguments {
  if word.contains(".") {
    guard !steps.isEmpty, steps[steps.count - 1].verb != "reload" else { usage("unit `\(word)` has no verb before it") }
    steps[steps.count - 1].units.append(word)
  } else {
    guard verbs[word] != nil else { usage("unknown step `\(word)`") }
    steps.append((word, []))
  }
}
if steps.isEmpty { usage("no steps") }
for step in steps where step.verb != "reload" && step.units.isEmpty { usage("`\(step.verb)` needs units") }

let startedAt = Journal.now()
var report: [(String, JSONValue)] = []
var done: [JSONValue] = []
var failedUnits: [JSONValue] = []
var status: Int32 = 0

func changesJSON(_ changes: [UnitFileChange]) -> JSONValue {
  .array(changes.map { .object([("kind", .string($0.kind)), ("path", .string($0.path)), ("source", .string($0.source))]) })
}

func stateJSON(_ state: UnitState, log: [String]? = nil) -> JSONValue {
  var members: [(String, JSONValue)] = [
    ("unit", .string(state.unit)), ("load", .string(state.load)), ("active", .string(state.active)),
    ("sub", .string(state.sub)), ("result", .string(state.result)),
  ]
  if let log { members.append(("log", .array(log.map { .string($0) }))) }
  return .object(members)
}

do {
  let manager = try ServiceManager()
  for step in steps {
    do {
      switch step.verb {
      case "reload":
        try manager.reload()
        done.append(.object([("verb", .string("reload"))]))
      case "enable":
        done.append(.object([("verb", .string("enable")), ("changes", changesJSON(try manager.enable(step.units)))]))
      case "disable":
        done.append(.object([("verb", .string("disable")), ("changes", changesJSON(try manager.disable(step.units)))]))
      case "reset-failed":
        // A unit that is not loaded has nothing to forget.
        for unit in step.units { try? manager.resetFailed(unit) }
        done.append(.object([("verb", .string("reset-failed"))]))
      case "watch":
        let stopped = try manager.watch(step.units, seconds: settle)
        done.append(.object([("verb", .string("watch"))]))
        for state in stopped {
          failedUnits.append(stateJSON(state, log: (try? Journal.lines(of: state.unit, since: startedAt)) ?? []))
        }
      case "state":
        let states = try step.units.map { stateJSON(try manager.state(of: $0)) }
        done.append(.object([("verb", .string("state")), ("units", .array(states))]))
      default:
        let outcomes = try manager.run(verbs[step.verb]!!, step.units, timeoutSeconds: timeout)
        let jobs = outcomes.map { JSONValue.object([("unit", .string($0.unit)), ("result", .string($0.result))]) }
        done.append(.object([("verb", .string(step.verb)), ("jobs", .array(jobs))]))
        for outcome in outcomes where !outcome.succeeded {
          let state = try manager.state(of: outcome.unit)
          let log = (try? Journal.lines(of: outcome.unit, since: startedAt)) ?? []
          failedUnits.append(stateJSON(state, log: log))
        }
      }
    } catch let error as SystemdError {
      report.append(("error", .object([("verb", .string(step.verb)), ("message", .string(error.message))])))
      status = 1
      break
    }
    if !failedUnits.isEmpty {
      status = 1
      break
    }
  }
} catch let error as SystemdError {
  report.append(("error", .object([("verb", .string("connect")), ("message", .string(error.description))])))
  status = 1
} catch {
  report.append(("error", .object([("verb", .string("connect")), ("message", .string("\(error)"))])))
  status = 1
}
report.insert(("steps", .array(done)), at: 0)
if !failedUnits.isEmpty { report.append(("failed", .array(failedUnits))) }
print(JSONValue.object(report).rendered(pretty: false))
exit(status)
