import os

from setuptools import find_packages, setup

from label_studio import __version__

HERE = os.path.dirname(os.path.abspath(__file__))


def readme():
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
        return f.read()


# the SDK of each optional storage type (label_studio/storage/<type>.py)
CLOUD = {
    "s3": ["boto3>=1.28"],
    "gcs": ["google-cloud-storage>=2.10"],
    "azure": ["azure-storage-blob>=12.17"],
    "redis": ["redis>=5.0"],
}
ALL_CLOUD = sorted({requirement for group in CLOUD.values() for requirement in group})


setup(
    name="label-studio-legacy",
    version=__version__,
    description="A file-backed reimplementation of the legacy Label Studio backend (0.8.1 - 0.9.1)",
    long_description=readme(),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=find_packages(include=["label_studio", "label_studio.*"]),
    package_data={"label_studio": ["templates/*.xml", "web/templates/*.html", "web/static/*.js",
                                    "openapi.yaml"]},
    include_package_data=True,
    install_requires=[
        "flask>=3.0",
        "click>=8.1",
        "lxml>=5.0",
        "orjson>=3.9",
        "filelock>=3.12",
        "pillow>=10.0",
        "cheroot>=10.0",
        "numpy>=1.24",
        "mutagen>=1.47",
        "pyyaml>=6.0",  # reads label_studio/openapi.yaml for /api/openapi.json and /api/docs
    ],
    extras_require={
        "s3": CLOUD["s3"],
        "gcs": CLOUD["gcs"],
        "azure": CLOUD["azure"],
        "redis": CLOUD["redis"],
        "cloud": ALL_CLOUD,
        # the storage tests run against real servers: moto's S3 server and the GCS emulator
        # come from PyPI; .ci/run installs Azurite (npm) and redis-server (Debian)
        "test": ["pytest>=8.0", "requests>=2.31", "pycocotools>=2.0", "selenium>=4.20",
                 "moto[server]>=5.0", "gcp-storage-emulator>=2024.0", *ALL_CLOUD,
                 # tests/test_openapi*.py: the description is valid, and the server keeps to it
                 "openapi-spec-validator>=0.7", "schemathesis>=4.0,<5"],
    },
    entry_points={"console_scripts": ["label-studio=label_studio.cli:main"]},
)
