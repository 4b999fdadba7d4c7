// The catalog of every diagnostic spawnc can report. `docs/diagnostics.md` is generated from it
// (`swift run spawnc explain --all --markdown > docs/diagnostics.md`) and a test fails when the two drift.

extension DiagnosticKind {
  // MARK: SP1xxx — syntax

  public static let invalidUTF8 = DiagnosticKind(
    "SP1001", "invalid-utf8", .error, "the file is not valid UTF-8",
    explanation: """
      A Spawnfile must be UTF-8 text. systemd rejects unit and settings files that are not UTF-8 \
      (a unit loses the assignment, a .nspawn file fails to load), so spawnc refuses such input \
      instead of emitting something systemd would silently drop.

      Re-encode the file, for example with `iconv -f latin1 -t utf-8 Spawnfile > Spawnfile.new`.
      """)

  public static let nulByte = DiagnosticKind(
    "SP1002", "nul-byte", .error, "the file contains a NUL byte",
    explanation: """
      A NUL byte cannot appear in a command line, an environment variable or a systemd setting, \
      so it cannot appear in a Spawnfile either. A NUL byte usually means the file is binary \
      (an image, an archive) rather than a recipe.

      Check that you passed the right file; remove the byte if the file is otherwise text.
      """)

  public static let noInstructions = DiagnosticKind(
    "SP1003", "no-instructions", .error, "the file has no instructions",
    explanation: """
      The file is empty or holds only comments and blank lines. A Spawnfile needs at least a \
      `FROM` line and, for a service, a `CMD` or `ENTRYPOINT`:

          FROM sha256:<64 hex digits>
          CMD ["/bin/httpd", "-f"]
      """)

  public static let fileTooLarge = DiagnosticKind(
    "SP1004", "file-too-large", .error, "the file is larger than spawnc accepts",
    explanation: """
      spawnc reads recipes up to 64 MiB. Larger input is almost certainly not a recipe (or is \
      generated and should be split), and refusing it early keeps editor hooks and the \
      generator fast and their memory bounded.
      """)

  public static let invalidEscapeDirective = DiagnosticKind(
    "SP1005", "invalid-escape-directive", .error, "the escape directive names an invalid character",
    explanation: """
      The `# escape=` parser directive selects the character that escapes and continues lines. \
      Like Dockerfile, spawnc accepts only a backslash (the default) or a backtick:

          # escape=`

      The directive must come before any instruction, comment or blank line.
      """)

  public static let duplicateDirective = DiagnosticKind(
    "SP1006", "duplicate-directive", .error, "a parser directive is given twice",
    explanation: """
      Each parser directive (`escape`, `syntax`, `check`) may appear at most once, at the top of \
      the file. Remove the repeated line.
      """)

  public static let unterminatedHeredoc = DiagnosticKind(
    "SP1010", "unterminated-heredoc", .error, "a here-document is never terminated",
    explanation: """
      A here-document (`RUN <<EOF`, `COPY <<EOF /dest`) runs until a line that holds exactly its \
      delimiter. The file ended before that line. Add the delimiter on a line of its own:

          RUN <<EOF
          echo hello
          EOF

      With `<<-EOF`, leading tabs (not spaces) are removed before the comparison.
      """)

  public static let nonStringJSON = DiagnosticKind(
    "SP1012", "non-string-json", .error, "an exec-form array holds something other than strings",
    explanation: """
      The exec form of `RUN`, `CMD`, `ENTRYPOINT`, `COPY` and `VOLUME` is a JSON array of \
      strings. Numbers, booleans, null, objects and nested arrays are not allowed. Quote the \
      element: `CMD ["sleep", "10"]`, not `CMD ["sleep", 10]`.
      """)

  public static let jsonLikeShellForm = DiagnosticKind(
    "SP1013", "json-like-shell-form", .warning, "this looks like an exec-form array but is not valid JSON",
    explanation: """
      When the text after `RUN`, `CMD` or `ENTRYPOINT` is not a valid JSON array it is taken as \
      a shell command, exactly as Dockerfile does. `CMD ['/app', '-v']` (single quotes) or an \
      array with a missing `]` or `"` therefore runs `/bin/sh -c "['/app', '-v']"`, which fails \
      at start-up. JSON strings need double quotes:

          CMD ["/app", "-v"]

      If you meant a shell command that starts with `[`, write it as `RUN test ...` or ignore \
      this warning.
      """)

