"""sigma.backends.certutil: sigma-certutil's targets as pySigma backends (installed by the
wheel as sigma/backends/certutil/__init__.py; see sigma_certutil.plugins). pySigma's plugin
discovery takes the Backend classes this module holds, so they are made when it is imported."""

from sigma_certutil.plugins import plugin_backends as _plugin_backends

globals().update(_plugin_backends())
