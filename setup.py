"""Install with ``pip install -e .`` (add ``[test]`` for the test suite, ``[docs]`` for the docs)."""

import os
import re

from setuptools import find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))

with open(os.path.join(HERE, "autogluon", "__init__.py")) as f:
    VERSION = re.search(r'^__version__ = "([^"]+)"', f.read(), re.M).group(1)

with open(os.path.join(HERE, "README.md")) as f:
    LONG_DESCRIPTION = f.read()

# MXNet 1.9.1 needs numpy < 1.24 (it uses numpy aliases removed in 1.24) and runs on
# Python 3.8-3.11. The upper bounds on scipy and opencv-python keep pip on releases
# that were built for numpy 1.x, so the set resolves in one pass without backtracking.
INSTALL_REQUIRES = [
    "numpy>=1.21,<1.24",
    "mxnet==1.9.1",
    "gluoncv==0.10.5.post0",
    "opencv-python>=4.5,<4.12",
    "scipy>=1.9,<1.16",
    "ConfigSpace>=1.0,<2",
    "scikit-optimize>=0.9",
    "scikit-learn>=1.1",
    "tensorboardX>=2.5",
    "dill>=0.3.6",
    "tqdm>=4.60",
    "pandas>=1.5,<2.4",
    "matplotlib>=3.5",
    "Pillow>=9",
]

DOCS = ["sphinx>=7.2,<9", "myst-parser>=3,<5"]
EXTRAS = {
    "dask": ["dask[distributed]>=2023.1"],
    "docs": DOCS,
    # The tests build the docs and run every code block in them.
    "test": [
        "pytest>=7",
        "pytest-timeout>=2",
        "hypothesis>=6",
        "psutil>=5.9",
        "ruff==0.17.6",
        "dask[distributed]>=2023.1",
    ]
    + DOCS,
}

setup(
    name="autogluon",
    version=VERSION,
    description="AutoML for image classification and a trial scheduler with early stopping "
    "for any training function (drop-in for the 2019 AutoGluon API)",
    long_description=LONG_DESCRIPTION,
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    packages=find_packages(include=["autogluon", "autogluon.*"]),
    include_package_data=True,
    package_data={"autogluon.image_classification": ["sample_data/**/*"]},
    python_requires=">=3.8,<3.12",
    install_requires=INSTALL_REQUIRES,
    extras_require=EXTRAS,
    classifiers=[
        "License :: OSI Approved :: Apache Software License",
        "Programming Language :: Python :: 3 :: Only",
        "Programming Language :: Python :: 3.8",
        "Programming Language :: Python :: 3.9",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