  public static let continuationAtEOF = DiagnosticKind(
    "SP1014", "continuation-at-eof", .warning, "the last line ends with a line continuation",
    explanation: """
      The final line ends with the escape character, which continues the instruction onto a \
      next line that does not exist. Dockerfile accepts this, and so does spawnc, but it often \
      means the file was cut short. Remove the trailing escape character.
      """)

  public static let emptyContinuationLine = DiagnosticKind(
    "SP1015", "empty-continuation-line", .warning, "an empty line inside a continued instruction",
    explanation: """
      A blank line in the middle of an instruction continued with `\\` is skipped. BuildKit \
      warns that this will become an error; spawnc warns too. Remove the blank line, or end \
      the instruction before it.
      """)

  public static let missingArguments = DiagnosticKind(
    "SP1016", "missing-arguments", .error, "the instruction is missing its arguments",
    explanation: """
      Every instruction except a bare `ARG` needs arguments. For example `ENV` takes \
      `NAME=value` pairs (or the legacy `NAME value`), `WORKDIR` a path, `COPY` at least one \
      source and a destination.
      """)

  public static let missingEquals = DiagnosticKind(
    "SP1017", "missing-equals", .error, "a `NAME=value` pair has no `=`",
    explanation: """
      `ENV` and `LABEL` take `NAME=value` pairs once the first word has an `=`. A later word \
      without `=` is an error; quote values that contain spaces:

          ENV GREETING="hello world" LANG=C.UTF-8
      """)

  public static let unknownInstruction = DiagnosticKind(
    "SP1030", "unknown-instruction", .error, "an unknown instruction",
    explanation: """
      The first word of each line must be an instruction: FROM, RUN, COPY, ENV, ARG, WORKDIR, \
      USER, EXPOSE, VOLUME, LABEL, STOPSIGNAL, CMD or ENTRYPOINT (case does not matter). A \
      continued previous line (a missing `\\`) often produces this error.
      """)

  // MARK: SP2xxx — structure and names

  public static let unpinnedFrom = DiagnosticKind(
    "SP2001", "unpinned-from", .error, "the base image is not pinned by content ID",
    explanation: """
      Every input of a spawnc image is pinned. `FROM` must name its base by content ID:

          FROM sha256:<64 hex digits>
          FROM debian@sha256:<64 hex digits>      (the name is informational)
          FROM scratch
          FROM <earlier stage>

      A tag such as `debian:bookworm` can point at different content tomorrow, so it is an \
      error. Import the root file system once and pin the ID it prints:

          spawnc import rootfs.tar --name debian
          spawnc images                            (lists IDs and names)

      The same applies to `COPY --from=` when it names an image instead of a stage.
      """)

  public static let invalidContentID = DiagnosticKind(
    "SP2002", "invalid-content-id", .error, "a content ID is malformed",
    explanation: """
      A content ID is `sha256:` followed by exactly 64 lower-case hexadecimal digits, as printed \
      by `spawnc import` and `spawnc build`. Copy it again from `spawnc images`.
      """)

  public static let instructionBeforeFrom = DiagnosticKind(
    "SP2003", "instruction-before-from", .error, "an instruction before the first FROM",
    explanation: """
      Only `ARG` may come before the first `FROM` (such global ARGs can be used in `FROM` \
      lines). Everything else belongs to a stage: move it after a `FROM`.
      """)

  public static let unknownStage = DiagnosticKind(
    "SP2004", "unknown-stage", .error, "a reference to a stage that does not exist",
    explanation: """
      `COPY --from=NAME` and `FROM NAME` refer to a stage defined earlier with `FROM ... AS NAME` \
      (or to a stage by its 0-based index). Stage names are case-insensitive. Check the \
      spelling, or define the stage before using it.
      """)

  public static let forwardStageReference = DiagnosticKind(
    "SP2005", "forward-stage-reference", .error, "a reference to a stage defined later",
    explanation: """
      A stage can only use stages defined before it (`COPY --from=` and `FROM`). Move the \
      referenced stage above this one.
      """)

