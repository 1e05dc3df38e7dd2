"""Blobs in an S3-compatible bucket (`--blob-store s3://bucket/prefix`), through boto3.

boto3 reads the standard AWS configuration (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`,
`AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, `AWS_PROFILE` and the shared files), so any
S3-compatible store (AWS S3, MinIO, Ceph, R2) is configured the way its operators already do.
Objects are named like the directory store's files, `<prefix><sha256[:2]>/<sha256>`, so the
same bytes are stored once. Uploads go through boto3's transfer manager: multipart above
8 MiB, read from the spooled file a part at a time, and aborted on failure, so no partial
object is ever visible under a blob's name.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

__all__ = ["S3Blobs", "S3Object", "S3Unavailable", "is_s3_url"]

_PART_BYTES = 8 * 1024 * 1024
_TRANSFER = TransferConfig(multipart_threshold=_PART_BYTES, multipart_chunksize=_PART_BYTES,
                           max_concurrency=4)
# Objects opened ahead of the one a zip is reading, so its entries do not wait one request's
# latency each; each holds only its connection's buffer until read.
READ_AHEAD = 4


class S3Unavailable(OSError):
    """The bucket cannot be reached or used; the message says what to check."""


def is_s3_url(url: str | None) -> bool:
    return url is not None and url.lower().startswith("s3://")


class S3Object:
    """A blob in the bucket, opened for reading like a file (see `streaming.read_verified`)."""

    def __init__(self, blobs: S3Blobs, sha256: str) -> None:
        self.blobs = blobs
        self.name = sha256
        self._ahead: concurrent.futures.Future[Any] | None = None
        self._lock = threading.Lock()

    def prefetch(self) -> None:
        """Start the GET now; `open` then takes its answer."""
        with self._lock:
            if self._ahead is None:
                self._ahead = self.blobs.pool.submit(self.blobs.get_body, self.name)

    def open(self, mode: str = "rb") -> Any:
        with self._lock:
            ahead, self._ahead = self._ahead, None
        return ahead.result() if ahead is not None else self.blobs.get_body(self.name)

    def read_range(self, start: int, stop: int, chunk_bytes: int) -> Iterator[bytes]:
        """Bytes `start` to `stop` (half-open), answered by the store itself."""
        body = self.blobs.get_body(self.name, f"bytes={start}-{stop - 1}")
        with body:
            yield from body.iter_chunks(chunk_bytes)


class S3Blobs:
    def __init__(self, url: str) -> None:
        bucket, _, prefix = url[len("s3://"):].partition("/")
        if not bucket:
            raise S3Unavailable(f"{url!r} names no bucket: write s3://bucket or "
                                "s3://bucket/prefix")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = boto3.client("s3", config=Config(retries={"mode": "standard"},
                                                       max_pool_connections=32))
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=8,
                                                          thread_name_prefix="s3-read")
        try:
            self.client.head_bucket(Bucket=bucket)
        except (BotoCoreError, ClientError) as exc:
            self.pool.shutdown()
            raise S3Unavailable(f"the bucket {bucket} cannot be used ({exc}); check "
                                "AWS_ENDPOINT_URL, the credentials and that the bucket "
                                "exists") from exc

    def key(self, sha256: str) -> str:
        return f"{self.prefix}{sha256[:2]}/{sha256}"

    def upload(self, path: Path, sha256: str) -> None:
        self.client.upload_file(str(path), self.bucket, self.key(sha256), Config=_TRANSFER)

    def size(self, sha256: str) -> int | None:
        """The object's size, or None when there is none."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return int(head["ContentLength"])

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))

    def names(self) -> Iterator[str]:
        """The sha256 of every blob under the prefix."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                      Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                yield str(item["Key"]).rsplit("/", 1)[-1]

    def get_body(self, sha256: str, byte_range: str | None = None) -> Any:
        extra = {"Range": byte_range} if byte_range else {}
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(sha256),
                                          **extra)["Body"]
        except (BotoCoreError, ClientError) as exc:
            raise OSError(f"blob {sha256} cannot be read from the bucket ({exc})") from exc

    def presigned_get(self, sha256: str, *, disposition: str, media_type: str,
                      ttl_seconds: int) -> str:
        """A GET URL the store answers itself, naming the file (rule U5), for `ttl_seconds`."""
        return str(self.client.generate_presigned_url(
            "get_object", ExpiresIn=ttl_seconds,
            Params={"Bucket": self.bucket, "Key": self.key(sha256),
                    "ResponseContentDisposition": disposition,
                    "ResponseContentType": media_type}))

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
