#!/usr/bin/env python
"""Django OAuth Toolkit fixture for Latchkey's end-to-end tests: `setup`, then `serve`."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "latchkey_dot.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