  public static let selfStageReference = DiagnosticKind(
    "SP2006", "self-stage-reference", .error, "a stage copies from itself",
    explanation: """
      `COPY --from=` must name another, earlier stage. To copy within the same stage use \
      `RUN cp`.
      """)

  public static let duplicateStageName = DiagnosticKind(
    "SP2007", "duplicate-stage-name", .error, "two stages have the same name",
    explanation: """
      Stage names (`FROM ... AS NAME`) must be unique, compared case-insensitively. Rename one \
      of the stages.
      """)

  public static let invalidStageName = DiagnosticKind(
    "SP2008", "invalid-stage-name", .error, "a stage name is not valid",
    explanation: """
      A stage name starts with a letter and continues with letters, digits, `-`, `_` and `.` \
      (`^[a-z][a-z0-9-_.]*$` after lower-casing). `scratch` and `context` are reserved.
      """)

  public static let malformedFrom = DiagnosticKind(
    "SP2009", "malformed-from", .error, "FROM needs an image and optionally `AS name`",
    explanation: """
      `FROM` takes exactly one image reference, optionally followed by `AS` and a stage name:

          FROM sha256:<64 hex digits> AS build
      """)

  public static let unknownFlag = DiagnosticKind(
    "SP2010", "unknown-flag", .error, "an unknown flag",
    explanation: """
      Flags go between the instruction and its arguments. spawnc knows:

          COPY   --from=STAGE --chown=USER[:GROUP] --chmod=MODE --link
          EXPOSE --activation=none|socket|proxy

      Other instructions take no flags.
      """)

  public static let duplicateFlag = DiagnosticKind(
    "SP2011", "duplicate-flag", .error, "a flag is given twice",
    explanation: "Each flag may be given once per instruction. Remove the repeated flag.")

  public static let invalidFlagValue = DiagnosticKind(
    "SP2012", "invalid-flag-value", .error, "a flag is missing its value or has a malformed one",
    explanation: """
      Value flags are written `--name=value` (`--from=build`); boolean flags are bare or take \
      `=true`/`=false` (`--link`).
      """)

  public static let noCommand = DiagnosticKind(
    "SP2013", "no-command", .warning, "the final stage has nothing to run, so only its image is built",
    explanation: """
      spawnc turns a final stage with a command into a service. Without a `CMD` or \
      `ENTRYPOINT` (in that stage, or inherited from the stage it starts `FROM`) there is \
      nothing to run, so `spawnc compile` writes only the build script: the recipe builds an \
      image that other recipes can use as their base (`FROM sha256:<id>`). If you meant a \
      service, add its command:

          CMD ["/usr/bin/myservice", "--foreground"]
      """)

  public static let duplicateInstruction = DiagnosticKind(
    "SP2014", "duplicate-instruction", .warning, "only the last of these instructions takes effect",
    explanation: """
      A stage with two `CMD`, `ENTRYPOINT` or `STOPSIGNAL` instructions uses only the last one. \
      Remove the earlier one so the recipe says what it does.
      """)

  public static let wrongArgumentCount = DiagnosticKind(
    "SP2015", "wrong-argument-count", .error, "the instruction has the wrong number of arguments",
    explanation: """
      `COPY` needs at least one source and a destination; `STOPSIGNAL` takes one signal; \
      `ENV` and `LABEL` take complete `NAME=value` pairs.
      """)

  public static let duplicatePort = DiagnosticKind(
    "SP2016", "duplicate-port", .error, "a port is exposed twice",
    explanation: """
      Each port and protocol may be exposed once. Exposing it twice with different activation \
      modes is contradictory (two owners of one socket); exposing it twice with the same mode \
      is redundant and reported as a warning.
      """)

  public static let mixedActivation = DiagnosticKind(
    "SP2017", "mixed-activation", .error, "proxy-activated ports cannot be mixed with ports the payload binds on the host",
    explanation: """
      A container with `--activation=proxy` ports runs in a network namespace of its own, \
      shared with its systemd-socket-proxyd units, so a port it binds without activation \
      would not be reachable from the host. Give every TCP port `--activation=proxy` (or \
      `--activation=socket`), or drop proxy activation and let the payload bind on the \
      host's network.
      """)

