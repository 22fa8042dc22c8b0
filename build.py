"""Village board (村务公开栏) site generator. Usage: python build.py [build|check|serve|new] …"""
import sys

from villageboard.cli import main

if __name__ == "__main__":
    sys.exit(main())
