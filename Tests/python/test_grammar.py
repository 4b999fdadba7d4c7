"""The editor grammar (grammar/spawnfile.tmLanguage.json) run through a real TextMate tokenizer.

The tokenizer is babi's (`babi.highlight`, the TextMate engine of the babi editor) over Oniguruma
through onigurumacffi: begin/end/match rules, captures, back-references in `end`, `\\G` and `\\A`,
lines fed one at a time with their "\\n" as VS Code's vscode-textmate does.

What is checked:
- every line of every example and of the 60 real Dockerfiles in ../shared/corpus tokenizes;
- the instruction keywords the grammar marks are exactly the first words of the instructions, found
  independently: by a BuildKit-like scan here (directives, escape character, continuations,
  comment lines inside them, here-documents) and, for the corpus, by BuildKit itself (the
  `.buildkit-dump` next to each file lists its instructions);
- comments, directives and here-document bodies get their scopes, and nothing else does;
- concrete scopes on known lines of the examples and on small snippets (variables, flags,
  activation modes, digests, exec form, here-documents, continuations, `# escape=``);
- the grammar's keywords, activation modes and directives equal those of
  Sources/SpawnSyntax/Grammar.swift and grammar/spawnfile.ebnf, and the JSON is what
  grammar/build-tmlanguage.py generates;
- package.json and language-configuration.json are loadable and point at the grammar.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import re
import shutil
import signal
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from babi.highlight import Grammars, highlight_line

ROOT = Path(__file__).resolve().parents[2]
GRAMMAR_DIR = ROOT / "grammar"
GRAMMAR_FILE = GRAMMAR_DIR / "spawnfile.tmLanguage.json"
EXAMPLES = sorted((ROOT / "examples").glob("*/Spawnfile"))
CORPUS_DIR = ROOT.parent / "shared" / "corpus" / "dockerfiles"
CORPUS = sorted(CORPUS_DIR.glob("*.Dockerfile"))

KEYWORD = "keyword.control.instruction.spawnfile"
COMMENT = "comment.line.number-sign.spawnfile"
HEREDOC = "string.unquoted.heredoc.spawnfile"
DIRECTIVE = "keyword.other.directive.spawnfile"
VARIABLE = "variable.other.spawnfile"
FLAG = "variable.parameter.flag.spawnfile"
CONTINUATION = "constant.character.escape.line-continuation.spawnfile"
DIGEST = "constant.other.digest.spawnfile"
JSON_STRING = "string.quoted.double.json.spawnfile"
ESCAPE = "constant.character.escape.spawnfile"
STAGE = "entity.name.type.stage.spawnfile"


# ---------------------------------------------------------------------------------------------
# Tokenizing


@pytest.fixture(scope="module")
def compiler(tmp_path_factory):
    # babi finds a grammar by its scope name: <scopeName>.json in a directory.
    directory = tmp_path_factory.mktemp("grammars")
    shutil.copyfile(GRAMMAR_FILE, directory / "source.spawnfile.json")
    return Grammars(str(directory)).compiler_for_scope("source.spawnfile")


@contextlib.contextmanager
def time_limit(seconds: int):
    """A grammar that loops without advancing hangs the tokenizer: fail instead."""

    def expired(signum, frame):
        raise TimeoutError(f"tokenizing took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


class Tokens:
    """The scopes of every character of a text, line by line (the root scope left out)."""

    def __init__(self, compiler, text: str) -> None:
        self.lines = text.split("\n")
        if self.lines and self.lines[-1] == "":
            self.lines.pop()
        self.scopes: list[list[tuple[str, ...]]] = []
        self.regions: list[list[tuple[int, int, tuple[str, ...]]]] = []
        state = compiler.root_state
        with time_limit(20):
            for number, line in enumerate(self.lines):
                state, regions = highlight_line(compiler, state, line + "\n", number == 0)
                per_char: list[tuple[str, ...] | None] = [None] * (len(line) + 1)
                for region in regions:
                    for column in range(region.start, min(region.end, len(line) + 1)):
                        per_char[column] = region.scope[1:]
                assert None not in per_char, f"line {number + 1}: characters without a token: {line!r}"
                self.scopes.append(per_char[: len(line)])  # type: ignore[arg-type]
                self.regions.append([(r.start, r.end, r.scope[1:]) for r in regions])

    def at(self, line: int, column: int) -> tuple[str, ...]:
        """Scopes of a character; line and column count from 0."""
        return self.scopes[line][column]

    def columns_with(self, scope: str) -> set[tuple[int, int]]:
        return {
            (line, column)
            for line, row in enumerate(self.scopes)
            for column, scopes in enumerate(row)
            if any(s == scope or s.startswith(scope + ".") for s in scopes)
        }

    def text_with(self, scope: str, line: int) -> str:
        """The characters of a line that carry a scope, joined."""
        return "".join(c for c, s in zip(self.lines[line], self.scopes[line]) if scope in s)


def find(tokens: Tokens, line_text: str, needle: str, occurrence: int = 0) -> tuple[int, int, int]:
    """(line, start, end) of `needle` in the first line that contains `line_text`."""
    for number, line in enumerate(tokens.lines):
        if line_text in line:
            start = -1
            for _ in range(occurrence + 1):
                start = line.index(needle, start + 1)
            return number, start, start + len(needle)
    raise AssertionError(f"no line contains {line_text!r}")


def assert_scope(tokens: Tokens, line_text: str, needle: str, scope: str, occurrence: int = 0) -> None:
    """Every character of `needle` (on the line containing `line_text`) carries `scope`."""
    line, start, end = find(tokens, line_text, needle, occurrence)
    for column in range(start, end):
        assert scope in tokens.at(line, column), (
            f"{needle!r} in line {line + 1} {tokens.lines[line]!r}: column {column + 1} "
            f"has {tokens.at(line, column)}, expected {scope}"
        )


def assert_no_scope(tokens: Tokens, line_text: str, needle: str, scope: str, occurrence: int = 0) -> None:
    line, start, end = find(tokens, line_text, needle, occurrence)
    for column in range(start, end):
        assert not any(s.startswith(scope) for s in tokens.at(line, column)), (
            f"{needle!r} in line {line + 1} {tokens.lines[line]!r}: column {column + 1} "
            f"has {tokens.at(line, column)}, expected no {scope}"
        )


# ---------------------------------------------------------------------------------------------
# An independent, BuildKit-like scan: where instructions, comments, directives and heredoc bodies are


@dataclass
class Scan:
    escape: str = "\\"
    keywords: list[tuple[int, int, str]] = field(default_factory=list)  # line, column, word
    comments: list[tuple[int, int]] = field(default_factory=list)  # line, column of '#'
    directives: list[tuple[int, int, str]] = field(default_factory=list)  # line, column, name
    heredoc_lines: set[int] = field(default_factory=set)
    continuation_lines: set[int] = field(default_factory=set)


DIRECTIVE_LINE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
HEREDOC_WORD = re.compile(r"""(?:^|(?<=\s))[0-9]*<<(-?)(["']?)([^\s"'<]+)\2(?=\s|$)""")


def continued(line: str, escape: str) -> bool:
    # BuildKit: ([^E])E[ \t]*$ or ^E[ \t]*$
    e = re.escape(escape)
    return re.search(rf"(?:^|[^{e}]){e}[ \t]*$", line) is not None


def is_exec_form(arguments: str) -> bool:
    words = arguments.split()
    while words and words[0].startswith("--"):
        words.pop(0)
    rest = " ".join(words)
    if not rest.startswith("["):
        return False
    try:
        value = json.loads(rest)
    except ValueError:
        return False
    return isinstance(value, list)


def scan(text: str) -> Scan:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    result = Scan()
    number = 0
    seen: set[str] = set()
    while number < len(lines):
        match = DIRECTIVE_LINE.match(lines[number])
        if not match or match[1].lower() not in ("escape", "syntax", "check") or match[1].lower() in seen:
            break
        seen.add(match[1].lower())
        if match[1].lower() == "escape":
            result.escape = match[2]
        result.directives.append((number, lines[number].index(match[1]), match[1]))
        number += 1
    while number < len(lines):
        line = lines[number]
        stripped = line.strip()
        if not stripped:
            number += 1
            continue
        if stripped.startswith("#"):
            result.comments.append((number, line.index("#")))
            number += 1
            continue
        word = stripped.split()[0]
        result.keywords.append((number, line.index(word), word))
        logical = line
        while continued(lines[number], result.escape) and number + 1 < len(lines):
            logical = logical.rstrip()[:-1]
            number += 1
            while number < len(lines) and (not lines[number].strip() or lines[number].strip().startswith("#")):
                if lines[number].strip():
                    result.comments.append((number, lines[number].index("#")))
                number += 1
            if number == len(lines):
                break
            result.continuation_lines.add(number)
            logical += lines[number]
        number += 1
        arguments = logical.strip()[len(word):]
        if word.lower() in ("run", "copy", "add") and not is_exec_form(arguments):
            for heredoc in HEREDOC_WORD.finditer(arguments):
                strip_tabs, delimiter = heredoc[1] == "-", heredoc[3]
                while number < len(lines):
                    body = lines[number].lstrip("\t") if strip_tabs else lines[number]
                    number += 1
                    if body == delimiter:
                        break
                    result.heredoc_lines.add(number - 1)
    return result


def check_against_scan(tokens: Tokens, found: Scan) -> None:
    """The grammar marks keywords, comments, directives and heredoc bodies where the scan found them."""
    expected_keywords = set()
    for line, column, word in found.keywords:
        for c in range(column, column + len(word)):
            expected_keywords.add((line, c))
        assert KEYWORD not in tokens.at(line, column - 1) if column else True
        after = column + len(word)
        assert after >= len(tokens.lines[line]) or KEYWORD not in tokens.at(line, after)
    marked = {(l, c) for (l, c) in tokens.columns_with(KEYWORD)}
    missing = sorted(expected_keywords - marked)
    extra = sorted(marked - expected_keywords)
    assert not missing, f"keywords not marked: {[(l + 1, tokens.lines[l]) for l, _ in missing[:3]]}"
    assert not extra, f"marked as keywords but are not: {[(l + 1, tokens.lines[l]) for l, _ in extra[:3]]}"

    # continuation lines belong to the instruction they continue
    for line in found.continuation_lines:
        for column, char in enumerate(tokens.lines[line]):
            if not char.isspace():
                scopes = tokens.at(line, column)
                assert any(s.startswith("meta.instruction.") for s in scopes), (line + 1, tokens.lines[line])
                assert "meta.instruction.unknown.spawnfile" not in scopes, (line + 1, tokens.lines[line])

    comment_columns = set()
    for line, column in found.comments:
        comment_columns |= {(line, c) for c in range(column, len(tokens.lines[line]))}
    marked = tokens.columns_with(COMMENT)
    assert comment_columns <= marked, f"comments not marked: {sorted(comment_columns - marked)[:3]}"
    assert marked <= comment_columns, f"not comments: {sorted(marked - comment_columns)[:3]}"

    for line, column, name in found.directives:
        assert tokens.text_with(DIRECTIVE, line) == name, tokens.lines[line]

    heredoc_columns = {(l, c) for l in found.heredoc_lines for c in range(len(tokens.lines[l]))}
    marked = tokens.columns_with(HEREDOC)
    assert heredoc_columns <= marked, f"heredoc body not marked: {sorted(heredoc_columns - marked)[:3]}"
    assert marked <= heredoc_columns, f"marked as heredoc body: {sorted(marked - heredoc_columns)[:3]}"


# ---------------------------------------------------------------------------------------------
# The examples and the corpus


def test_inputs_exist():
    assert len(EXAMPLES) >= 6
    assert len(CORPUS) >= 60


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_example(compiler, path):
    text = path.read_text(encoding="utf-8")
    found = scan(text)
    assert found.keywords, "the scan found no instruction"
    tokens = Tokens(compiler, text)
    check_against_scan(tokens, found)
    assert not tokens.columns_with("invalid")  # the examples are valid recipes


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name[: -len(".Dockerfile")])
def test_corpus(compiler, path):
    text = path.read_text(encoding="utf-8")
    tokens = Tokens(compiler, text)
    found = scan(text)
    # BuildKit's own list of the file's instructions.
    dump = path.with_name(path.name[: -len(".Dockerfile")] + ".buildkit-dump").read_text(encoding="utf-8")
    buildkit = [re.match(r"\((\w+)", line)[1] for line in dump.splitlines() if line.strip()]
    assert [w.lower() for _, _, w in found.keywords] == buildkit, "the scan disagrees with BuildKit"
    marked = []
    for line, row in enumerate(tokens.regions):
        for start, end, scopes in row:
            if any(s.startswith(KEYWORD) for s in scopes):
                marked.append(tokens.lines[line][start:end].lower())
    assert marked == buildkit
    check_against_scan(tokens, found)
    assert not tokens.columns_with("invalid.illegal.unknown-instruction.spawnfile")


def test_corpus_features_are_covered():
    """The corpus exercises what the grammar must get right (so that test_corpus means something)."""
    texts = [p.read_text(encoding="utf-8") for p in CORPUS]
    assert sum("# escape=`" in t for t in texts) >= 3
    assert sum("<<-" in t for t in texts) >= 1
    assert sum(bool(re.search(r"<<['\"]", t)) for t in texts) >= 1
    assert sum(bool(re.search(r"\\\n\s*#", t)) for t in texts) >= 1  # comment inside a continuation
    assert sum(bool(re.search(r"\\\n\s*--mount", t)) for t in texts) >= 1  # flags on a continuation line


# Known lines of the examples.


def tokens_of(compiler, name: str) -> Tokens:
    return Tokens(compiler, (ROOT / "examples" / name / "Spawnfile").read_text(encoding="utf-8"))


def test_example_from_line(compiler):
    t = tokens_of(compiler, "multistage")
    assert_scope(t, "FROM busybox@", "FROM", KEYWORD)
    assert_scope(t, "FROM busybox@", "busybox", "entity.name.image.spawnfile")
    assert_scope(t, "FROM busybox@", "${BUSYBOX}", VARIABLE)
    assert_scope(t, "FROM busybox@", "${", "punctuation.definition.variable.begin.spawnfile")
    assert_scope(t, "FROM busybox@", "AS", "keyword.other.as.spawnfile")
    assert_scope(t, "FROM busybox@", "build", STAGE)
    assert_scope(t, "FROM scratch", "scratch", "constant.language.scratch.spawnfile")
    assert_scope(t, "COPY --from=build /out/www/", "--from", FLAG)
    assert_scope(t, "COPY --from=build /out/www/", "build", STAGE)
    assert_no_scope(t, "COPY --from=build /out/www/", "/out/www/", FLAG)


def test_example_digest(compiler):
    for path in EXAMPLES:
        t = Tokens(compiler, path.read_text(encoding="utf-8"))
        line, start, end = find(t, "ARG BUSYBOX=sha256:", "sha256:")
        digest = t.lines[line][start:]
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest)
        assert t.text_with(DIGEST, line) == digest
        assert_scope(t, "ARG BUSYBOX=", "BUSYBOX", "variable.other.assignment.spawnfile")