  // MARK: SP3xxx — variables

  public static let undefinedVariable = DiagnosticKind(
    "SP3001", "undefined-variable", .error, "a variable is used but never defined",
    explanation: """
      Dockerfile silently expands an unknown variable to the empty string; spawnc reports it. \
      A variable is defined by `ENV` or `ARG` earlier in the same stage (or in the stage it \
      starts `FROM`), and `PATH` is always defined. Global ARGs (before the first `FROM`) are \
      visible only in `FROM` lines until a stage declares them again with `ARG NAME`.

      To expand to an empty value on purpose, give a default: `${NAME:-}`. Values written in \
      `RUN` and shell-form `CMD` are not expanded by spawnc: the shell expands them at run time.
      """)

  public static let badSubstitution = DiagnosticKind(
    "SP3002", "bad-substitution", .error, "a malformed variable substitution",
    explanation: """
      Substitutions are `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`, \
      `${NAME:+alternative}`, `${NAME+alternative}`, `${NAME:?message}`, `${NAME#pattern}`, \
      `${NAME%pattern}` (and `##`, `%%`), `${NAME/pattern/replacement}` and \
      `${NAME//pattern/replacement}`. Each `${` needs a matching `}`. Write `\\$` for a literal \
      dollar sign.
      """)

  public static let requiredVariable = DiagnosticKind(
    "SP3003", "required-variable", .error, "a `${NAME:?message}` substitution failed",
    explanation: """
      `${NAME?message}` requires `NAME` to be set, and `${NAME:?message}` also requires it to \
      be non-empty; the recipe says so with its own message. Define the variable with `ARG` \
      or `ENV` before this line.
      """)

  public static let unterminatedQuote = DiagnosticKind(
    "SP3004", "unterminated-quote", .error, "a quoted string is not closed",
    explanation: """
      A value opened a `"` or `'` quote that does not close before the end of the instruction. \
      Close the quote; inside double quotes write `\\"` for a literal quote.
      """)

  public static let variableInFromFlag = DiagnosticKind(
    "SP3005", "variable-in-from-flag", .error, "`COPY --from=` cannot use a variable",
    explanation: """
      The stage that `COPY --from=` names must be visible without evaluating the recipe (the \
      build graph depends on it), so variables are not expanded there, as in BuildKit. Name \
      the stage directly.
      """)

  public static let invalidVariableName = DiagnosticKind(
    "SP3006", "invalid-variable-name", .error, "an environment variable name is not valid",
    explanation: """
      `ENV` and `ARG` names must match `[A-Za-z_][A-Za-z0-9_]*`. systemd-nspawn silently drops \
      other names from its settings file and refuses them on its command line, so spawnc \
      rejects them up front. Use underscores instead of dots or dashes.
      """)

  public static let substitutionTooDeep = DiagnosticKind(
    "SP3007", "substitution-too-deep", .error, "variable substitutions are nested too deeply",
    explanation: """
      spawnc expands `${...}` nested at most 100 levels deep (`${A:-${B:-...}}`): each level is \
      expanded inside the one around it, so an unbounded depth could exhaust the stack or \
      take time that grows with the square of the text. Real recipes nest two or three levels. \
      Compute the value in steps instead, with intermediate variables: \
      `ARG INNER=${B:-default}` and then `${A:-$INNER}`.
      """)

  // MARK: SP4xxx — typed values

  public static let invalidPort = DiagnosticKind(
    "SP4001", "invalid-port", .error, "not a valid port",
    explanation: """
      `EXPOSE` takes ports from 1 to 65535, optionally with a protocol, or port ranges:

          EXPOSE 8080 8443/tcp 5353/udp 9000-9005
      """)

  public static let invalidPortRange = DiagnosticKind(
    "SP4002", "invalid-port-range", .error, "a port range ends before it starts",
    explanation: "In `EXPOSE FIRST-LAST` the last port must not be smaller than the first: `EXPOSE 9000-9005`.")

  public static let invalidProtocol = DiagnosticKind(
    "SP4003", "invalid-protocol", .error, "an unknown protocol",
    explanation: "A port's protocol is `tcp` (the default) or `udp`: `EXPOSE 53/udp`.")

