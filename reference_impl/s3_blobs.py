"""Blobs in an S3-compatible bucket (`--blob-store s3://bucket/prefix`), through boto3.

boto3 reads the standard AWS configuration (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`,
`AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, `AWS_PROFILE` and the shared files), so any
S3-compatible store (AWS S3, MinIO, Ceph, R2) is configured the way its operators already do.
Objects are named like the directory store's files, `<prefix><sha256[:2]>/<sha256>`, so the
same bytes are stored once.

An upload streams into the bucket as it arrives (`S3Upload`): one that fits a part (8 MiB) is
put in one request; a larger upload becomes a multipart upload under `<prefix>uploads/`, since its
content address is known only at its end, and is then copied to that address (server-side)
and removed. One that fails is aborted; a stage a crash left behind is removed by the next
sweep a day on (a bucket lifecycle rule aborting incomplete multipart uploads does the same).
Job zips are written the same way.
"""

from __future__ import annotations

import concurrent.futures
import re
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .blob_uploads import Digests, UploadedBlob

__all__ = ["MAX_PRESIGNED_SECONDS", "S3Blobs", "S3Object", "S3Unavailable", "S3Upload",
           "is_s3_url"]

_PART_BYTES = 8 * 1024 * 1024
_SINGLE_COPY_BYTES = 5 * 1024**3  # S3's limit for one CopyObject
_STAGES = "uploads/"
MAX_PRESIGNED_SECONDS = 7 * 24 * 3600  # SigV4's limit
# A stage older than this belongs to an upload whose process died: no upload takes a day.
_ABANDONED_SECONDS = 24 * 3600
_BLOB_KEY = re.compile(r"(?:^|/)[0-9a-f]{2}/([0-9a-f]{64})$")
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
        # SigV4 everywhere: botocore presigns with SigV2 in some regions, which buckets
        # created since 2020 refuse.
        self.client = boto3.client("s3", config=Config(retries={"mode": "standard"},
                                                       max_pool_connections=32,
                                                       signature_version="s3v4"))
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

    def start_upload(self, max_bytes: int) -> S3Upload:
        return S3Upload(self, max_bytes)

    def copy(self, source_key: str, sha256: str, size: int) -> None:
        """Server-side copy to the blob's address: one CopyObject up to S3's 5 GiB limit for
        it (a multipart copy of many part copies took 6x as long on the test server), a
        multipart copy above."""
        source = {"Bucket": self.bucket, "Key": source_key}
        if size <= _SINGLE_COPY_BYTES:
            self.client.copy_object(Bucket=self.bucket, Key=self.key(sha256), CopySource=source)
        else:
            self.client.copy(source, self.bucket, self.key(sha256), Config=_TRANSFER)

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
        """The sha256 of every blob under the prefix (stages are not blobs)."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                      Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                found = _BLOB_KEY.search(str(item["Key"]))
                if found:
                    yield found.group(1)

    def remove_abandoned_stages(self) -> int:
        """Abort multipart uploads and delete stages a dead process left; how many."""
        stages = self.prefix + _STAGES
        cutoff = time.time() - _ABANDONED_SECONDS
        removed = 0
        uploads = self.client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket, Prefix=stages)
        for page in uploads:
            for upload in page.get("Uploads", []):
                if upload["Initiated"].timestamp() < cutoff:
                    self.client.abort_multipart_upload(Bucket=self.bucket, Key=upload["Key"],
                                                       UploadId=upload["UploadId"])
                    removed += 1
        objects = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                        Prefix=stages)
        for page in objects:
            for item in page.get("Contents", []):
                if item["LastModified"].timestamp() < cutoff:
                    self.client.delete_object(Bucket=self.bucket, Key=item["Key"])
                    removed += 1
        return removed

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


class S3Upload:
    """An upload streamed into the bucket: one `put` when it fits a part, else a multipart
    upload under a stage key, completed by `finish` and aborted by `abort`.

    A full part is sent on the blob store's threads while the next one fills, so receiving
    and sending overlap; at most two parts are in memory.
    """

    def __init__(self, blobs: S3Blobs, max_bytes: int) -> None:
        self.blobs = blobs
        self.stage_key = f"{blobs.prefix}{_STAGES}{uuid.uuid4().hex}"
        self._digests = Digests(max_bytes)
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._sending: concurrent.futures.Future[dict[str, Any]] | None = None
        self._completed = False

    def write(self, data: bytes) -> None:
        self._digests.update(data)
        self._buffer += data
        if len(self._buffer) >= self.part_bytes:
            self._send_part()

    @property
    def part_bytes(self) -> int:
        # S3 takes at most 10,000 parts: they grow by 8 MiB every 1,000 (430 GiB in all), so
        # memory stays two 8 MiB parts for any upload under 8 GiB.
        return _PART_BYTES * (1 + len(self._parts) // 1000)

    def finish(self) -> UploadedBlob:
        if self._upload_id is not None:
            if self._buffer:
                self._send_part()
            self._sent()
            self.blobs.client.complete_multipart_upload(
                Bucket=self.blobs.bucket, Key=self.stage_key, UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts})
            self._completed = True
        return self._digests.uploaded(self)

    def abort(self) -> None:
        self.discard()

    def place(self, sha256: str) -> None:
        """Put the bytes under the blob's address."""
        if self._upload_id is None:
            self.blobs.client.put_object(Bucket=self.blobs.bucket, Key=self.blobs.key(sha256),
                                         Body=bytes(self._buffer))
        else:
            self.blobs.copy(self.stage_key, sha256, self._digests.size)

    def discard(self) -> None:
        """Remove the stage: abort the multipart upload, or delete its completed object."""
        self._buffer.clear()
        if self._sending is not None:
            concurrent.futures.wait([self._sending])  # its outcome no longer matters
            self._sending = None
        client, bucket = self.blobs.client, self.blobs.bucket
        if self._upload_id is not None and not self._completed:
            client.abort_multipart_upload(Bucket=bucket, Key=self.stage_key,
                                          UploadId=self._upload_id)
        elif self._completed:
            client.delete_object(Bucket=bucket, Key=self.stage_key)
        self._upload_id, self._completed = None, False

    def _send_part(self) -> None:
        if self._upload_id is None:
            self._upload_id = str(self.blobs.client.create_multipart_upload(
                Bucket=self.blobs.bucket, Key=self.stage_key)["UploadId"])
        self._sent()  # the previous part first: one in flight
        body = bytes(self._buffer)
        self._buffer.clear()
        self._sending = self.blobs.pool.submit(self._upload_part, len(self._parts) + 1, body)

    def _sent(self) -> None:
        """Wait for the part in flight; its failure is raised here."""
        if self._sending is not None:
            sending, self._sending = self._sending, None
            self._parts.append(sending.result())

    def _upload_part(self, number: int, body: bytes) -> dict[str, Any]:
        answer = self.blobs.client.upload_part(
            Bucket=self.blobs.bucket, Key=self.stage_key, UploadId=self._upload_id,
            PartNumber=number, Body=body)
        return {"ETag": answer["ETag"], "PartNumber": number}
