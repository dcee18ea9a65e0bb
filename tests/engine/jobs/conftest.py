"""The fixtures of tests/service/jobs/conftest.py, for this folder's modules too."""

from tests.service.jobs.conftest import jobs

__all__ = ["jobs"]