def test_example_heredoc(compiler):
    t = tokens_of(compiler, "multistage")
    line, _, _ = find(t, "RUN <<EOT", "EOT")
    assert_scope(t, "RUN <<EOT", "EOT", "keyword.control.heredoc-token.spawnfile")
    assert t.lines[line + 4] == "echo \"built in stage 'build'\" > www/index.html"
    for body in range(line + 1, line + 5):
        assert all(HEREDOC in s for s in t.scopes[body]), t.lines[body]
        # quotes inside a body are the shell's business, not strings of the recipe
        assert not any("string.quoted" in x for s in t.scopes[body] for x in s)
    assert t.lines[line + 5] == "EOT"
    assert all("keyword.control.heredoc-token.spawnfile" in s for s in t.scopes[line + 5])
    # after the terminator: back to instructions
    assert t.lines[line + 7] == "FROM scratch"
    assert KEYWORD in t.at(line + 7, 0)
    assert not any(HEREDOC in s for s in t.scopes[line + 7])


def test_example_activation_and_ports(compiler):
    t = tokens_of(compiler, "web-socket")
    assert_scope(t, "EXPOSE --activation=socket", "--activation", FLAG)
    assert_scope(t, "EXPOSE --activation=socket", "socket", "constant.language.activation.spawnfile")
    assert_scope(t, "EXPOSE --activation=socket", "8080", "constant.numeric.integer.port.spawnfile")
    assert_scope(t, "EXPOSE --activation=socket", "/tcp", "constant.numeric.protocol.spawnfile")
    t = tokens_of(compiler, "web-proxy")
    assert_scope(t, "EXPOSE --activation=proxy", "proxy", "constant.language.activation.spawnfile")
    t = tokens_of(compiler, "udp-echo")
    assert_scope(t, "EXPOSE --activation=socket 5353/udp", "5353", "constant.numeric.integer.port.spawnfile")
    assert_scope(t, "EXPOSE --activation=socket 5353/udp", "/udp", "constant.numeric.protocol.spawnfile")
    assert_scope(t, "COPY --chmod=755", "--chmod", FLAG)
    assert_scope(t, "COPY --chmod=755", "755", "constant.numeric.integer.spawnfile")


