"""Shared paths for the Python tests: the repository and the spawnc binary under test."""
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPAWNC = os.environ.get("SPAWNC", str(ROOT / ".build" / "debug" / "spawnc"))
