"""``python -m acero_desktop`` and the PyInstaller build's entry script: the ``acero`` command.

Absolute imports only: PyInstaller runs this file as a top-level script, not as a package
module.
"""

import sys

from acero_desktop.cli import client_main

if __name__ == "__main__":
    sys.exit(client_main())