def test_example_exec_form(compiler):
    t = tokens_of(compiler, "hello")
    line, _, _ = find(t, 'CMD ["/bin/sh"', "[")
    assert_scope(t, 'CMD ["/bin/sh"', "[", "punctuation.definition.array.begin.spawnfile")
    assert_scope(t, 'CMD ["/bin/sh"', '"/bin/sh"', JSON_STRING)
    assert_scope(t, 'CMD ["/bin/sh"', ",", "punctuation.separator.array.spawnfile")
    assert t.lines[line].endswith('"]')
    assert "punctuation.definition.array.end.spawnfile" in t.at(line, len(t.lines[line]) - 1)
    # single quotes and $ inside a JSON string are plain string text
    assert_scope(t, 'CMD ["/bin/sh"', "'echo bye; exit 0'", JSON_STRING)
    assert_no_scope(t, 'CMD ["/bin/sh"', "'echo bye; exit 0'", "string.quoted.single")
    t = tokens_of(compiler, "notes")
    assert_scope(t, 'CMD ["/bin/sh"', '\\"', ESCAPE)
    assert_scope(t, 'CMD ["/bin/sh"', '"$NOTES_FILE', JSON_STRING)
    assert_no_scope(t, 'CMD ["/bin/sh"', "$NOTES_FILE", VARIABLE)


