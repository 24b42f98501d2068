"""The `kaoping` console script: Django's management utility with Kaoping's settings."""

import os
import sys


def main() -> None:
    """Run a management command (`kaoping runserver`, `kaoping loaddemo`, ...)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaoping.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
