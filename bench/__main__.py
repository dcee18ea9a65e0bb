"""``python -m bench`` (``make bench``); ``python -m bench histories [days] [orders]`` runs only the
history scenarios (bench/histories.py) on a fresh local stack and prints them as JSON; ``python -m bench
reports [members...]`` the reports at those sizes (bench/reports.py);
``python -m bench baseline`` keeps the last run's figures in bench/previous.json (bench/previous.py)."""

import sys

if sys.argv[1:2] == ["histories"]:
    from bench.stack import template

    template()  # puts the layer on sys.path, as bench.run does, before anything imports it
    from bench.histories import main as histories

    raise SystemExit(histories(sys.argv[2:]))

if sys.argv[1:2] == ["reports"]:
    from bench.stack import template

    template()
    from bench.reports import main as reports

    raise SystemExit(reports(sys.argv[2:]))

if sys.argv[1:2] == ["baseline"]:
    from bench.previous import main as baseline

    raise SystemExit(baseline())

from bench.run import main

raise SystemExit(main())
