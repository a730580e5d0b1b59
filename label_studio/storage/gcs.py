"""Google Cloud Storage as a source (`gcs`) and a target (`gcs-completions`), with
google-cloud-storage (the `[gcs]` extra). `STORAGE_EMULATOR_HOST` points it at an emulator."""
from .forms import CLOUD_SOURCE, LOCAL_COPY, PATH, StorageType, prefix_field

GCSClient = None

SOURCE = StorageType("gcs", "source", "Google Cloud Storage", CLOUD_SOURCE, client=GCSClient)
TARGET = StorageType("gcs-completions", "target", "Google Cloud Storage",
                     (PATH, prefix_field("GCS Bucket prefix"), LOCAL_COPY), client=GCSClient)
