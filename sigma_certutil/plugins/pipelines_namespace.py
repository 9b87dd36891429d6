"""sigma.pipelines.certutil: sigma-certutil's target stacks and steps as pySigma pipelines
(installed by the wheel as sigma/pipelines/certutil/__init__.py; see sigma_certutil.plugins).
pySigma's plugin discovery reads this module's ``pipelines`` mapping, and takes any other
public function for a pipeline: hence the private name of the import."""

from sigma_certutil.plugins import plugin_pipelines as _plugin_pipelines

pipelines = _plugin_pipelines()
