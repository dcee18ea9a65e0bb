"""ImportWorkerFunction: imports the chunks of an import's file (SQS, a chunk per message). What it does
with a chunk, and with one that keeps failing: loyalty.entrypoints.consumers.imports."""

from loyalty.entrypoints.consumers import imports

handler = imports.worker_handler()
