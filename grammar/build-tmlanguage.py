#!/usr/bin/env python3
"""Writes grammar/spawnfile.tmLanguage.json, the TextMate grammar of the Spawnfile language.

The grammar is generated because most of it exists twice: once for the default escape character
`\\` and once for a file that starts with the parser directive `# escape=``, where the backtick
continues lines and escapes characters instead. Every rule that can span a continued line must
know which character continues it, and TextMate grammars have no parameters, so each such rule
is emitted for both (the backtick copies carry the suffix `-bt`).

    python3 grammar/build-tmlanguage.py          # rewrite the JSON next to this file
    python3 grammar/build-tmlanguage.py --check  # exit 1 when the JSON is out of date

Edit this file, not the JSON; Tests/python/test_grammar.py fails when the two disagree.
The instruction keywords must match Sources/SpawnSyntax/Grammar.swift and grammar/spawnfile.ebnf
(also checked by the test).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "spawnfile.tmLanguage.json"

# The instructions spawnc compiles, and the Dockerfile instructions it recognises and rejects.
SUPPORTED = [
    "FROM", "RUN", "CMD", "ENTRYPOINT", "COPY", "ENV", "ARG", "WORKDIR", "USER", "EXPOSE",
    "VOLUME", "LABEL", "STOPSIGNAL",
]
UNSUPPORTED = ["ADD", "ONBUILD", "HEALTHCHECK", "SHELL", "MAINTAINER"]
ACTIVATION_MODES = ["none", "socket", "proxy"]
DIRECTIVES = ["escape", "syntax", "check"]

KEYWORD = "keyword.control.instruction.spawnfile"
# Unsupported instructions keep the keyword scope (so every theme still shows them as keywords)
# and add invalid.deprecated, which themes that style it show as "replace this".
UNSUPPORTED_KEYWORD = KEYWORD + " invalid.deprecated.instruction.spawnfile"

# The end of an instruction (and of anything open in it): the end of a line that is not continued.
# Zero-width, right after the last non-blank character, so that every open rule ends at the same
# place. A continued line never gets here: the continuation pattern consumes the escape character
# and the line break. A blank line inside a continued instruction has no non-blank character, so
# the instruction goes on after it, as in BuildKit (which skips it with a warning).
END = r"(?<=\S)(?=[ \t]*$)"

# The end of a word: a blank, the end of the line, or a continuing escape character (which is
# not part of the word: `--from=build\` continues the line).
WORD_END = r"(?=\s|$|[\\`][ \t]*$)"
# Put before a character class of a word: the character is not a continuing escape character.
NOT_CONTINUATION = r"(?![\\`][ \t]*$)"

DIRECTIVE_LOOKAHEAD = r"#[ \t]*(?i:" + "|".join(DIRECTIVES) + r")[ \t]*="


def capture(name: str) -> dict:
    return {"name": name}


def include(name: str) -> dict:
    return {"include": "#" + name}


class Mode:
    """One escape character: the default backslash or the backtick of `# escape=``."""

    def __init__(self, char: str, suffix: str) -> None:
        self.char = char  # as written in a regex
        self.suffix = suffix

    def ref(self, name: str) -> dict:
        return include(name + self.suffix)

    def multiline(self, *patterns: dict) -> list:
        """Patterns of a rule that can span continued lines."""
        return [self.ref("line-continuation"), include("continuation-comment"), *patterns]


BACKSLASH = Mode(r"\\", "")
BACKTICK = Mode("`", "-bt")


