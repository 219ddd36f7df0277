"""An offline, Microcks-compatible mock of OpenAPI files, serving their named examples.

It imports nothing from iocgate outside this package.
"""

from iocgate.mock.app import base_path, create_app
from iocgate.mock.openapi import Exchange, MockOperation, MockService, MockSpecError, load_services

__all__ = [
    "Exchange",
    "MockOperation",
    "MockService",
    "MockSpecError",
    "base_path",
    "create_app",
    "load_services",
]