def test_example_continuations(compiler):
    t = tokens_of(compiler, "notes")
    line, _, _ = find(t, "RUN echo 'notes:x:1000:1000", "RUN")
    assert t.lines[line].endswith("\\")
    assert CONTINUATION in t.at(line, len(t.lines[line]) - 1)
    assert_scope(t, "RUN echo 'notes:x:1000:1000", "'notes:x:1000:1000:notes:/srv/notes:/bin/sh'", "string.quoted.single.spawnfile")
    assert_no_scope(t, "    echo 'notes:x:1000:'", "echo", KEYWORD)
    assert "meta.instruction.run.spawnfile" in t.at(line + 1, 4)
    assert_scope(t, "    GREETING=", "GREETING", "variable.other.assignment.spawnfile")
    assert_scope(t, "    GREETING=", '"started again"', "string.quoted.double.spawnfile")
    assert_scope(t, "ENV NOTES_FILE=", "NOTES_FILE", "variable.other.assignment.spawnfile")
    assert_scope(t, "STOPSIGNAL SIGINT", "SIGINT", "constant.language.signal.spawnfile")
    t = tokens_of(compiler, "multistage")
    assert_scope(t, "      org.opencontainers.image.description=", "org.opencontainers.image.description", "entity.other.attribute-name.spawnfile")
    assert_scope(t, "LABEL org.opencontainers.image.title", "org.opencontainers.image.title", "entity.other.attribute-name.spawnfile")


