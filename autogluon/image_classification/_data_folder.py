"""Reading ``<root>/<class>/<image>`` folders into uint8 arrays (numpy + PIL only).

Every file is decoded exactly once: a cheap first pass reads only the image headers (size and
mode, to choose the common size and the number of channels when the caller does not fix them),
the second pass decodes, converts and resizes straight into one preallocated array.
"""

import concurrent.futures
import contextlib
import logging
import os
import warnings

import numpy as np
from PIL import Image, ImageFile, ImageOps

from ..core._validate import check_instance

logger = logging.getLogger(__name__)

__all__ = [
    'IMAGE_EXTENSIONS',
    'ImageSkippedWarning',
    'list_class_folders',
    'scan_image_files',
    'probe_images',
    'decode_images',
    'decode_image',
    'common_size',
    'expand_path',
]

#: File name endings (lower case) taken as images; other files are ignored.
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.gif', '.tif', '.tiff', '.webp', '.ppm', '.pgm', '.pbm')

#: Folder names that are never classes (tool and OS clutter).
_IGNORED_DIRS = frozenset({'__MACOSX', '__pycache__'})

_GRAY_MODES = frozenset({'1', 'L', 'LA', 'La', 'I', 'F', 'I;16', 'I;16B', 'I;16L', 'I;16N'})
_HIGH_DEPTH_MODES = frozenset({'I', 'F', 'I;16', 'I;16B', 'I;16L', 'I;16N'})
_BILINEAR = getattr(Image, 'Resampling', Image).BILINEAR

#: Largest number of individual "skipped image" warnings per call; the rest are summarized.
_MAX_WARNINGS = 20
#: Below this many files, decoding runs in the calling thread (a pool costs more than it saves).
_PARALLEL_MIN = 64


class ImageSkippedWarning(UserWarning):
    """An image file could not be read and was left out (the message names the file)."""


def expand_path(path, what='path'):
    """``~`` expanded, absolute path as ``str``; ``TypeError`` naming ``what`` for a non-path."""
    check_instance(what, path, (str, os.PathLike), 'a str or os.PathLike')
    return os.path.abspath(os.path.expanduser(os.fspath(path)))


def _hidden(name):
    return name.startswith('.') or name in _IGNORED_DIRS


def _is_image_name(name):
    return not name.startswith('.') and name.lower().endswith(IMAGE_EXTENSIONS)


def list_class_folders(root, what='path'):
    """Check ``root`` is an image folder and return ``(absolute_root, sorted class folder names)``.

    ``what`` names the parameter in error messages (e.g. ``'train_path'``).
    """
    root = expand_path(root, what)
    if not os.path.exists(root):
        raise FileNotFoundError('%s does not exist: %s' % (what, root))
    if not os.path.isdir(root):
        raise ValueError(
            '%s is a file, not a folder: %s (expected a folder laid out as '
            '<root>/<class>/<image>)' % (what, root)
        )
    entries = sorted(e for e in os.listdir(root) if not e.startswith('.'))
    if not entries:
        raise ValueError('%s is an empty folder: %s (expected <root>/<class>/<image>)' % (what, root))
    classes = [e for e in entries if not _hidden(e) and os.path.isdir(os.path.join(root, e))]
    stray = [e for e in entries if _is_image_name(e) and os.path.isfile(os.path.join(root, e))]
    if not classes:
        if stray:
            raise ValueError(
                '%s holds %d image file%s but no class sub-folders: %s (expected '
                '<root>/<class>/<image>; put each class in its own folder)'
                % (what, len(stray), '' if len(stray) == 1 else 's', root)
            )
        raise ValueError('%s has no class folders: %s (expected <root>/<class>/<image>)' % (what, root))
    if stray:
        logger.warning(
            'Ignoring %d image files directly in %s (not in a class folder), e.g. %s',
            len(stray),
            root,
            stray[0],
        )
    return root, classes


def scan_image_files(root, classes, labels=None):
    """Image files under each ``root/<class>`` folder (recursively, sorted) with their labels.

    ``labels[i]`` is the label given to ``classes[i]`` (default ``i``). Returns ``(paths, labels)``.
    A class folder without any image file raises ``ValueError`` naming that folder.
    """
    if labels is None:
        labels = range(len(classes))
    paths, out_labels = [], []
    # The root and the class folders are never walked into from a class folder (a link back up).
    barrier = {_file_id(root)} | {_file_id(os.path.join(root, cls)) for cls in classes}
    for cls, label in zip(classes, labels):
        folder = os.path.join(root, cls)
        found = _walk_images(folder, barrier)
        if not found:
            raise ValueError(
                'class folder %r has no images (looked for files ending in %s): %s'
                % (cls, ', '.join(IMAGE_EXTENSIONS), folder)
            )
        paths.extend(found)
        out_labels.extend([label] * len(found))
    return paths, np.asarray(out_labels, dtype=np.int64)


