"""Custom::ConsoleConnectSrc: names the deployment's own API in the console's Content-Security-Policy
(CloudFormation custom resource). Parsing and answering only; the rule lives in
loyalty.services.console_csp_resource."""

from loyalty.entrypoints.custom_resource import resource_handler

handler = resource_handler("loyalty.services.console_csp_resource")
