"""The REST adapter: a capability's ``exposes: type: rest`` as a Starlette app.

Where a REST request becomes an upstream call: `endpoint.py`.
"""

from iocgate.exposes.rest.app import create_rest_app
from iocgate.exposes.rest.options import RestOptions

__all__ = ["RestOptions", "create_rest_app"]