  public static let relativePath = DiagnosticKind(
    "SP4004", "relative-path", .error, "this path must be absolute",
    explanation: """
      `VOLUME` paths are mount points inside the container and must be absolute: \
      `VOLUME /var/lib/app`.
      """)

  public static let contextEscape = DiagnosticKind(
    "SP4005", "context-escape", .error, "a COPY source leaves the build context",
    explanation: """
      `COPY` sources are relative to the build context (the directory of the Spawnfile unless \
      `--context` says otherwise) and cannot leave it: no absolute paths, no `..` that climbs \
      above the context, and no symbolic links that point outside it. This keeps builds \
      reproducible and stops a recipe from reading the build machine's files. Copy the file \
      into the context first.
      """)

  public static let invalidSignal = DiagnosticKind(
    "SP4006", "invalid-signal", .error, "not a signal name or number",
    explanation: """
      `STOPSIGNAL` takes a signal name with or without `SIG` (`SIGTERM`, `QUIT`), a real-time \
      signal (`SIGRTMIN+3`) or a number from 1 to 64. systemd delivers it to the payload when \
      the service stops.
      """)

  public static let invalidUser = DiagnosticKind(
    "SP4007", "invalid-user", .error, "not a valid user",
    explanation: """
      `USER` and `--chown=` take a user name or a numeric ID (`app`, `1000`), and `--chown=` \
      also `USER:GROUP`. Names start with a letter or `_` and hold letters, digits, `_`, `-` \
      and `.`, as useradd(8) allows.
      """)

  public static let invalidMode = DiagnosticKind(
    "SP4008", "invalid-mode", .error, "not an octal file mode",
    explanation: "`COPY --chmod=` takes an octal mode of up to four digits, such as `644`, `0755` or `4755`.")

  public static let invalidActivation = DiagnosticKind(
    "SP4010", "invalid-activation", .error, "an unknown activation mode",
    explanation: """
      `EXPOSE --activation=` says who owns the port:

          none     the payload binds the port itself and the service starts at boot (default)
          socket   a .socket unit holds the port; the first connection starts the container,
                   which receives the listening socket (LISTEN_FDS, LISTEN_PID=1)
          proxy    a .socket unit holds the port and systemd-socket-proxyd forwards each
                   connection to the payload, which binds the port itself inside the
                   container's own network namespace
      """)

  public static let proxyNeedsTCP = DiagnosticKind(
    "SP4011", "proxy-needs-tcp", .error, "proxy activation works only for TCP",
    explanation: """
      systemd-socket-proxyd forwards stream connections only. For a UDP port use \
      `--activation=socket` (the payload receives the datagram socket) or no activation.
      """)

  public static let emptyValue = DiagnosticKind(
    "SP4012", "empty-value", .error, "this value is empty",
    explanation: """
      The value is empty after variable expansion, and an empty path, user, port or signal \
      means nothing. Check the variables it uses.
      """)

  public static let copyDestinationNotDirectory = DiagnosticKind(
    "SP4013", "copy-destination-not-directory", .error,
    "several COPY sources need a destination directory ending in `/`",
    explanation: """
      When `COPY` has more than one source, or a source with a wildcard, the destination is a \
      directory and must end with `/`:

          COPY a.conf b.conf /etc/app/
      """)

  public static let invalidPath = DiagnosticKind(
    "SP4016", "invalid-path", .error, "a path is not usable",
    explanation: """
      Paths may not contain control characters (newline, tab, ...) and may not use `..` to \
      climb above `/`. Such paths cannot be written into a systemd setting or a build step \
      reliably.
      """)

  // MARK: SP5xxx — Dockerfile features spawnc does not support

  public static let addUnsupported = DiagnosticKind(
    "SP5001", "add-unsupported", .error, "`ADD` is not supported; use `COPY`",
    explanation: """
      `ADD` mixes copying with downloading URLs and unpacking archives, which makes builds \
      depend on the network and on archive contents nobody pinned. spawnc supports `COPY`. \
      For a local file or directory, replace `ADD` with `COPY`. For an archive, `COPY` it and \
      unpack it with `RUN tar -xf`. For a URL, download it ahead of time and check its \
      checksum, then `COPY` it.
      """)

