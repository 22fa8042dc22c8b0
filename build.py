"""Village board (村务公开栏) site generator. Usage: python build.py [build|check|serve|new] …"""
from villageboard.cli import run

if __name__ == "__main__":
    run()
