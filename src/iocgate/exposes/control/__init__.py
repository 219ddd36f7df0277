"""The control adapter: health, info, logs and metrics of a running capability on its own port.

``create_control_app(capability, adapter, options)`` serves one ``type: control`` adapter.
"""

from iocgate.exposes.control.app import ControlOptions, create_control_app

__all__ = ["ControlOptions", "create_control_app"]