def _file_id(path):
    try:
        st = os.stat(path)
    except OSError:  # a dangling link: kept, reported as unreadable when decoded
        return ('missing', path)
    return (st.st_dev, st.st_ino)


def _walk_images(folder, barrier=()):
    """Image files under ``folder`` (sorted), following links but each real folder and each
    real file once: a link back to a folder already walked (a loop) or to one of ``barrier``
    (folder ids: the root and the other classes) is skipped and logged."""
    found, seen_dirs, seen_files, duplicates = [], {_file_id(folder)} | set(barrier), set(), 0
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        keep = []
        for d in sorted(d for d in dirnames if not _hidden(d)):
            sub = os.path.join(dirpath, d)
            key = _file_id(sub)
            if key in seen_dirs:
                logger.warning(
                    'skipping %s: it leads to %s, a folder already read or the '
                    'dataset root or another class (a symlink loop or a second link '
                    'to it)',
                    sub,
                    os.path.realpath(sub),
                )
                continue
            seen_dirs.add(key)
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            if not _is_image_name(name):
                continue
            path = os.path.join(dirpath, name)
            key = _file_id(path)
            if key in seen_files:
                duplicates += 1
                continue
            seen_files.add(key)
            found.append(path)
    if duplicates:
        logger.warning(
            '%s: %d links to image files already found were skipped (each image is read once)',
            folder,
            duplicates,
        )
    return found


# ----------------------------------------------------------------------------------------------
# one image