  public static let onbuildUnsupported = DiagnosticKind(
    "SP5002", "onbuild-unsupported", .error, "`ONBUILD` is not supported",
    explanation: """
      `ONBUILD` adds hidden steps to every image built from this one. spawnc images are plain \
      file trees and carry no triggers. Write the steps in the recipes that need them.
      """)

  public static let healthcheckUnsupported = DiagnosticKind(
    "SP5003", "healthcheck-unsupported", .error, "`HEALTHCHECK` is not supported",
    explanation: """
      systemd supervises spawnc containers. For liveness, let the payload send `WATCHDOG=1` \
      (systemd's watchdog), or add a timer unit that probes the service and restarts it. \
      Remove the `HEALTHCHECK` line.
      """)

  public static let shellUnsupported = DiagnosticKind(
    "SP5004", "shell-unsupported", .error, "`SHELL` is not supported",
    explanation: """
      Shell-form `RUN`, `CMD` and `ENTRYPOINT` always run with `/bin/sh -c`. To use another \
      shell, use the exec form: `RUN ["/bin/bash", "-c", "echo hello"]`.
      """)

  public static let maintainerUnsupported = DiagnosticKind(
    "SP5005", "maintainer-unsupported", .error, "`MAINTAINER` is not supported; use `LABEL`",
    explanation: """
      `MAINTAINER` has been deprecated in Dockerfile for years. Use a label:

          LABEL org.opencontainers.image.authors="name@example.com"
      """)

  public static let unsupportedFlag = DiagnosticKind(
    "SP5006", "unsupported-flag", .error, "a Dockerfile flag that spawnc does not support",
    explanation: """
      Some BuildKit flags have no meaning for spawnc, or are not implemented yet: \
      `RUN --mount`, `--network`, `--security`, `--device`; `FROM --platform`; \
      `COPY --parents`, `--exclude`. Remove the flag; for `RUN --mount=type=cache`, the step \
      cache of `spawnc build` reuses unchanged steps instead.
      """)

  public static let unsupportedDirective = DiagnosticKind(
    "SP5007", "unsupported-directive", .warning, "a parser directive that spawnc ignores",
    explanation: """
      `# syntax=` selects a BuildKit frontend image and `# check=` configures BuildKit's \
      linter; neither applies to spawnc, which ignores them. `# escape=` is supported.
      """)

  public static let unsupportedProtocol = DiagnosticKind(
    "SP5008", "unsupported-protocol", .error, "SCTP ports are not supported",
    explanation: "systemd socket units cannot hold SCTP ports for a container. Use `tcp` or `udp`.")

  public static let symbolicMode = DiagnosticKind(
    "SP5009", "symbolic-mode-unsupported", .error, "symbolic `--chmod` modes are not supported",
    explanation: "Write the mode in octal: `--chmod=755` instead of `--chmod=u=rwx,go=rx`.")

  public static let exposeAddressUnsupported = DiagnosticKind(
    "SP5011", "expose-address-unsupported", .error, "EXPOSE with an address or host port is not supported",
    explanation: """
      `EXPOSE` names a container port; publishing is the host's business. spawnc containers \
      share the host's network or receive sockets from systemd, so `EXPOSE 127.0.0.1:8080:80` \
      has no meaning. Write `EXPOSE 80`, or `EXPOSE --activation=socket 80`.
      """)

  public static let userGroupUnsupported = DiagnosticKind(
    "SP5013", "user-group-unsupported", .error, "`USER name:group` is not supported",
    explanation: """
      systemd-nspawn starts the payload as a user from the image's /etc/passwd, with that \
      user's primary group; it cannot run with a different group. Make the group the user's \
      primary group in the image (`RUN adduser -G group name`) and write `USER name`.
      """)

  public static let absoluteCopySource = DiagnosticKind(
    "SP5014", "absolute-copy-source", .error, "absolute COPY sources are not supported",
    explanation: """
      Dockerfile reads `COPY /app.conf /etc/` from the build context, ignoring the leading \
      `/`. spawnc does not accept that spelling, because it reads like a path on the build \
      machine: write the path relative to the context, `COPY app.conf /etc/`. (With \
      `--from=`, sources are paths inside that stage and are absolute as usual.)
      """)

