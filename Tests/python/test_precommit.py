"""The hooks of .pre-commit-hooks.yaml, run by pre-commit itself (`pre-commit try-repo`) in a
scratch repository, with the spawnc under test on PATH (the `-system` hooks; the source-built
hooks run the same entries after pre-commit builds the package with SwiftPM)."""
import os
import pathlib
import subprocess

import pytest

from conftest import ROOT, SPAWNC

ID = "sha256:" + "d" * 64


def run(*argv, cwd, check=False):
    env = dict(os.environ, PATH=str(pathlib.Path(SPAWNC).parent) + os.pathsep + os.environ["PATH"],
               PRE_COMMIT_HOME=str(cwd.parent / "pre-commit-home"), GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=check, timeout=300)


@pytest.fixture
def repository(tmp_path: pathlib.Path):
    repo = tmp_path / "repo"
    (repo / "good").mkdir(parents=True)
    (repo / "bad").mkdir()
    (repo / "good" / "Spawnfile").write_text(f"FROM {ID}\nCMD [\"/app\"]\n")
    (repo / "bad" / "Spawnfile").write_text(f"FROM {ID}\nEXPOSE 99999\nCMD [\"/app\"]\n")
    (repo / "notes.txt").write_text("not a recipe\n")
    run("git", "init", "-q", cwd=repo, check=True)
    run("git", "add", ".", cwd=repo, check=True)
    return repo


def python_bin(name):
    return str(pathlib.Path(os.sys.executable).parent / name)


def test_check_hook_fails_on_the_bad_recipe_only(repository):
    result = run(python_bin("pre-commit"), "try-repo", str(ROOT), "spawnc-check-system", "--all-files", cwd=repository)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "error[SP4001]: `99999` is not a port number" in result.stdout
    assert "bad/Spawnfile" in result.stdout
    assert "notes.txt" not in result.stdout
    good = run(python_bin("pre-commit"), "try-repo", str(ROOT), "spawnc-check-system", "--files", "good/Spawnfile",
               cwd=repository)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout


def test_fmt_hook_rewrites_and_then_passes(repository):
    (repository / "bad" / "Spawnfile").write_text(f"from   {ID}\ncmd [\"/app\"]\n")
    run("git", "add", ".", cwd=repository, check=True)
    first = run(python_bin("pre-commit"), "try-repo", str(ROOT), "spawnc-fmt-system", "--all-files", cwd=repository)
    assert first.returncode == 1, first.stdout + first.stderr  # files were modified
    assert (repository / "bad" / "Spawnfile").read_text() == f"FROM {ID}\nCMD [\"/app\"]\n"
    second = run(python_bin("pre-commit"), "try-repo", str(ROOT), "spawnc-fmt-system", "--all-files", cwd=repository)
    assert second.returncode == 0, second.stdout + second.stderr
