"""JobsWorkerFunction: works through the index shards a daily job queued (SQS, one shard per message;
loyalty.entrypoints.jobs.worker_handler)."""

from loyalty.entrypoints import jobs

handler = jobs.worker_handler()
