"""Attachments in S3-compatible object storage (SeaweedFS, MinIO, a cloud's OSS), for several web nodes.

Read by qihu/settings.py when QIHU_S3_BUCKET is set; the local folder (MEDIA_ROOT) stays the default. The
bucket stays private: a download is streamed by the permission-checked view (AttachmentDownloadApi), never a
public or presigned URL handed out.
"""

from collections.abc import Mapping

from botocore.config import Config


def s3_storage(environ: Mapping[str, str]) -> dict:
    """STORAGES["default"] for the bucket the environment names (QIHU_S3_*)."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": environ["QIHU_S3_BUCKET"],
            "endpoint_url": environ.get("QIHU_S3_ENDPOINT_URL") or None,  # None: AWS itself
            "access_key": environ.get("QIHU_S3_ACCESS_KEY_ID") or None,  # None: boto3's own chain (IAM role, ...)
            "secret_key": environ.get("QIHU_S3_SECRET_ACCESS_KEY") or None,
            "region_name": environ.get("QIHU_S3_REGION") or "us-east-1",
            "client_config": Config(
                s3={"addressing_style": "path"},  # the bucket in the path: no wildcard DNS for a self-hosted server
                signature_version="s3v4",
                # A dead gateway fails a request in seconds, not after boto3's default minute.
                connect_timeout=2,
                read_timeout=15,
                retries={"mode": "standard", "max_attempts": 3},
            ),
            "default_acl": None,  # the bucket's own policy: private
            "file_overwrite": False,  # never replace a stored file (our names are unique anyway)
            "querystring_expire": 60,  # should a URL ever be built, it is signed and short-lived
        },
    }
