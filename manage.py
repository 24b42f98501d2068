#!/usr/bin/env python
"""Django's command-line utility; same as the `kaoping` console script."""

from kaoping.__main__ import main

if __name__ == "__main__":
    main()
