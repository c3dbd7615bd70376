"""musicbench's built-in plugins.

Each subpackage is an ordinary pluggy plugin, registered through the same hooks as
third-party code (see ``musicbench.core.DEFAULT_PLUGINS``).
"""
