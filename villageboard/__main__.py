"""``python -m villageboard …``: the same command line as ``python build.py …`` once installed."""
import sys

from villageboard.cli import main

sys.exit(main())
