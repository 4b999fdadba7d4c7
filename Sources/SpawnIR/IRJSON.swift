import SpawnBasics

extension RecipeIR {
  /// The IR as JSON, for `spawnc compile --emit ir`. Keys keep a fixed order.
  public var json: JSONValue {
    .object([
      ("formatVersion", .int(Self.formatVersion)),
      ("name", .string(name)),
      (
        "paths",
        .object([
          ("recipe", .string(paths.recipe)), ("recipeDigest", .string(paths.recipeDigest)),
          ("context", .string(paths.context)),
          ("stateDirectory", .string(paths.stateDirectory)), ("repository", .string(paths.repository)),
          ("image", .string(paths.imageLink(name))),
        ])
      ),
      ("image", image.json),
      ("runtime", runtime?.json ?? .null),
    ])
  }
}

extension KeyValue {
  var json: JSONValue { .object([("name", .string(key)), ("value", .string(value))]) }
}

extension ImagePlan {
  var json: JSONValue {
    .object([
      ("stages", .array(stages.map(\.json))),
      ("labels", .array(labels.map(\.json))),
    ])
  }
}

extension ImagePlan.Stage {
  var json: JSONValue {
    let baseJSON: JSONValue
    switch base {
    case .scratch: baseJSON = .object([("kind", .string("scratch"))])
    case .image(let id, let name): baseJSON = .object([("kind", .string("image")), ("id", .string(id)), ("name", .string(name))])
    case .stage(let index): baseJSON = .object([("kind", .string("stage")), ("index", .int(index))])
    }
    return .object([
      ("index", .int(index)), ("name", .string(name)), ("base", baseJSON), ("description", .string(description)),
      ("steps", .array(steps.map(\.json))),
    ])
  }
}

extension Step {
  var json: JSONValue {
    var action: [(String, JSONValue)]
    switch self.action {
    case .run(let argv): action = [("kind", .string("run")), ("argv", .array(argv.map { .string($0) }))]
    case .runScript(let name, let content):
      action = [("kind", .string("runScript")), ("name", .string(name)), ("content", .string(content))]
    case .makeDirectory(let path): action = [("kind", .string("makeDirectory")), ("path", .string(path))]
    case .copy(let copy): action = [("kind", .string("copy"))] + copy.jsonMembers
    }
    return .object([
      ("description", .string(description)), ("action", .object(action)),
      ("environment", .array(environment.map(\.json))), ("user", .string(user)), ("workdir", .string(workdir)),
    ])
  }
}

extension Copy {
  var jsonMembers: [(String, JSONValue)] {
    let originJSON: JSONValue
    switch origin {
    case .context: originJSON = .object([("kind", .string("context"))])
    case .stage(let index): originJSON = .object([("kind", .string("stage")), ("index", .int(index))])
    case .image(let id): originJSON = .object([("kind", .string("image")), ("id", .string(id))])
    }
    let sourcesJSON: [JSONValue] = sources.map { source in
      switch source {
      case .path(let path, let isPattern):
        .object([("kind", .string("path")), ("path", .string(path)), ("isPattern", .bool(isPattern))])
      case .inline(let name, let content):
        .object([("kind", .string("inline")), ("name", .string(name)), ("content", .string(content))])
      }
    }
    return [
      ("origin", originJSON), ("sources", .array(sourcesJSON)), ("destination", .string(destination)),
      ("destinationIsDirectory", .bool(destinationIsDirectory)),
      ("owner", owner.map { .object([("user", .string($0.user)), ("group", .string($0.group))]) } ?? .null),
      ("mode", mode.map { .string("0" + String($0, radix: 8)) } ?? .null),
    ]
  }
}

extension RuntimeSpec {
  var json: JSONValue {
    .object([
      ("argv", .array(argv.map { .string($0) })),
      ("environment", .array(environment.map(\.json))),
      ("user", .string(user)),
      ("workingDirectory", .string(workingDirectory)),
      ("stopSignal", .object([("name", .string(stopSignal.name)), ("number", .int(stopSignal.number))])),
      (
        "volumes",
        .array(volumes.map { .object([("path", .string($0.path)), ("hostDirectory", .string($0.hostDirectory))]) })
      ),
      (
        "ports",
        .array(
          ports.map {
            .object([
              ("number", .int($0.number)), ("protocol", .string($0.proto.rawValue)),
              ("activation", .string($0.activation.rawValue)),
            ])
          })
      ),
      ("network", .string(network.rawValue)),
      ("description", .string(description)),
      ("documentation", .array(documentation.map { .string($0) })),
    ])
  }
}

extension Step {
  /// What the step does, as canonical JSON without its description: the build script hashes
  /// it (with the parent image and COPY inputs) into the step's cache key.
  public var cacheKeyMaterial: String {
    var members = json.objectMembers
    members.removeAll { $0.0 == "description" }
    return JSONValue.object(members).rendered(pretty: false)
  }
}

extension JSONValue {
  fileprivate var objectMembers: [(String, JSONValue)] {
    if case .object(let members) = self { return members }
    return []
  }
}

extension RuntimeSpec {
  /// The image's runtime configuration as recorded in its metadata (what `spawnc run` uses):
  /// everything but host paths, so the same recipe gives the same image in any store.
  public var imageConfig: JSONValue {
    .object([
      ("argv", .array(argv.map { .string($0) })),
      ("environment", .array(environment.map(\.json))),
      ("user", .string(user)),
      ("workingDirectory", .string(workingDirectory)),
      ("stopSignal", .string(stopSignal.name)),
      ("volumes", .array(volumes.map { .string($0.path) })),
      (
        "ports",
        .array(
          ports.map {
            .object([
              ("number", .int($0.number)), ("protocol", .string($0.proto.rawValue)),
              ("activation", .string($0.activation.rawValue)),
            ])
          })
      ),
    ])
  }
}
