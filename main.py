"""``python main.py COMMAND`` in a checkout: expo's command line (``expo.cli``).

Installed, the same commands are ``expo COMMAND`` or ``python -m expo COMMAND``; see README.md.
"""

import sys

from expo.cli import main

if __name__ == "__main__":
    sys.exit(main(prog="main.py"))