def _palette_is_gray(img):
    palette = img.getpalette()
    if not palette:
        return False
    rgb = np.asarray(palette[: len(palette) // 3 * 3], dtype=np.int32).reshape(-1, 3)
    return bool(np.all(rgb[:, 0] == rgb[:, 1]) and np.all(rgb[:, 1] == rgb[:, 2]))


def _is_gray(img):
    if img.mode in _GRAY_MODES:
        return True
    if img.mode in ('P', 'PA'):
        return _palette_is_gray(img)
    return False


def _high_depth_to_l(img):
    """16-bit / 32-bit / float grayscale -> 8-bit 'L' by scaling (PIL's convert would clip)."""
    arr = np.asarray(img)
    if arr.dtype.kind == 'f':
        arr = np.nan_to_num(arr.astype(np.float64))
        top = 1.0 if arr.size and arr.max() <= 1.0 else 255.0
        arr8 = np.clip(arr / top * 255.0 + 0.5, 0, 255)
    else:
        arr = arr.astype(np.int64)
        top = 255 if arr.size and arr.max() <= 255 else 65535
        arr8 = np.clip((arr * 255 + top // 2) // top, 0, 255)
    return Image.fromarray(arr8.astype(np.uint8), 'L')


def _convert(img, mode):
    """``img`` as ``mode`` ('L' or 'RGB'); transparency is composited onto white."""
    if img.mode in _HIGH_DEPTH_MODES:
        img = _high_depth_to_l(img)
    if img.mode in ('RGBA', 'LA', 'La', 'PA', 'RGBa') or 'transparency' in img.info:
        rgba = img.convert('RGBA')
        background = Image.new('RGBA', rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    if img.mode != mode:
        img = img.convert(mode)
    return img


def _to_array(img, image_size, channels):
    """Normalize an opened PIL image to a ``(image_size, image_size, channels)`` uint8 array."""
    mode = 'L' if channels == 1 else 'RGB'
    if img.format == 'JPEG':
        # let libjpeg decode at a reduced scale when the target is much smaller (fast, same result
        # quality as decoding full size and resizing)
        img.draft(mode, (image_size, image_size))
    try:
        orientation = img.getexif().get(0x0112, 1)
    except Exception:  # broken EXIF block: keep the pixels as stored
        orientation = 1
    if orientation not in (1, None):
        img = ImageOps.exif_transpose(img)
    img = _convert(img, mode)
    if img.size != (image_size, image_size):
        img = img.resize((image_size, image_size), _BILINEAR)
    arr = np.asarray(img, dtype=np.uint8)
    if channels == 1:
        arr = arr[:, :, None]
    return arr


def decode_image(path, image_size, channels):
    """Decode one image file to a ``(image_size, image_size, channels)`` uint8 array.

    Grayscale becomes RGB (``channels=3``) by copying the channel, colour becomes gray
    (``channels=1``) with PIL's luma weights; the square resize is PIL bilinear.

    >>> decode_image('cat.jpg', 32, 3).shape      # doctest: +SKIP
    (32, 32, 3)
    """
    with _truncated_images_fail():
        return _decode(path, image_size, channels)


def _decode(path, image_size, channels):
    with Image.open(path) as img:
        return _to_array(img, image_size, channels)


@contextlib.contextmanager
def _truncated_images_fail():
    """A cut-off file raises instead of decoding to grey padding.

    Importing GluonCV sets PIL's process-wide ``ImageFile.LOAD_TRUNCATED_IMAGES = True``; a
    truncated image must still be reported and skipped, so it is turned off while we decode.
    """
    before = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before


# ----------------------------------------------------------------------------------------------
# many images


def _workers(n):
    if n < _PARALLEL_MIN:
        return 1
    return max(1, min(8, os.cpu_count() or 1))


def _run(fn, n):
    """Call ``fn(i)`` for ``i in range(n)``, in a thread pool when worth it; returns the results."""
    workers = _workers(n)
    if workers == 1:
        return [fn(i) for i in range(n)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, range(n), chunksize=max(1, n // (workers * 8))))


def _warn_skipped(failures):
    """One warning per unreadable file (``failures`` is a list of ``(path, exception)``)."""
    for path, exc in failures[:_MAX_WARNINGS]:
        warnings.warn(
            'skipping unreadable image %s (%s: %s)' % (path, type(exc).__name__, exc),
            ImageSkippedWarning,
            stacklevel=4,
        )
    if len(failures) > _MAX_WARNINGS:
        warnings.warn(
            'skipped %d more unreadable images (first: %s)'
            % (len(failures) - _MAX_WARNINGS, failures[_MAX_WARNINGS][0]),
            ImageSkippedWarning,
            stacklevel=4,
        )


def probe_images(paths):
    """Read only the headers: returns ``(sizes, grays, ok)`` as numpy arrays over ``paths``.

    ``sizes[i]`` is ``(width, height)``, ``grays[i]`` whether the file is grayscale,
    ``ok[i]`` False for files PIL cannot identify (warned about, naming the file).
    """

    def probe(i):
        try:
            with Image.open(paths[i]) as img:
                return img.size, _is_gray(img), None
        except Exception as exc:  # any unreadable file is skipped, never fatal
            return (0, 0), False, exc

    results = _run(probe, len(paths))
    failures = [(paths[i], r[2]) for i, r in enumerate(results) if r[2] is not None]
    _warn_skipped(failures)
    sizes = np.asarray([r[0] for r in results], dtype=np.int64).reshape(-1, 2)
    grays = np.asarray([r[1] for r in results], dtype=bool)
    ok = np.asarray([r[2] is None for r in results], dtype=bool)
    return sizes, grays, ok


def common_size(sizes, cap=224):
    """Median of all image sides (widths and heights), rounded, at least 1 and at most ``cap``."""
    sides = np.asarray(sizes).reshape(-1)
    if sides.size == 0:
        raise ValueError('no images to take a common size from')
    return int(min(cap, max(1, int(np.floor(np.median(sides) + 0.5)))))


def decode_images(paths, image_size, channels):
    """Decode ``paths`` into one ``(N, image_size, image_size, channels)`` uint8 array.

    Returns ``(images, ok)``; files that fail are warned about (naming each) and ``ok`` is False
    for them (their rows are removed from ``images``).
    """
    out = np.empty((len(paths), image_size, image_size, channels), dtype=np.uint8)

    def decode(i):
        try:
            out[i] = _decode(paths[i], image_size, channels)
            return None
        except Exception as exc:  # any unreadable file is skipped, never fatal
            return exc

    with _truncated_images_fail():
        errors = _run(decode, len(paths))
    failures = [(paths[i], e) for i, e in enumerate(errors) if e is not None]
    _warn_skipped(failures)
    ok = np.asarray([e is None for e in errors], dtype=bool)
    if not ok.all():
        out = out[ok]
    return out, ok
