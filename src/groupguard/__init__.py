"""groupguard: child-safety enforcement for group messaging platforms."""

__version__ = "0.1.0"
