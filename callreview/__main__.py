"""`python -m callreview`: the same entry point as the installed `callreview` command."""

from callreview.app import main

raise SystemExit(main())
