import SpawnSyntax

/// What hovering over an instruction keyword shows: the syntax, and what spawnc makes of it.
enum InstructionDocs {
  static func markdown(for kind: InstructionKind) -> String? {
    guard let (syntax, text) = entries[kind] else { return nil }
    return "```dockerfile\n\(syntax)\n```\n\n\(text)"
  }

  static let entries: [InstructionKind: (String, String)] = [
    .from: (
      "FROM [NAME@]sha256:<64 hex> [AS stage]\nFROM scratch | FROM <earlier stage>",
      "Starts a stage from a base image **pinned by content ID** (`spawnc import` prints it, "
        + "`spawnc images` lists them), from `scratch`, or from an earlier stage. The name before `@` is informational. "
        + "Global `ARG`s may be used here."
    ),
    .run: (
      "RUN command | RUN [\"exec\", \"form\"] | RUN <<EOF",
      "Runs a command in the image being built, in `systemd-nspawn` with the stage's environment, user and working "
        + "directory; its changes become a new cached step."
    ),
    .cmd: (
      "CMD [\"executable\", \"arg\"] | CMD command",
      "The container's command (after `ENTRYPOINT`, if any). It becomes the `ExecStart=` of `NAME.service`."
    ),
    .entrypoint: (
      "ENTRYPOINT [\"executable\", \"arg\"] | ENTRYPOINT command",
      "The fixed part of the container's command; `CMD` supplies default arguments."
    ),
    .copy: (
      "COPY [--from=stage] [--chown=user[:group]] [--chmod=0755] [--link] SRC... DEST",
      "Copies files from the build context (or an earlier stage) into the image. Sources are relative to the "
        + "context and cannot leave it."
    ),
    .env: (
      "ENV NAME=value ...",
      "Sets environment variables for later build steps and for the container (`Environment=` in `NAME.nspawn`)."
    ),
    .arg: (
      "ARG NAME[=default]",
      "Declares a build argument (`--build-arg NAME=value`). Before the first `FROM` it is global: usable in `FROM` lines."
    ),
    .workdir: ("WORKDIR /path", "The working directory of later steps and of the container (`WorkingDirectory=`)."),
    .user: (
      "USER name | USER uid",
      "The user later steps and the container run as (`User=`). The image needs `getent` for names."
    ),
    .expose: (
      "EXPOSE [--activation=none|socket|proxy] PORT[/tcp|/udp] ...",
      "Declares ports. `--activation=socket` makes `NAME.socket` hold the port and pass it to the container as file "
        + "descriptor 3 (`LISTEN_FDS=1`); `--activation=proxy` forwards it with `systemd-socket-proxyd` into the "
        + "container's own network namespace; the container then starts on the first connection."
    ),
    .volume: (
      "VOLUME /path ...",
      "Persistent directories: kept in `STATE/volumes/NAME/`, seeded from the image on first start, bound read-write "
        + "into the otherwise read-only root."
    ),
    .label: (
      "LABEL key=value ...",
      "Metadata recorded in the image. The OCI `org.opencontainers.image.title`/`.description` labels become the "
        + "unit's `Description=`, and `.documentation`/`.url`/`.source` its `Documentation=`."
    ),
    .stopsignal: (
      "STOPSIGNAL SIGTERM",
      "The signal `systemctl stop` delivers to the container's payload (`KillSignal=` in `NAME.nspawn`)."
    ),
    .add: ("ADD ...", "**Not supported** (SP5001): use `COPY`; fetch remote files in a `RUN` step."),
    .onbuild: ("ONBUILD ...", "**Not supported** (SP5002)."),
    .healthcheck: ("HEALTHCHECK ...", "**Not supported** (SP5003): systemd supervises the service."),
    .shell: ("SHELL [...]", "**Not supported** (SP5004): shell form always runs `/bin/sh -c`."),
    .maintainer: ("MAINTAINER name", "**Not supported** (SP5005): use `LABEL maintainer=...`."),
  ]
}
