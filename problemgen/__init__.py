"""problemgen: unique, auto-graded problem sets on the electrochemical driving force."""

__version__ = "0.1.0"
