"""Amazon S3 (and S3-compatible servers: `S3_ENDPOINT`) as a source (`s3`) and a target
(`s3-completions`), with boto3 (the `[s3]` extra).

Credentials come from params (`aws_access_key_id`, `aws_secret_access_key`,
`aws_session_token`) or boto3's usual chain (environment, ~/.aws); the region from the
`region` param, else `S3_REGION`, else us-east-1.
"""
import os
from types import SimpleNamespace

from .base import Client, ObjectInfo, StorageError, StorageUnavailable, lazy_sdk
from .forms import CLOUD_SOURCE, LOCAL_COPY, PATH, STRING, Field, StorageType, prefix_field

DEFAULT_REGION = "us-east-1"
# keys asked for per listing page: AWS answers 1000 at most, servers such as MinIO or moto
# may answer more, which saves round trips of a large bucket
LIST_PAGE = 5_000
MISSING = ("NoSuchKey", "404", "NotFound")
REGION = Field("region", STRING, "AWS region name for S3 bucket", default=DEFAULT_REGION)
CREDENTIALS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")


@lazy_sdk("s3", "s3", "boto3")
def _sdk():
    import boto3
    import botocore.session
    from botocore import exceptions
    from botocore.config import Config
    unreachable = (exceptions.EndpointConnectionError, exceptions.ConnectionClosedError,
                   exceptions.ConnectTimeoutError, exceptions.ReadTimeoutError)
    return SimpleNamespace(boto3=boto3, get_session=botocore.session.get_session,
                           Config=Config, errors=exceptions, UNREACHABLE=unreachable)


class S3Client(Client):
    scheme = "s3"
    can_sign = True
    can_list_after = True

    def __init__(self, path, params):
        sdk = _sdk()
        super().__init__(path, params)
        region = params.get("region") or os.environ.get("S3_REGION") or DEFAULT_REGION
        credentials = {name: params[name] for name in CREDENTIALS if params.get(name)}
        if ("aws_access_key_id" in credentials) != ("aws_secret_access_key" in credentials):
            raise StorageError("s3: aws_access_key_id and aws_secret_access_key must be given "
                               "together")
        core = sdk.get_session()
        # listings are parsed without their LastModified dates (unused; dateutil was a third
        # of the time of listing a large bucket)
        core.get_component("response_parser_factory").set_parser_defaults(
            timestamp_parser=str)
        session = sdk.boto3.session.Session(botocore_session=core, region_name=region,
                                            **credentials)
        config = sdk.Config(connect_timeout=3, read_timeout=15,
                            retries={"total_max_attempts": 1}, signature_version="s3v4")
        self._s3 = session.client("s3", endpoint_url=os.environ.get("S3_ENDPOINT") or None,
                                  config=config)

    def _call(self, what, method, **kwargs):
        sdk = _sdk()
        try:
            return method(Bucket=self.path, **kwargs)
        except sdk.errors.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
            if status >= 500:
                raise StorageUnavailable(f"{self.location}: {what} failed ({code})") from None
            raise StorageError(f"{self.location}: {what} failed ({code or exc})") from None
        except sdk.UNREACHABLE as exc:
            raise StorageUnavailable(f"{self.location}: {what} failed, the server did not "
                                     f"answer ({type(exc).__name__})") from None
        except sdk.errors.BotoCoreError as exc:
            raise StorageError(f"{self.location}: {what} failed ({exc})") from None
        except (TypeError, ValueError) as exc:  # botocore's own slips on odd credentials
            raise StorageError(f"{self.location}: {what} failed ({type(exc).__name__})") \
                from None

    def check(self):
        self._call("opening the bucket", self._s3.head_bucket)

    def list(self, prefix, after=None):
        token = None
        while True:
            extra = {"ContinuationToken": token} if token else {}
            if after and not token:
                extra["StartAfter"] = after
            page = self._call("listing", self._s3.list_objects_v2, Prefix=prefix,
                              MaxKeys=LIST_PAGE, **extra)
            for item in page.get("Contents", ()):
                if not item["Key"].endswith("/"):
                    yield ObjectInfo(item["Key"], item.get("ETag", ""))
            if not page.get("IsTruncated"):
                return
            token = page.get("NextContinuationToken")

    def read(self, key):
        try:
            answer = self._call(f'reading "{key}"', self._s3.get_object, Key=key)
        except StorageError as exc:
            if any(code in str(exc.detail) for code in MISSING):
                return None
            raise
        try:
            return answer["Body"].read()
        except _sdk().UNREACHABLE + (OSError,) as exc:
            raise StorageUnavailable(f'{self.location}: reading "{key}" was cut ({exc})') \
                from None

    def write(self, key, data):
        self._call(f'writing "{key}"', self._s3.put_object, Key=key, Body=data,
                   ContentType="application/json")

    def delete(self, key):
        self._call(f'deleting "{key}"', self._s3.delete_object, Key=key)

    def sign(self, key, ttl):
        # computed locally from the credentials: no request
        return self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.path, "Key": key}, ExpiresIn=int(ttl))


SOURCE = StorageType("s3", "source", "Amazon S3", CLOUD_SOURCE + (REGION,), client=S3Client)
TARGET = StorageType("s3-completions", "target", "Amazon S3",
                     (PATH, prefix_field("S3 Bucket prefix"), LOCAL_COPY), client=S3Client)
