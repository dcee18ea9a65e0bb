"""``python -m bench`` (``make bench``), or one part of it:

- ``python -m bench histories [days] [orders]``: the history scenarios (bench/histories.py) as JSON;
- ``python -m bench reports [members...]``: the reports at those sizes (bench/reports.py);
- ``python -m bench load [accruals]``: the load test (bench/load.py);
- ``python -m bench simulation [orders]``: the what-if simulator's replay speed (bench/simulation.py; no stack);
- ``python -m bench baseline [load]``: the last run's figures (or only its load test and all-in cost)
  kept in bench/previous.json (bench/previous.py);
- ``python -m bench docs``: the last run (bench/results.json) written into docs/performance.md and the
  README's Performance table (bench/docs.py).

Each part runs on a fresh local stack. The body runs only as ``__main__``: the load test's environments
are spawned processes, which import the parent's main module under another name.
"""

import sys

# The parts that need the layer on sys.path (bench.stack.template puts it there, as bench.run does).
WITH_LAYER = {
    "histories": "bench.histories",
    "reports": "bench.reports",
    "load": "bench.load",
    "simulation": "bench.simulation",
}


def main() -> int:
    command = sys.argv[1:2]
    if command and command[0] in WITH_LAYER:
        import importlib

        from bench.stack import template

        template()  # puts the layer on sys.path, as bench.run does, before anything imports it
        part: int = importlib.import_module(WITH_LAYER[command[0]]).main(sys.argv[2:])
        return part
    if command == ["baseline"]:
        from bench.previous import main as baseline

        return baseline(sys.argv[2:])
    if command == ["docs"]:
        from bench.docs import main as docs

        return docs()
    from bench.run import main as run

    return run()


if __name__ == "__main__":
    raise SystemExit(main())
