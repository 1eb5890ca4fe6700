"""setup.py - the Python package crftag (python/crftag) with libcrftag inside.

    python3 -m pip install .          (or --no-build-isolation without network)

The build step runs `make` for the shared library (into build-py/, with the
Debian packages of the Makefile's DEB_PKGS) and ships libcrftag.so.1 inside
the package, so `import crftag` needs no CRFTAG_LIB, and the shipped word
clusters (models/clusters-en.txt.gz), which crftag.train() uses by default.
"""
import os
import re
import shutil
import subprocess

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

ROOT = os.path.dirname(os.path.abspath(__file__))


def version():
    with open(os.path.join(ROOT, "include", "crftag.h")) as f:
        return re.search(r'#define CRFTAG_VERSION_STRING "([^"]+)"', f.read()).group(1)


class BuildWithLibrary(build_py):
    """build_py, then the C library built by make and copied into the package."""

    def run(self):
        super().run()
        build = os.path.join(ROOT, "build-py")
        subprocess.check_call(["make", "-C", ROOT, "-j2", "BUILD=" + build,
                               os.path.join(build, "libcrftag.so")])
        dst = os.path.join(self.build_lib, "crftag")
        os.makedirs(dst, exist_ok=True)
        shutil.copy2(os.path.join(build, "libcrftag.so.1"), os.path.join(dst, "libcrftag.so.1"))
        # the word clusters crftag.train() uses by default, as `crftag train`
        shutil.copy2(os.path.join(ROOT, "models", "clusters-en.txt.gz"),
                     os.path.join(dst, "clusters-en.txt.gz"))


class BinaryDistribution(Distribution):
    """The package holds a shared library: a platform wheel, not a pure one."""

    def has_ext_modules(self):
        return True


setup(
    name="crftag",
    version=version(),
    description="Linear-chain CRF sequence tagger (ctypes bindings of libcrftag), "
                "with a scikit-learn estimator",
    license="MIT",
    packages=["crftag"],
    package_dir={"": "python"},
    cmdclass={"build_py": BuildWithLibrary},
    distclass=BinaryDistribution,
    python_requires=">=3.7",
    extras_require={"sklearn": ["scikit-learn"]},
)
