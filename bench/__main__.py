"""Run every benchmark module's ``main()`` (or those named): ``python -m bench [name ...]``.

Each module runs with its own defaults (its argument parser sees no arguments); a
benchmark that fails or misses its targets makes the whole run exit 1, after the others ran.
"""
from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path


def modules() -> list[str]:
    """Names of the benchmark modules beside this file, in alphabetical order."""
    return sorted(info.name for info in pkgutil.iter_modules([str(Path(__file__).parent)])
                  if not info.name.startswith("_"))


def run(name: str) -> int:
    module = importlib.import_module(f"bench.{name}")
    if not callable(getattr(module, "main", None)):
        print(f"bench.{name} has no main(); skipped", flush=True)
        return 0
    saved = sys.argv
    sys.argv = [f"bench.{name}"]  # the module's own argparse sees no runner arguments
    try:
        status = module.main()
    except SystemExit as exit_:
        status = exit_.code
    finally:
        sys.argv = saved
    return status if isinstance(status, int) else (0 if status is None else 1)


def main(argv: list[str] | None = None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or modules()
    unknown = [n for n in names if n not in modules()]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; there are: {', '.join(modules())}", file=sys.stderr)
        return 2
    failed = []
    for name in names:
        print(f"=== bench.{name}", flush=True)
        started = time.perf_counter()
        try:
            status = run(name)
        except Exception:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            status = 1
        print(f"=== bench.{name}: {'ok' if status == 0 else f'exit {status}'} "
              f"in {time.perf_counter() - started:.1f} s", flush=True)
        if status != 0:
            failed.append(name)
    if failed:
        print(f"benchmarks that failed or missed their targets: {', '.join(failed)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
