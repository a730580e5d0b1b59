import os

from setuptools import find_packages, setup

from label_studio import __version__

HERE = os.path.dirname(os.path.abspath(__file__))


def readme():
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
        return f.read()


setup(
    name="label-studio-legacy",
    version=__version__,
    description="A file-backed reimplementation of the legacy Label Studio backend (0.8.1 - 0.9.1)",
    long_description=readme(),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=find_packages(include=["label_studio", "label_studio.*"]),
    package_data={"label_studio": ["templates/*.xml", "web/templates/*.html", "web/static/*.js"]},
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
    ],
    extras_require={
        "test": ["pytest>=8.0", "requests>=2.31", "pycocotools>=2.0", "selenium>=4.20"],
    },
    entry_points={"console_scripts": ["label-studio=label_studio.cli:main"]},
)
