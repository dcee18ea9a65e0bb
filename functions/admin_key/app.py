"""Custom::AdminKey: the stack's first admin key (CloudFormation custom resource). Parsing and answering
only; what the key is and where it goes lives in loyalty.services.admin_key_resource."""

from loyalty.entrypoints.custom_resource import resource_handler

handler = resource_handler("loyalty.services.admin_key_resource")
