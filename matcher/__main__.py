"""`python -m matcher` runs the `likematch` command line."""

from matcher.cli.app import app

if __name__ == "__main__":
    app(prog_name="likematch")