  public static let windowsPath = DiagnosticKind(
    "SP5015", "windows-path", .error, "Windows paths are not supported",
    explanation: """
      spawnc builds Linux containers for systemd-nspawn. A path such as `C:\\app` comes from \
      a Windows container recipe, which spawnc cannot build or run.
      """)

  // MARK: SP6xxx — limits of the generated files

  public static let invalidName = DiagnosticKind(
    "SP6001", "invalid-name", .error, "the container name is not valid",
    explanation: """
      The name becomes the machine name and the prefix of every generated file \
      (`NAME.service`, `NAME.nspawn`, ...). spawnc takes it from `--name` or from the \
      Spawnfile's directory and requires `[a-z0-9][a-z0-9-]{0,62}`, so that the machine name, \
      the settings file and the units agree without escaping. Pass `--name my-service`.
      """)

  public static let unrepresentableValue = DiagnosticKind(
    "SP6002", "unrepresentable-value", .error, "a value cannot be written into a generated file",
    explanation: """
      systemd's file formats cannot carry every byte: a .nspawn list value cannot hold a \
      newline or carriage return, single-value settings lose leading and trailing whitespace \
      and treat a final backslash as a line continuation, and no format holds NUL. spawnc \
      refuses such values instead of writing a file that means something else. Remove the \
      control character or the trailing backslash.
      """)

  public static let outputTooLarge = DiagnosticKind(
    "SP6003", "output-too-large", .error, "the build steps' environments would make the build script too large",
    explanation: """
      Every build step carries the whole environment it runs in (ENV plus the ARGs in scope): \
      the build script passes it to the step and its cache key includes it. A recipe that \
      defines many variables and has many steps after them multiplies the two, so spawnc \
      refuses to write more than 64 MiB of step environments (counting the bytes of each \
      `NAME=value` once per step) instead of producing a script of gigabytes. Keep the \
      variables a step needs in its own command (`RUN A=1 B=2 ./build`), put data in a file \
      and COPY it, or merge steps so that fewer of them follow the variables.
      """)

  // MARK: SP7xxx — ignore comments and the configuration file

  public static let unknownIgnoredCode = DiagnosticKind(
    "SP7001", "unknown-ignored-code", .warning, "an ignore list names a code spawnc does not have",
    explanation: """
      `# spawnc ignore=...` comments and the `ignore:` list of `.spawnc.yaml` take diagnostic \
      codes (`SP2013`) or names (`no-command`). This one is neither, so it ignores nothing; \
      it is probably misspelt. `spawnc explain --all` lists every code.
      """)

  public static let errorNotIgnorable = DiagnosticKind(
    "SP7002", "error-not-ignorable", .warning, "an ignore list names an error, which cannot be ignored",
    explanation: """
      Only warnings can be ignored. An error means spawnc cannot produce correct output for the \
      recipe, so it stops compilation whatever the ignore lists say. Fix the recipe instead, and \
      remove the code from the list.
      """)

  public static let malformedIgnoreComment = DiagnosticKind(
    "SP7003", "malformed-ignore-comment", .warning, "an ignore comment is not in the form spawnc reads",
    explanation: """
      An ignore comment names the codes after `ignore=`, separated by commas, and applies to the \
      next instruction; with `global` it applies to the whole file:

          # spawnc ignore=SP2013
          FROM sha256:<64 hex digits>

          # spawnc global ignore=SP5007,unsupported-flag

      This comment starts like one (`# spawnc ...`) but is not in that form, so it ignores nothing.
      """)

  public static let invalidConfiguration = DiagnosticKind(
    "SP7004", "invalid-configuration", .error, "the configuration file is not valid",
    explanation: """
      `.spawnc.yaml` (found in the recipe's directory or a parent, or given with `--config`) is a \
      YAML mapping with these keys, all optional:

          ignore: [SP2013, unsupported-flag]   # warnings to leave out, by code or name
          werror: true                         # warnings fail the check (exit status 1)
          format: gnu                          # human, gnu, json or sarif
          build-args:                          # defaults for --build-arg
            BASE: sha256:<64 hex digits>

      The file could not be read as YAML, or a value has the wrong type. Options on the command \
      line override the file; `--no-config` ignores it.
      """)

