"""``python -m villageboard …``: the same command line as ``python build.py …`` once installed."""
import sys

from .cli import main

sys.exit(main())
