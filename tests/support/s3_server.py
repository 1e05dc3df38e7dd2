"""An S3 API for the tests: moto's server mode on a free loopback port, one bucket per test.

Real deployments point `--blob-store s3://…` at AWS S3, MinIO, Ceph or R2; the tests need an
S3 API on loopback, which moto's server mode is. `ThreadedMotoServer` binds port 0 and is
listening when `start()` returns: no polling.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

__all__ = ["S3Server"]


class S3Server:
    def __init__(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    @property
    def endpoint(self) -> str:
        port = self._server._server.server_port  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}"

    @property
    def env(self) -> dict[str, str]:
        """The standard AWS variables that point a client at this server."""
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": "test",
                "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}

    @contextlib.contextmanager
    def bucket(self) -> Iterator[str]:
        """A new, empty bucket's name."""
        name = "exports-" + uuid.uuid4().hex[:16]
        self.client().create_bucket(Bucket=name)
        yield name

    def client(self) -> Any:
        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id="test",
                            aws_secret_access_key="test", region_name="us-east-1")

    def keys(self, bucket: str) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=bucket).get("Contents", [])
        return sorted(str(item["Key"]) for item in listed)

    def uploads_in_progress(self, bucket: str) -> list[str]:
        """The keys of the bucket's multipart uploads neither completed nor aborted."""
        listed = self.client().list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        return sorted(str(item["Key"]) for item in listed)