  public static let unknownConfigurationKey = DiagnosticKind(
    "SP7005", "unknown-configuration-key", .error, "the configuration file has a key spawnc does not know",
    explanation: """
      `.spawnc.yaml` knows the keys `ignore`, `werror`, `format` and `build-args`. An unknown key \
      is an error rather than being skipped, because a misspelt `ignroe:` would otherwise silently \
      do nothing.
      """)
}

/// Every diagnostic kind, in code order.
public enum DiagnosticCatalog {
  public static let all: [DiagnosticKind] = [
    .invalidUTF8, .nulByte, .noInstructions, .fileTooLarge, .invalidEscapeDirective, .duplicateDirective,
    .unterminatedHeredoc, .nonStringJSON, .jsonLikeShellForm, .continuationAtEOF, .emptyContinuationLine,
    .missingArguments, .missingEquals, .unknownInstruction,
    .unpinnedFrom, .invalidContentID, .instructionBeforeFrom, .unknownStage, .forwardStageReference,
    .selfStageReference, .duplicateStageName, .invalidStageName, .malformedFrom, .unknownFlag, .duplicateFlag,
    .invalidFlagValue, .noCommand, .duplicateInstruction, .wrongArgumentCount, .duplicatePort, .mixedActivation,
    .undefinedVariable, .badSubstitution, .requiredVariable, .unterminatedQuote, .variableInFromFlag,
    .invalidVariableName, .substitutionTooDeep,
    .invalidPort, .invalidPortRange, .invalidProtocol, .relativePath, .contextEscape, .invalidSignal,
    .invalidUser, .invalidMode, .invalidActivation, .proxyNeedsTCP, .emptyValue, .copyDestinationNotDirectory,
    .invalidPath,
    .addUnsupported, .onbuildUnsupported, .healthcheckUnsupported, .shellUnsupported, .maintainerUnsupported,
    .unsupportedFlag, .unsupportedDirective, .unsupportedProtocol, .symbolicMode, .exposeAddressUnsupported,
    .userGroupUnsupported, .absoluteCopySource, .windowsPath,
    .invalidName, .unrepresentableValue, .outputTooLarge,
    .unknownIgnoredCode, .errorNotIgnorable, .malformedIgnoreComment, .invalidConfiguration, .unknownConfigurationKey,
  ]

  /// Looks a kind up by code (`SP2001`, case-insensitive) or by name (`unpinned-from`).
  public static func lookup(_ codeOrName: String) -> DiagnosticKind? {
    let key = codeOrName.uppercased()
    return all.first { $0.code == key || $0.name == codeOrName.lowercased() }
  }
}

extension DiagnosticCatalog {
  /// The long form `spawnc explain CODE` prints.
  public static func explanation(of kind: DiagnosticKind) -> String {
    "\(kind.code) (\(kind.name), \(kind.severity.rawValue)): \(kind.summary)\n\n\(kind.explanation)\n"
  }

  /// `docs/diagnostics.md`, generated from the catalog (`spawnc explain --all --markdown`).
  public static func markdown() -> String {
    var out = """
      # spawnc diagnostics

      <!-- Generated by `spawnc explain --all --markdown > docs/diagnostics.md`; do not edit. -->

      Every diagnostic has a stable code. `spawnc explain CODE` prints the same text. Codes are never
      reused; the first digit groups them: SP1 syntax, SP2 structure and names, SP3 variables, SP4 typed
      values, SP5 Dockerfile features spawnc does not support, SP6 limits of the generated files, SP7
      ignore comments and the configuration file.

      | code | name | severity | summary |
      |---|---|---|---|

      """
    for kind in all {
      out += "| [\(kind.code)](#\(kind.code.lowercased())) | `\(kind.name)` | \(kind.severity.rawValue) | \(kind.summary) |\n"
    }
    for kind in all {
      out += "\n## \(kind.code)\n\n`\(kind.name)` (\(kind.severity.rawValue)): \(kind.summary)\n\n\(kind.explanation)\n"
    }
    return out
  }
}
