"""What the queue and stream consumers do with what they receive: each module reads its records, calls
its service and publishes what came of it; its ``handler()`` makes the function's Lambda handler, the
one call of the function's ``app.py``."""
