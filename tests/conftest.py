"""Shared fixtures: the simulator (tests/support/sim_fixtures.py) and engines built on it."""

import atexit
import os
import shutil
import tempfile

pytest_plugins = ["tests.support.sim_fixtures", "tests.support.engine_fixtures"]

# Every test run keeps its state (cache, quota counters, artefacts) in a directory of its own:
# the user's ~/.cache/iocgate would carry quota windows from one run (or one developer's run)
# into the next and make budget tests depend on what ran a minute before.
_STATE = tempfile.mkdtemp(prefix="iocgate-tests-")
os.environ["XDG_CACHE_HOME"] = _STATE
os.environ.pop("IOCGATE_STATE_DIR", None)
atexit.register(shutil.rmtree, _STATE, ignore_errors=True)
