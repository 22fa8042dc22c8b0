"""``python -m villageboard …``: the same command line as ``python build.py …`` once installed."""
from villageboard.cli import run

run()
