"""`python -m iocgate` runs the command line."""

from iocgate.cli import main

main()