def test_example_comments(compiler):
    t = tokens_of(compiler, "web-socket")
    assert t.lines[0].startswith("# An HTTP service")
    assert all(COMMENT in s for s in t.scopes[0])
    assert "punctuation.definition.comment.spawnfile" in t.at(0, 0)
    assert t.lines[3] == "#"
    assert COMMENT in t.at(3, 0)


# Snippets.


def snippet(compiler, text: str) -> Tokens:
    return Tokens(compiler, text)


def test_variables(compiler):
    t = snippet(compiler, "ENV A=${V:-x} B=${V:+alt} C=$V D=${V/a/b} E=${V%%.*} F='$V' G=\"q$V\" H=\\$V\n")
    line = "ENV"
    assert_scope(t, line, "${V:-x}", VARIABLE)
    assert_scope(t, line, ":-", "keyword.operator.expansion.spawnfile")
    assert_scope(t, line, ":+", "keyword.operator.expansion.spawnfile")
    assert_scope(t, line, "$V", VARIABLE, occurrence=0)
    assert_scope(t, line, "${V/a/b}", VARIABLE)
    assert_scope(t, line, "/", "keyword.operator.expansion.spawnfile")  # the one of ${V/a/b}
    assert_scope(t, line, "%%", "keyword.operator.expansion.spawnfile")
    assert_scope(t, line, "}", "punctuation.definition.variable.end.spawnfile")
    assert_scope(t, line, "'$V'", "string.quoted.single.spawnfile")
    assert_no_scope(t, line, "'$V'", VARIABLE)  # single quotes are literal
    assert_scope(t, line, '"q$V"', "string.quoted.double.spawnfile")
    line_no, start, _ = find(t, line, '"q$V"')
    assert VARIABLE in t.at(line_no, start + 2) and VARIABLE in t.at(line_no, start + 3)
    assert_scope(t, line, "\\$", ESCAPE)
    assert_no_scope(t, line, "\\$V", VARIABLE)
    # nested default
    t = snippet(compiler, "WORKDIR ${A:-${B}/x}\n")
    assert_scope(t, "WORKDIR", "${A:-${B}/x}", VARIABLE)
    assert_scope(t, "WORKDIR", "${B}", VARIABLE)


def test_flags(compiler):
    t = snippet(
        compiler,
        "COPY --from=build --chown=1000:1000 --chmod=640 --link app.conf /etc/app.conf\n"
        "EXPOSE --activation=socket 8080 --activation=proxy\n"
        "EXPOSE --activation=bogus 8081\n"
        "RUN echo --not-a-flag\n"
        "RUN --mount=type=cache,target=/x \\\n"
        "    --network=none make --jobs=2\n",
    )
    for flag in ("--from", "--chown", "--chmod", "--link"):
        assert_scope(t, "COPY", flag, FLAG)
    assert_scope(t, "COPY", "build", STAGE)
    assert_scope(t, "COPY", "1000", "constant.numeric.integer.spawnfile")
    assert_no_scope(t, "COPY", "app.conf", FLAG)
    assert_scope(t, "EXPOSE --activation=socket", "socket", "constant.language.activation.spawnfile")
    # flags are the leading words only
    assert_no_scope(t, "EXPOSE --activation=socket", "--activation=proxy", FLAG)
    assert_scope(t, "EXPOSE --activation=bogus", "bogus", "invalid.illegal.activation.spawnfile")
    assert_no_scope(t, "RUN echo", "--not-a-flag", FLAG)
    assert_scope(t, "RUN --mount", "--mount", FLAG)
    assert_scope(t, "    --network", "--network", FLAG)  # still a leading flag after a continuation
    assert_no_scope(t, "    --network", "--jobs", FLAG)


def test_activation_modes_from_the_grammar_tables(compiler):
    for mode in parse_swift_activation_modes():
        t = snippet(compiler, f"EXPOSE --activation={mode} 80\n")
        assert_scope(t, "EXPOSE", mode, "constant.language.activation.spawnfile")
    t = snippet(compiler, "EXPOSE --activation=sockets 80\n")
    assert_scope(t, "EXPOSE", "sockets", "invalid.illegal.activation.spawnfile")


