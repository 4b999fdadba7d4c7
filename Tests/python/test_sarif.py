"""`spawnc check --format sarif` validates against the SARIF 2.1.0 schema (OASIS, kept in
Tests/Data) and carries what code-scanning services show: rules, levels, locations, fixes."""
import json
import pathlib
import subprocess

import jsonschema
import pytest

from conftest import ROOT, SPAWNC

SCHEMA = json.loads((ROOT / "Tests" / "Data" / "sarif-schema-2.1.0.json").read_text())
ID = "sha256:" + "d" * 64


def sarif(*paths, cwd=None):
    result = subprocess.run([SPAWNC, "check", "--format", "sarif", "--no-config", *map(str, paths)],
                            capture_output=True, text=True, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def test_examples_and_corpus_validate():
    files = sorted((ROOT / "examples").glob("*/Spawnfile"))
    files += sorted((ROOT.parent / "shared" / "corpus" / "dockerfiles").glob("*.Dockerfile"))[:20]
    _, log = sarif(*files)
    jsonschema.validate(log, SCHEMA)
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "spawnc"
    assert len(run["artifacts"]) == len(files)
    assert run["results"], "the corpus files produce diagnostics"


def test_result_fields(tmp_path: pathlib.Path):
    recipe = tmp_path / "my app" / "Spawnfile"
    recipe.parent.mkdir()
    recipe.write_text(f"FROM {ID}\nENV A=\"é🙂\" B=$NOPE\nADD app /app\nCMD [\"/app\"]\n")
    status, log = sarif("my app/Spawnfile", cwd=tmp_path)
    jsonschema.validate(log, SCHEMA)
    assert status == 1
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = {r["ruleId"]: r for r in run["results"]}
    assert set(results) == {"SP3001", "SP5001"}
    undefined = results["SP3001"]
    assert rules[undefined["ruleIndex"]]["id"] == "SP3001"
    assert rules[undefined["ruleIndex"]]["name"] == "undefined-variable"
    assert undefined["level"] == "error"
    location = undefined["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "my%20app/Spawnfile"
    # Columns count Unicode scalars (columnKind unicodeCodePoints): é and 🙂 are one each.
    assert location["region"]["startLine"] == 2
    assert location["region"]["startColumn"] == 14
    assert location["region"]["endColumn"] == 19
    assert run["columnKind"] == "unicodeCodePoints"
    fix = results["SP5001"]["fixes"][0]
    replacement = fix["artifactChanges"][0]["replacements"][0]
    assert replacement["insertedContent"]["text"] == "COPY"
    assert replacement["deletedRegion"]["startLine"] == 3
    assert replacement["deletedRegion"]["startColumn"] == 1
    assert replacement["deletedRegion"]["endColumn"] == 4


def test_a_broken_log_would_fail_validation():
    """The schema check is not vacuous: a result without a message is rejected."""
    _, log = sarif(ROOT / "examples" / "hello" / "Spawnfile")
    log["runs"][0]["results"] = [{"ruleId": "SP1001"}]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(log, SCHEMA)
