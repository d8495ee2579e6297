"""`make bench`: run every benchmark (bench/*_bench.py) with its defaults, one after another."""

from __future__ import annotations

import importlib
from pathlib import Path


def main() -> None:
    for path in sorted(Path(__file__).resolve().parent.glob("*_bench.py")):
        print(f"== bench.{path.stem}")
        importlib.import_module(f"bench.{path.stem}").main([])


if __name__ == "__main__":
    main()
