"""What the tests and the benchmark share to drive the platform in-process: the API through the local
API Gateway emulation (``api``), a count of what the layer asks of DynamoDB (``counting``) and a
realistic program document (``programs``). The benchmark imports nothing from tests/."""