def shared_rules() -> dict:
    """Rules that do not depend on the escape character."""
    directive_names = "|".join(DIRECTIVES)
    return {
        "directives": {
            "comment": "Parser directives: `# name=value` lines at the very top of the file.",
            "begin": r"\A(?=" + DIRECTIVE_LOOKAHEAD + ")",
            "end": r"^(?!" + DIRECTIVE_LOOKAHEAD + ")",
            "patterns": [include("escape-backtick"), include("directive")],
        },
        "escape-backtick": {
            "comment": "`# escape=``: the rest of the file uses the backtick as its escape character.",
            "begin": r"^(?=#[ \t]*(?i:escape)[ \t]*=[ \t]*`[ \t]*$)",
            "end": r"(?!)",
            "patterns": [include("directive-tail"), *main_patterns(BACKTICK)],
        },
        "directive-tail": {
            "comment": "The directives from `# escape=`` on.",
            "begin": r"\G(?=" + DIRECTIVE_LOOKAHEAD + ")",
            "end": r"^(?!" + DIRECTIVE_LOOKAHEAD + ")",
            "patterns": [include("directive")],
        },
        "directive": {
            "match": r"^(#)[ \t]*((?i:" + directive_names + r"))[ \t]*(=)[ \t]*(.*?)[ \t]*$",
            "name": "meta.preprocessor.directive.spawnfile",
            "captures": {
                "1": capture("punctuation.definition.directive.spawnfile"),
                "2": capture("keyword.other.directive.spawnfile"),
                "3": capture("keyword.operator.assignment.spawnfile"),
                "4": capture("string.unquoted.directive-value.spawnfile"),
            },
        },
        "comment": {
            "match": r"^[ \t]*((#).*$\n?)",
            "captures": {
                "1": capture("comment.line.number-sign.spawnfile"),
                "2": capture("punctuation.definition.comment.spawnfile"),
            },
        },
        "continuation-comment": {
            "comment": "A comment line inside a continued instruction (BuildKit drops it).",
            "match": r"^[ \t]*((#).*$\n?)",
            "captures": {
                "1": capture("comment.line.number-sign.spawnfile"),
                "2": capture("punctuation.definition.comment.spawnfile"),
            },
        },
        "digest": {
            "match": r"(?<![\w.-])(sha256)(:)([0-9a-fA-F]{64})(?![\w.-])",
            "name": "constant.other.digest.spawnfile",
            "captures": {
                "1": capture("storage.type.digest-algorithm.spawnfile"),
                "2": capture("punctuation.separator.digest.spawnfile"),
            },
        },
        "bad-digest": {
            "match": r"(?<![\w.-])sha256:[0-9a-fA-F]*(?![\w.$-])",
            "name": "invalid.illegal.digest.spawnfile",
        },
        "variable-simple": {
            "match": r"(\$)([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!])",
            "name": "variable.other.spawnfile",
            "captures": {"1": capture("punctuation.definition.variable.spawnfile")},
        },
        "number": {
            "match": r"(?<![\w.$-])[0-9]+(?![\w.-])",
            "name": "constant.numeric.integer.spawnfile",
        },
        "flag-value": {
            "comment": "The value of a flag (captured, so single-line).",
            "patterns": [
                include("digest"),
                include("variable-simple"),
                {"match": r"\$\{[^}]*\}", "name": "variable.other.spawnfile"},
                {"match": r'"[^"]*"', "name": "string.quoted.double.spawnfile"},
                {"match": r"'[^']*'", "name": "string.quoted.single.spawnfile"},
                include("number"),
            ],
        },
        "flag": {
            "patterns": [
                {
                    "comment": "EXPOSE --activation=none|socket|proxy",
                    "match": r"(?<![^ \t])(--activation)(?:(=)(?:("
                    + "|".join(ACTIVATION_MODES)
                    + ")"
                    + WORD_END
                    + r"|(\$(?:" + NOT_CONTINUATION + r"\S)*)|((?:" + NOT_CONTINUATION + r"\S)*)))?",
                    "captures": {
                        "1": capture("variable.parameter.flag.spawnfile"),
                        "2": capture("keyword.operator.assignment.spawnfile"),
                        "3": capture("constant.language.activation.spawnfile"),
                        "4": {"patterns": [include("flag-value")]},
                        "5": capture("invalid.illegal.activation.spawnfile"),
                    },
                },
                {
                    "comment": "COPY --from=stage|index|image",
                    "match": r"(?<![^ \t])(--from)(?:(=)(?:([0-9]+)"
                    + WORD_END
                    + r"|([A-Za-z][A-Za-z0-9_.-]*)"
                    + WORD_END
                    + r"|((?:" + NOT_CONTINUATION + r"\S)*)))?",
                    "captures": {
                        "1": capture("variable.parameter.flag.spawnfile"),
                        "2": capture("keyword.operator.assignment.spawnfile"),
                        "3": capture("constant.numeric.integer.stage-index.spawnfile"),
                        "4": capture("entity.name.type.stage.spawnfile"),
                        "5": {"patterns": [include("flag-value")]},
                    },
                },
                {
                    "comment": "COPY --link[=true|false]",
                    "match": r"(?<![^ \t])(--link)(?:(=)((?i:true|false))?)?" + WORD_END,
                    "captures": {
                        "1": capture("variable.parameter.flag.spawnfile"),
                        "2": capture("keyword.operator.assignment.spawnfile"),
                        "3": capture("constant.language.boolean.spawnfile"),
                    },
                },
                {
                    "match": r"""(?<![^ \t])(--[A-Za-z][A-Za-z0-9-]*)(?:(=)((?:"[^"]*"|'[^']*'|"""
                    + NOT_CONTINUATION
                    + r"""[^\s"'])*))?""",
                    "captures": {
                        "1": capture("variable.parameter.flag.spawnfile"),
                        "2": capture("keyword.operator.assignment.spawnfile"),
                        "3": {"patterns": [include("flag-value")]},
                    },
                },
            ]
        },
        "heredoc-marker": {
            "comment": "A further here-document marker on a line that already opened one.",
            "match": r"(?<![^ \t])([0-9]*)(<<-?)[ \t]*" + HEREDOC_DELIMITER + r"(\3)",
            "captures": {
                "1": capture("constant.numeric.integer.file-descriptor.spawnfile"),
                "2": capture("keyword.operator.heredoc.spawnfile"),
                "3": capture("punctuation.definition.string.begin.spawnfile"),
                "4": capture("keyword.control.heredoc-token.spawnfile"),
                "5": capture("punctuation.definition.string.end.spawnfile"),
            },
        },
        "heredoc-body": {
            "match": r"^.*$\n?",
            "name": "string.unquoted.heredoc.spawnfile",
        },
        "port": {
            "comment": "EXPOSE PORT[-LAST][/tcp|/udp]",
            "match": r"(?<![^ \t])([0-9]+)(?:(-)([0-9]+))?(?:((/)(?:((?i:tcp|udp))|((?i:sctp))|((?:" + NOT_CONTINUATION + r"\S)*))))?" + WORD_END,
            "captures": {
                "1": capture("constant.numeric.integer.port.spawnfile"),
                "2": capture("punctuation.separator.range.spawnfile"),
                "3": capture("constant.numeric.integer.port.spawnfile"),
                "4": capture("constant.numeric.protocol.spawnfile"),
                "5": capture("punctuation.separator.protocol.spawnfile"),
                "7": capture("invalid.deprecated.protocol.spawnfile"),
                "8": capture("invalid.illegal.protocol.spawnfile"),
            },
        },
        "signal": {
            "match": r"(?<![^ \t])(?:((?i:SIG)?(?i:RTMIN|RTMAX)(?:[+-][0-9]+)?|(?i:SIG)[A-Za-z0-9]+|[A-Z][A-Z0-9]+)|([0-9]+))" + WORD_END,
            "captures": {
                "1": capture("constant.language.signal.spawnfile"),
                "2": capture("constant.numeric.integer.signal.spawnfile"),
            },
        },
    }


