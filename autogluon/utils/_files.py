"""Download a file and unpack a zip archive, when the user asks for it."""

import hashlib
import logging
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

from ..core._validate import check_str, fail_value

__all__ = ["download", "unzip", "check_sha1"]

logger = logging.getLogger(__name__)

_CHUNK = 1 << 16


def check_sha1(filename, sha1_hash):
    """True when the SHA-1 of the file's bytes is ``sha1_hash`` (hex, any case)."""
    sha1 = hashlib.sha1()
    with open(filename, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            sha1.update(chunk)
    return sha1.hexdigest() == str(sha1_hash).lower()


def _target(url, path):
    name = os.path.basename(urllib.parse.urlparse(url).path)
    if path is None:
        if not name:
            raise ValueError("path is needed: the url %r names no file" % url)
        return os.path.abspath(name)
    path = os.path.abspath(os.path.expanduser(os.fspath(path)))
    if os.path.isdir(path):
        if not name:
            raise ValueError(
                "path %r is a folder and the url %r names no file: give a file path" % (path, url)
            )
        return os.path.join(path, name)
    return path


def download(url, path=None, overwrite=False, sha1_hash=None, timeout=60):
    """Download ``url`` to ``path`` (a file, or a folder to keep the url's file name); returns the file.

    An existing file is kept unless ``overwrite`` (or its SHA-1 differs from ``sha1_hash``).
    The file appears only once it is complete and, with ``sha1_hash``, checked.
    """
    allowed = "an http(s), ftp or file URL"
    if urllib.parse.urlparse(check_str("url", url)).scheme not in ("http", "https", "ftp", "file"):
        raise fail_value("url", allowed, url)
    fname = _target(url, path)
    if os.path.exists(fname) and not overwrite and (not sha1_hash or check_sha1(fname, sha1_hash)):
        return fname
    folder = os.path.dirname(fname)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(fname), suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    shutil.copyfileobj(response, out, _CHUNK)
            except urllib.error.HTTPError as exc:
                raise RuntimeError("downloading %s failed: HTTP %d %s" % (url, exc.code, exc.reason)) from exc
            except (urllib.error.URLError, OSError) as exc:
                raise RuntimeError("downloading %s failed: %s" % (url, getattr(exc, "reason", exc))) from exc
        if sha1_hash and not check_sha1(tmp, sha1_hash):
            raise RuntimeError(
                "the file downloaded from %s does not have SHA-1 %s: it is corrupt or not "
                "the expected file" % (url, sha1_hash)
            )
        os.replace(tmp, fname)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    logger.info("downloaded %s to %s", url, fname)
    return fname


def unzip(zip_file_path, root="./"):
    """Extract a zip archive under ``root``; returns the set of top-level names it held.

    Entries that would land outside ``root`` (absolute paths, ``..``) are refused.
    """
    root = os.path.abspath(os.path.expanduser(os.fspath(root)))
    if not zipfile.is_zipfile(zip_file_path):
        raise ValueError("zip_file_path %r is not a zip archive" % (zip_file_path,))
    with zipfile.ZipFile(zip_file_path) as zf:
        names = zf.namelist()
        for name in names:
            dest = os.path.abspath(os.path.join(root, name))
            if os.path.commonpath([root, dest]) != root:
                raise ValueError(
                    "zip archive %s holds %r, which would be written outside %s; "
                    "nothing was extracted" % (zip_file_path, name, root)
                )
        os.makedirs(root, exist_ok=True)
        zf.extractall(root)
    return {name.split("/", 1)[0] for name in names if name.split("/", 1)[0]}
