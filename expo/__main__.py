"""``python -m expo COMMAND``: the same command line as the installed ``expo`` script."""

import sys

from expo.cli import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m expo"))