def mode_rules(m: Mode) -> dict:
    """Rules that depend on the escape character, named with the mode's suffix."""
    e = m.char
    s = m.suffix
    rules = {
        "line-continuation": {
            "comment": "The escape character as the last non-blank character of a line, not itself escaped.",
            "match": r"(?<!" + e + r")(" + e + r")[ \t]*$\n?",
            "captures": {"1": capture("constant.character.escape.line-continuation.spawnfile")},
        },
        "escape": {
            "match": e + r"[^\n]",
            "name": "constant.character.escape.spawnfile",
        },
        "string-double": {
            "begin": '"',
            "beginCaptures": {"0": capture("punctuation.definition.string.begin.spawnfile")},
            "end": '(")|' + END,
            "endCaptures": {"1": capture("punctuation.definition.string.end.spawnfile")},
            "name": "string.quoted.double.spawnfile",
            "patterns": m.multiline(
                {"match": e + r"""["$`\\]""", "name": "constant.character.escape.spawnfile"},
                m.ref("variable"),
            ),
        },
        "string-single": {
            "begin": "'",
            "beginCaptures": {"0": capture("punctuation.definition.string.begin.spawnfile")},
            "end": "(')|" + END,
            "endCaptures": {"1": capture("punctuation.definition.string.end.spawnfile")},
            "name": "string.quoted.single.spawnfile",
            "patterns": m.multiline(),
        },
        "variable": {
            "patterns": [
                {
                    "comment": "${NAME/pattern/replacement} and ${NAME//pattern/replacement}",
                    "begin": r"(\$\{)([A-Za-z_][A-Za-z0-9_]*)(//?)",
                    "beginCaptures": {
                        "1": capture("punctuation.definition.variable.begin.spawnfile"),
                        "3": capture("keyword.operator.expansion.spawnfile"),
                    },
                    "end": r"(\})|" + END,
                    "endCaptures": {"1": capture("punctuation.definition.variable.end.spawnfile")},
                    "name": "variable.other.spawnfile",
                    "patterns": m.multiline(
                        {
                            "match": r"\G((?:[^/}" + e + "]|" + e + r".)*)(/)",
                            "captures": {"2": capture("keyword.operator.expansion.spawnfile")},
                        },
                        m.ref("variable"),
                        m.ref("escape"),
                    ),
                },
                {
                    "comment": "${NAME}, ${NAME:-word}, ${NAME+word}, ${NAME:?word}, ${NAME#pattern}, ${NAME%%pattern}, ...",
                    "begin": r"(\$\{)(?:([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])(?:(:?[-+?=])|(##?|%%?))?)?",
                    "beginCaptures": {
                        "1": capture("punctuation.definition.variable.begin.spawnfile"),
                        "3": capture("keyword.operator.expansion.spawnfile"),
                        "4": capture("keyword.operator.expansion.spawnfile"),
                    },
                    "end": r"(\})|" + END,
                    "endCaptures": {"1": capture("punctuation.definition.variable.end.spawnfile")},
                    "name": "variable.other.spawnfile",
                    "patterns": m.multiline(
                        m.ref("variable"),
                        m.ref("string-double"),
                        m.ref("string-single"),
                        m.ref("escape"),
                    ),
                },
                include("variable-simple"),
            ]
        },
        "word": {
            "comment": "What a word of an instruction can hold.",
            "patterns": [
                m.ref("string-double"),
                m.ref("string-single"),
                m.ref("variable"),
                include("digest"),
                m.ref("escape"),
            ],
        },
        "exec-form": {
            "comment": "A JSON array of strings as the first argument: exec form.",
            "begin": r'\G(\[)(?=\s*(?:"|\]|' + e + r"[ \t]*$|$))",
            "beginCaptures": {"1": capture("punctuation.definition.array.begin.spawnfile")},
            "end": r"(\])|" + END,
            "endCaptures": {"1": capture("punctuation.definition.array.end.spawnfile")},
            "name": "meta.array.exec-form.spawnfile",
            "patterns": m.multiline(
                m.ref("json-string"),
                {"match": ",", "name": "punctuation.separator.array.spawnfile"},
                {"match": "(?:" + NOT_CONTINUATION + r'[^\s,\]"])+', "name": "invalid.illegal.exec-form.spawnfile"},
            ),
        },
        "json-string": {
            "begin": '"',
            "beginCaptures": {"0": capture("punctuation.definition.string.begin.spawnfile")},
            "end": '(")|' + END,
            "endCaptures": {"1": capture("punctuation.definition.string.end.spawnfile")},
            "name": "string.quoted.double.json.spawnfile",
            "patterns": m.multiline(
                {
                    "match": r'\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})',
                    "name": "constant.character.escape.spawnfile",
                },
                {"match": r"\\.", "name": "invalid.illegal.unrecognized-string-escape.spawnfile"},
            ),
        },
        "heredoc": {
            "patterns": [
                heredoc(m, dash=True, several=True),
                heredoc(m, dash=False, several=True),
                heredoc(m, dash=True, several=False),
                heredoc(m, dash=False, several=False),
            ],
        },
        "heredoc-line": {
            "comment": "The rest of the line that opened a here-document.",
            "begin": r"\G",
            "end": r"\n",
            "patterns": [include("heredoc-marker"), m.ref("word")],
        },
    }
    # Instruction bodies: what follows the keyword and its flags.
    image = {
        "patterns": [
            {"match": r"\G(?i:scratch)" + WORD_END, "name": "constant.language.scratch.spawnfile"},
            {
                "comment": "name@sha256:... (the name is informational)",
                "match": r"\G([A-Za-z0-9][A-Za-z0-9_./:-]*)(@)",
                "captures": {
                    "1": capture("entity.name.image.spawnfile"),
                    "2": capture("punctuation.separator.digest.spawnfile"),
                },
            },
            include("digest"),
            include("bad-digest"),
            {
                "comment": "name:tag: a tag is not a pin (SP2001)",
                "match": r"\G([A-Za-z0-9][A-Za-z0-9_./-]*(?::[0-9]+/[A-Za-z0-9_./-]+)?)(:)([A-Za-z0-9_][A-Za-z0-9_.-]*)" + WORD_END,
                "captures": {
                    "1": capture("entity.name.image.spawnfile"),
                    "2": capture("punctuation.separator.tag.spawnfile"),
                    "3": capture("invalid.deprecated.tag.spawnfile"),
                },
            },
            {
                "comment": "an earlier stage",
                "match": r"\G([A-Za-z][A-Za-z0-9_.-]*)" + WORD_END,
                "captures": {"1": capture("entity.name.type.stage.spawnfile")},
            },
            {
                "match": r"(?<![^ \t])((?i:as))" + WORD_END + r"(?:[ \t]+([A-Za-z][A-Za-z0-9_.-]*)" + WORD_END + ")?",
                "captures": {
                    "1": capture("keyword.other.as.spawnfile"),
                    "2": capture("entity.name.type.stage.spawnfile"),
                },
            },
        ]
    }
    pair_key = {
        "match": r"(?<![^ \t])([A-Za-z_][A-Za-z0-9_]*)(=)",
        "captures": {
            "1": capture("variable.other.assignment.spawnfile"),
            "2": capture("keyword.operator.assignment.spawnfile"),
        },
    }
    bodies = {
        "from": [image, m.ref("word")],
        "run": [m.ref("exec-form"), m.ref("heredoc"), m.ref("word")],
        "cmd": [m.ref("exec-form"), m.ref("word")],
        "entrypoint": [m.ref("exec-form"), m.ref("word")],
        "shell": [m.ref("exec-form"), m.ref("word")],
        "copy": [m.ref("exec-form"), m.ref("heredoc"), m.ref("word")],
        "add": [m.ref("exec-form"), m.ref("heredoc"), m.ref("word")],
        "volume": [m.ref("exec-form"), m.ref("word")],
        "env": [
            {
                "comment": "legacy form: ENV NAME value",
                "match": r"\G([A-Za-z_][A-Za-z0-9_]*)(?=[ \t])",
                "captures": {"1": capture("variable.other.assignment.spawnfile")},
            },
            pair_key,
            m.ref("word"),
        ],
        "arg": [
            pair_key,
            {
                "match": r"(?<![^ \t])([A-Za-z_][A-Za-z0-9_]*)" + WORD_END,
                "captures": {"1": capture("variable.other.assignment.spawnfile")},
            },
            m.ref("word"),
        ],
        "label": [
            {
                "match": r"""(?<![^ \t])([^\s="'$]+)(=)""",
                "captures": {
                    "1": capture("entity.other.attribute-name.spawnfile"),
                    "2": capture("keyword.operator.assignment.spawnfile"),
                },
            },
            {
                "comment": "legacy form: LABEL key value",
                "match": r"""\G([^\s="'$]+)(?=[ \t])""",
                "captures": {"1": capture("entity.other.attribute-name.spawnfile")},
            },
            m.ref("word"),
        ],
        "expose": [include("port"), m.ref("word")],
        "stopsignal": [include("signal"), m.ref("word")],
        "user": [include("number"), m.ref("word")],
        "workdir": [m.ref("word")],
        "onbuild": [m.ref("word")],
        "healthcheck": [m.ref("word")],
        "maintainer": [m.ref("word")],
        "unknown": [m.ref("word")],
    }
    for keyword in SUPPORTED + UNSUPPORTED:
        rules["instruction-" + keyword.lower()] = instruction(m, keyword, bodies[keyword.lower()])
    rules["instruction-unknown"] = instruction(m, None, bodies["unknown"])
    rules["main"] = {"patterns": main_patterns(m)}
    return {name + s: rule for name, rule in rules.items()}


