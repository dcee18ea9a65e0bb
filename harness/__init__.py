"""What the tests and the benchmark share to drive the platform: the API through the local API Gateway
emulation (``api``), a count of what the layer asks of DynamoDB (``counting``), realistic program and
order documents (``programs``, ``orders``), a project command run as a reader would (``commands``) and
the local stack started in a process of its own (``stack``). The benchmark imports nothing from tests/."""
