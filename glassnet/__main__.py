"""python -m glassnet: the same program as the `glassnet` command."""

from glassnet.cli import main

raise SystemExit(main())
