"""Shared fixtures: the simulator (tests/support/sim_fixtures.py) and engines built on it."""

pytest_plugins = ["tests.support.sim_fixtures", "tests.support.engine_fixtures"]
