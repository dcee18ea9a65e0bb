"""ImportTriggerFunction: the imports bucket's upload event (s3:ObjectCreated:*) queues the file's chunks
for ImportWorkerFunction (loyalty.entrypoints.consumers.imports)."""

from loyalty.entrypoints.consumers import imports

handler = imports.trigger_handler()