HEREDOC_DELIMITER = r"""(["']?)((?:""" + NOT_CONTINUATION + r"""[^\s"'<>|&;()])+)"""


def heredoc(m: Mode, dash: bool, several: bool) -> dict:
    """<<EOF, <<"EOF", <<'EOF': the body is the next lines up to a line equal to EOF; <<-EOF also
    strips leading tabs from them. With several on a line (COPY <<A <<B /dest) the bodies follow
    one another; they are highlighted as one, up to the delimiter of the last."""
    operator = "<<-" if dash else "<<(?!-)"
    marker = r"(?<![^ \t])([0-9]*)(<<-?)[ \t]*" + HEREDOC_DELIMITER + r"(\3)"
    if several:
        # The last marker of the line, in a lookahead: its delimiter (\8) ends the bodies.
        last = r"(?<![^ \t])[0-9]*(" + operator + r")[ \t]*" + HEREDOC_DELIMITER + r"\7" + WORD_END
        begin = marker + r"(?=.*" + last + ")"
        delimiter = r"\8"
    else:
        begin = marker.replace("(<<-?)", "(" + operator + ")")
        delimiter = r"\4"
    return {
        "begin": begin,
        "beginCaptures": {
            "1": capture("constant.numeric.integer.file-descriptor.spawnfile"),
            "2": capture("keyword.operator.heredoc.spawnfile"),
            "3": capture("punctuation.definition.string.begin.spawnfile"),
            "4": capture("keyword.control.heredoc-token.spawnfile"),
            "5": capture("punctuation.definition.string.end.spawnfile"),
        },
        "end": (r"^\t*(" if dash else "^(") + delimiter + ")$",
        "endCaptures": {"1": capture("keyword.control.heredoc-token.spawnfile")},
        "name": "meta.heredoc.spawnfile",
        "patterns": [m.ref("heredoc-line"), include("heredoc-body")],
    }


