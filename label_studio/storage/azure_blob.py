"""Azure Blob Storage as a source (`azure-blob`) and a target (`azure-blob-completions`), with
azure-storage-blob (the `[azure]` extra)."""
from .forms import CLOUD_SOURCE, LOCAL_COPY, PATH, StorageType, prefix_field

AzureBlobClient = None

SOURCE = StorageType("azure-blob", "source", "Azure Blob Storage", CLOUD_SOURCE,
                     client=AzureBlobClient)
TARGET = StorageType("azure-blob-completions", "target", "Azure Blob Storage",
                     (PATH, prefix_field("Azure Blob prefix"), LOCAL_COPY), client=AzureBlobClient)