def test_from_forms(compiler):
    digest = "0726877c25b9407ed78673611317ff2a52d439a45e43335d4c368ce6ec2ca582"
    t = snippet(
        compiler,
        f"FROM busybox@sha256:{digest} AS base\n"
        f"FROM sha256:{digest}\n"
        "FROM base\n"
        "from debian:12 as other\n"
        "FROM sha256:abc1\n",
    )
    assert_scope(t, "FROM busybox@", f"sha256:{digest}", DIGEST)
    assert_scope(t, "FROM busybox@", "busybox", "entity.name.image.spawnfile")
    assert_scope(t, "FROM busybox@", "base", STAGE)
    assert_scope(t, f"FROM sha256:{digest}", f"sha256:{digest}", DIGEST)
    assert_scope(t, "FROM base", "base", STAGE)
    assert_scope(t, "from debian", "from", KEYWORD)
    assert_scope(t, "from debian", "12", "invalid.deprecated.tag.spawnfile")
    assert_scope(t, "from debian", "as", "keyword.other.as.spawnfile")
    assert_scope(t, "FROM sha256:abc1", "sha256:abc1", "invalid.illegal.digest.spawnfile")


def test_exec_form_escapes(compiler):
    t = snippet(compiler, 'CMD ["a\\n", "\\u00e9", "\\q", x]\nENTRYPOINT [ \\\n  "b" ]\nRUN [ -f x ] && y\n')
    assert_scope(t, "CMD", "\\n", ESCAPE)
    assert_scope(t, "CMD", "\\u00e9", ESCAPE)
    assert_scope(t, "CMD", "\\q", "invalid.illegal.unrecognized-string-escape.spawnfile")
    assert_scope(t, "CMD", "x", "invalid.illegal.exec-form.spawnfile")
    assert_scope(t, "ENTRYPOINT", "\\", CONTINUATION)
    assert_scope(t, '  "b"', '"b"', JSON_STRING)
    assert_scope(t, '  "b"', "]", "punctuation.definition.array.end.spawnfile")
    # a shell test command is not exec form
    assert_no_scope(t, "RUN [", "[", "punctuation.definition.array")


def test_heredocs(compiler):
    t = snippet(
        compiler,
        "RUN <<EOF\n"
        "RUN not an instruction\n"
        "# not a comment\n"
        "EOF\n"
        "COPY <<-\"END\" /etc/motd\n"
        "\t\thello $USER\n"
        "\tEND\n"
        "RUN cat <<'X' > /y && echo done\n"
        "EOF\n"
        "X\n"
        "USER 1000\n",
    )
    assert t.text_with(KEYWORD, 0) == "RUN"
    assert all(HEREDOC in s for s in t.scopes[1]) and all(HEREDOC in s for s in t.scopes[2])
    assert not t.columns_with(COMMENT)
    assert_scope(t, "EOF", "EOF", "keyword.control.heredoc-token.spawnfile")
    assert t.text_with(KEYWORD, 4) == "COPY"
    assert_scope(t, 'COPY <<-"END"', "<<-", "keyword.operator.heredoc.spawnfile")
    assert_scope(t, 'COPY <<-"END"', "END", "keyword.control.heredoc-token.spawnfile")
    assert not any(HEREDOC in s for s in t.scopes[4])  # the rest of the opening line is arguments
    assert all(HEREDOC in s for s in t.scopes[5])
    assert_no_scope(t, "\t\thello", "$USER", VARIABLE)
    assert "keyword.control.heredoc-token.spawnfile" in t.at(6, 1)  # <<- allows leading tabs
    assert_scope(t, "RUN cat <<'X'", "X", "keyword.control.heredoc-token.spawnfile")
    assert_no_scope(t, "RUN cat <<'X'", "echo done", HEREDOC)
    assert all(HEREDOC in s for s in t.scopes[8])  # EOF is not this heredoc's terminator
    assert t.text_with(KEYWORD, 10) == "USER"
    assert_scope(t, "USER 1000", "1000", "constant.numeric.integer.spawnfile")


def test_several_heredocs_on_a_line(compiler):
    t = snippet(compiler, 'COPY <<A <<-"B" /dest\nbody a\nA\n\tbody b\n\tB\nUSER 1\n')
    assert t.text_with("keyword.control.heredoc-token.spawnfile", 0) == "AB"
    for line in range(1, 4):  # the bodies, and the first terminator between them
        assert all(HEREDOC in s for s in t.scopes[line]), t.lines[line]
    assert t.text_with("keyword.control.heredoc-token.spawnfile", 4) == "B"
    assert t.text_with(KEYWORD, 5) == "USER"


def test_continuations(compiler):
    t = snippet(
        compiler,
        "RUN a \\\n"
        "\n"  # a blank line does not end a continued instruction (BuildKit skips it)
        "# a comment inside it\n"
        "  FROM b\n"
        "RUN c \\\\\n"  # an escaped escape character does not continue the line
        "ENV D=1 \\   \n"  # blanks after the escape character are allowed
        "  E=2\n"
        "WORKDIR /x\n",
    )
    assert t.text_with(KEYWORD, 0) == "RUN"
    assert CONTINUATION in t.at(0, 6)
    assert t.text_with(COMMENT, 2) == "# a comment inside it"
    assert_no_scope(t, "  FROM b", "FROM", KEYWORD)
    assert t.text_with(KEYWORD, 4) == "RUN"
    assert_no_scope(t, "RUN c", "\\\\", CONTINUATION)
    assert t.text_with(KEYWORD, 5) == "ENV"
    assert_scope(t, "ENV D=1", "\\", CONTINUATION)
    assert_scope(t, "  E=2", "E", "variable.other.assignment.spawnfile")
    assert t.text_with(KEYWORD, 7) == "WORKDIR"