def instruction(m: Mode, keyword: str | None, body: list) -> dict:
    if keyword is None:
        begin = r"^[ \t]*([A-Za-z][A-Za-z0-9_-]*)" + WORD_END
        scope = "invalid.illegal.unknown-instruction.spawnfile"
        meta = "meta.instruction.unknown.spawnfile"
    else:
        begin = r"^[ \t]*((?i:" + keyword + "))" + WORD_END
        scope = KEYWORD if keyword in SUPPORTED else UNSUPPORTED_KEYWORD
        meta = "meta.instruction." + keyword.lower() + ".spawnfile"
    return {
        "name": meta,
        "begin": begin,
        "beginCaptures": {"1": capture(scope)},
        "end": END,
        "patterns": m.multiline(
            include("flag"),
            {
                "comment": "The arguments after the flags (a bare -- ends the flags).",
                "begin": r"(?<![^ \t])(--)(?=\s)|(?=\S)(?!--)",
                "beginCaptures": {"1": capture("keyword.operator.end-of-flags.spawnfile")},
                "end": END,
                "patterns": m.multiline(*body),
            },
        ),
    }


def main_patterns(m: Mode) -> list:
    instructions = [m.ref("instruction-" + k.lower()) for k in SUPPORTED + UNSUPPORTED]
    return [include("comment"), *instructions, m.ref("instruction-unknown")]


def grammar() -> dict:
    repository = {**shared_rules(), **mode_rules(BACKSLASH), **mode_rules(BACKTICK)}
    # main and main-bt are only used through their patterns.
    return {
        "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
        "name": "Spawnfile",
        "scopeName": "source.spawnfile",
        "fileTypes": ["Spawnfile", "spawnfile"],
        "comment": "Generated by grammar/build-tmlanguage.py; edit that file, not this one.",
        "patterns": [include("directives"), include("main")],
        "repository": dict(sorted(repository.items())),
    }


def render() -> str:
    return json.dumps(grammar(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if argv[1:] == ["--check"]:
        if OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT} is out of date: run python3 {Path(__file__).resolve().relative_to(HERE.parent)}")
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