def test_escape_directive(compiler):
    text = (
        "# syntax=docker/dockerfile:1\n"
        "# escape=`\n"
        "# check=skip=all\n"
        "FROM base\n"
        "RUN dir C:\\ `\n"
        "    && echo `\"q`\"\n"
        "RUN a \\\n"
        "WORKDIR C:\\app\n"
    )
    t = snippet(compiler, text)
    found = scan(text)
    assert found.escape == "`"
    check_against_scan(t, found)
    assert [name for _, _, name in found.directives] == ["syntax", "escape", "check"]
    assert_scope(t, "# escape", "escape", DIRECTIVE)
    assert_scope(t, "# escape", "`", "string.unquoted.directive-value.spawnfile")
    assert_scope(t, "RUN dir", "`", CONTINUATION)
    assert_no_scope(t, "RUN dir", "\\", CONTINUATION)
    assert_scope(t, "    && echo", '`"', ESCAPE)
    assert_no_scope(t, "RUN a \\", "\\", CONTINUATION)
    assert t.text_with(KEYWORD, 7) == "WORKDIR"

    # not at the top: a comment, and the backslash still continues lines
    text = "FROM base\n# escape=`\nRUN a \\\n  b `\nUSER 1\n"
    t = snippet(compiler, text)
    check_against_scan(t, scan(text))
    assert not t.columns_with(DIRECTIVE)
    assert_scope(t, "RUN a", "\\", CONTINUATION)
    assert_no_scope(t, "  b `", "`", CONTINUATION)
    # an unknown directive ends the directives
    text = "# syntax=x\n# foo=bar\n# escape=`\nRUN a \\\n  b\n"
    t = snippet(compiler, text)
    check_against_scan(t, scan(text))
    assert t.text_with(DIRECTIVE, 0) == "syntax" and not t.text_with(DIRECTIVE, 2)


def test_unsupported_and_unknown_instructions(compiler):
    t = snippet(compiler, "ADD a b\nMaintainer me\nFOO bar\nRUNX y\n")
    for line, word in ((0, "ADD"), (1, "Maintainer")):
        assert t.text_with(KEYWORD, line) == word
        assert t.text_with("invalid.deprecated.instruction.spawnfile", line) == word
    assert t.text_with("invalid.illegal.unknown-instruction.spawnfile", 2) == "FOO"
    assert not t.text_with(KEYWORD, 2) and not t.text_with(KEYWORD, 3)


# ---------------------------------------------------------------------------------------------
# Drift: the grammar and the language's tables say the same thing


def parse_swift_list(name: str) -> list[str]:
    text = (ROOT / "Sources" / "SpawnSyntax" / "Grammar.swift").read_text(encoding="utf-8")
    match = re.search(name + r":\s*\[InstructionKind\]\s*=\s*\[(.*?)\]", text, re.S)
    assert match, name
    return [word.upper() for word in re.findall(r"\.(\w+)", match[1])]


def parse_swift_activation_modes() -> list[str]:
    text = (ROOT / "Sources" / "SpawnSyntax" / "Grammar.swift").read_text(encoding="utf-8")
    match = re.search(r"activationModes\s*=\s*\[(.*?)\]", text, re.S)
    assert match
    return re.findall(r'"([^"]*)"', match[1])


def ebnf_productions() -> dict[str, str]:
    text = re.sub(r"\(\*.*?\*\)", "", (GRAMMAR_DIR / "spawnfile.ebnf").read_text(encoding="utf-8"), flags=re.S)
    productions = {}
    for statement in text.split(";"):
        name, sep, rhs = statement.partition("=")
        if sep and name.strip() and " " not in name.strip():
            productions[name.strip()] = rhs
    return productions


def terminals(rhs: str) -> list[str]:
    return re.findall(r'"([^"]*)"', rhs)


def grammar_json() -> dict:
    return json.loads(GRAMMAR_FILE.read_text(encoding="utf-8"))


def grammar_keywords(suffix: str = "") -> tuple[set[str], set[str]]:
    """(supported, unsupported) keywords of the instruction rules of the grammar."""
    supported, unsupported = set(), set()
    for name, rule in grammar_json()["repository"].items():
        scope = rule.get("beginCaptures", {}).get("1", {}).get("name", "")
        if not re.fullmatch(r"instruction-[a-z]+" + re.escape(suffix), name) or KEYWORD not in scope.split():
            continue
        words = re.findall(r"\(\?i:([A-Za-z|]+)\)", rule["begin"])
        assert len(words) == 1, rule["begin"]
        target = unsupported if "invalid.deprecated.instruction.spawnfile" in scope.split() else supported
        target.update(words[0].split("|"))
    return supported, unsupported


def test_keywords_match_the_language():
    swift_supported = set(parse_swift_list("supportedInstructions"))
    swift_unsupported = set(parse_swift_list("unsupportedInstructions"))
    productions = ebnf_productions()
    ebnf_supported = set()
    for reference in re.split(r"[\s|]+", productions["instruction"].strip()):
        ebnf_supported.add(terminals(productions[reference])[0])
    ebnf_unsupported = set(terminals(productions["unsupported-instruction"]))
    assert swift_supported == ebnf_supported and swift_unsupported == ebnf_unsupported
    assert len(swift_supported) == 13 and len(swift_unsupported) == 5
    for suffix in ("", "-bt"):
        supported, unsupported = grammar_keywords(suffix)
        assert supported == swift_supported, suffix
        assert unsupported == swift_unsupported, suffix


def test_every_keyword_is_highlighted(compiler):
    """Behaviour, not just the tables: each keyword, in any case, is one; near misses are not."""
    supported = parse_swift_list("supportedInstructions")
    unsupported = parse_swift_list("unsupportedInstructions")
    for word in supported + unsupported:
        for spelled in (word, word.lower(), word.capitalize()):
            for prefix in ("", "# escape=`\n"):
                t = snippet(compiler, f"{prefix}  {spelled} x\n{spelled}X y\n")
                line = prefix.count("\n")
                assert t.text_with(KEYWORD, line) == spelled, (prefix, spelled)
                deprecated = t.text_with("invalid.deprecated.instruction.spawnfile", line)
                assert deprecated == (spelled if word in unsupported else "")
                assert not t.text_with(KEYWORD, line + 1)


def test_activation_modes_and_directives_match_the_language():
    productions = ebnf_productions()
    modes = parse_swift_activation_modes()
    assert modes == terminals(productions["activation"])
    rules = grammar_json()["repository"]
    activation = next(p for p in rules["flag"]["patterns"] if "--activation" in p["match"])
    grammar_modes = re.search(r"\(=\)\(\?:\(([a-z|]+)\)", activation["match"])[1].split("|")
    assert sorted(grammar_modes) == sorted(modes)
    directives = terminals(productions["directive-name"])
    grammar_directives = re.search(r"\(\?i:([a-z|]+)\)", rules["directive"]["match"])[1].split("|")
    assert sorted(grammar_directives) == sorted(directives)


def test_json_is_generated():
    spec = importlib.util.spec_from_file_location("build_tmlanguage", GRAMMAR_DIR / "build-tmlanguage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert GRAMMAR_FILE.read_text(encoding="utf-8") == module.render(), (
        "grammar/spawnfile.tmLanguage.json is out of date: run python3 grammar/build-tmlanguage.py"
    )


# ---------------------------------------------------------------------------------------------
# The VS Code extension around the grammar


def test_vscode_extension_manifest():
    package = json.loads((GRAMMAR_DIR / "package.json").read_text(encoding="utf-8"))
    grammar = grammar_json()
    (language,) = package["contributes"]["languages"]
    (contributed,) = package["contributes"]["grammars"]
    assert contributed["language"] == language["id"]
    assert contributed["scopeName"] == grammar["scopeName"] == "source.spawnfile"
    assert (GRAMMAR_DIR / contributed["path"]).resolve() == GRAMMAR_FILE
    assert (GRAMMAR_DIR / language["configuration"]).is_file()
    assert "Spawnfile" in language["filenames"]
    assert {".Spawnfile", ".spawnfile"} <= set(language["extensions"])
    assert "engines" in package and "vscode" in package["engines"]


def test_language_configuration():
    config = json.loads((GRAMMAR_DIR / "language-configuration.json").read_text(encoding="utf-8"))
    assert config["comments"]["lineComment"] == "#"
    pairs = {(p["open"], p["close"]) for p in config["autoClosingPairs"]}
    assert {("[", "]"), ('"', '"'), ("{", "}")} <= pairs
    rules = config["onEnterRules"]

    def action(before: str, previous: str) -> str:
        # VS Code takes the first rule whose regular expressions match (these are also valid in JS).
        for rule in rules:
            if re.search(rule["beforeText"], before) and (
                "previousLineText" not in rule or re.search(rule["previousLineText"], previous)
            ):
                return rule["action"]["indent"]
        return "none"

    assert action("RUN apt-get update && \\", "") == "indent"
    assert action("RUN apt-get update && \\", "FROM base") == "indent"
    assert action("RUN a `", "# escape=`") == "indent"
    assert action("    apt-get install -y curl \\", "RUN apt-get update && \\") == "none"
    assert action("    apt-get install -y curl", "RUN apt-get update && \\") == "outdent"
    assert action("RUN echo done", "FROM base") == "none"
    assert action("RUN echo C:\\\\", "") == "none"  # an escaped escape character does not continue
