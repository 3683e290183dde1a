"""Run every Python code block of a docs page, in order, the way a reader would.

    python docs/tools/run_snippets.py docs/tutorials/quick_start.md [more pages...]
        [--set time_limits=20 --set num_training_epochs=2] [--keep]

A page's blocks run one after the other in one fresh Python process and one namespace, as cells
of a notebook do. The blocks that run are those fenced as ```python (MyST pages) or
```{.python .input} (the d2l-style tutorials of the 2019 release); other fences (bash, text,
console) are shown, not run. A block that raises stops the page; the error names the page and
the line of the block.

Every page runs in a fresh working folder with ``HOME`` a fresh folder too, where ``~/data/train``
and ``~/data/test`` hold the image sample shipped with the package (what the tutorials use), and
with ``MPLBACKEND=Agg``. ``--set NAME=VALUE`` rewrites top-level assignments ``NAME = ...`` in the
blocks: that is how the tests run the pages with small budgets; nothing else is changed.

Exit status 0 when every block of every page ran.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_FENCE = re.compile(r'^(?P<indent>\s*)(?P<ticks>`{3,}|~{3,})\s*(?P<info>.*?)\s*$')
_RUNNABLE = re.compile(r'^(python|py|\{\.python \.input\}|\{code-cell\}\s+python3?|\{code-block\}\s+python)$')


def extract_blocks(path):
    """``[(line, code), ...]`` for the runnable Python blocks of a Markdown page, in order."""
    with open(path, encoding='utf-8') as f:
        lines = f.read().splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        ticks, info = m.group('ticks'), m.group('info')
        start = i + 1
        j = start
        while j < len(lines):
            end = _FENCE.match(lines[j])
            if (
                end
                and end.group('ticks')[0] == ticks[0]
                and len(end.group('ticks')) >= len(ticks)
                and not end.group('info')
            ):
                break
            j += 1
        if j == len(lines):
            raise ValueError('%s:%d: code fence %r is never closed' % (path, i + 1, ticks))
        if _RUNNABLE.match(info):
            body = lines[start:j]
            # MyST directive options (':caption: ...') at the top of a code-block are not code.
            while body and re.match(r'^:\w[\w-]*:', body[0]):
                body = body[1:]
                start += 1
            blocks.append((start + 1, '\n'.join(body) + '\n'))
        i = j + 1
    return blocks


def apply_settings(code, settings):
    """Rewrite top-level ``NAME = value`` lines for each ``NAME`` in ``settings``."""
    for name, value in settings.items():
        code = re.sub(r'^%s\s*=\s*[^\n]*$' % re.escape(name), '%s = %s' % (name, value), code, flags=re.M)
    return code


_DRIVER = r'''
import sys, traceback
sys.path.insert(0, %(root)r)
page, blocks = %(page)r, %(blocks)r
namespace = {'__name__': '__main__'}
for number, (line, code) in enumerate(blocks, 1):
    print('--- %%s: block %%d of %%d (line %%d)' %% (page, number, len(blocks), line), flush=True)
    # Pad with newlines so that tracebacks give the line number in the page itself.
    source = '\n' * (line - 1) + code
    try:
        exec(compile(source, page, 'exec'), namespace)
    except BaseException:
        traceback.print_exc()
        print('FAILED: %%s, the block at line %%d' %% (page, line), flush=True)
        sys.exit(1)
print('OK: %%s, %%d blocks' %% (page, len(blocks)), flush=True)
'''


def make_home(home):
    """A HOME whose ``~/data/train`` and ``~/data/test`` are the shipped sample."""
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    from autogluon.image_classification import sample_data_path

    os.makedirs(os.path.join(home, 'data'), exist_ok=True)
    for split in ('train', 'test'):
        link = os.path.join(home, 'data', split)
        if not os.path.exists(link):
            os.symlink(sample_data_path(split), link)


def run_page(path, settings=None, timeout=None, keep=False, stream=None):
    """Run a page's blocks in a fresh process and folder; returns ``(ok, output)``."""
    path = os.path.abspath(path)
    blocks = [(line, apply_settings(code, settings or {})) for line, code in extract_blocks(path)]
    if not blocks:
        return True, 'no Python blocks in %s\n' % path
    tmp = tempfile.mkdtemp(prefix='ag-docs-')
    try:
        home, work = os.path.join(tmp, 'home'), os.path.join(tmp, 'work')
        os.makedirs(work)
        make_home(home)
        env = dict(os.environ, HOME=home, MPLBACKEND='Agg', PYTHONUNBUFFERED='1')
        env['PYTHONPATH'] = os.pathsep.join([ROOT] + [p for p in [env.get('PYTHONPATH')] if p])
        script = _DRIVER % {'root': ROOT, 'page': os.path.relpath(path, ROOT), 'blocks': blocks}
        # Its own process group, so that a timeout also ends the trial workers it started.
        proc = subprocess.Popen(
            [sys.executable, '-c', script],
            cwd=work,
            env=env,
            start_new_session=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        timed_out = threading.Event()

        def kill():  # a page that hangs without printing is stopped too
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill) if timeout is not None else None
        if timer is not None:
            timer.start()
        out = []
        try:
            for line in proc.stdout:
                out.append(line)
                if stream is not None:
                    stream.write(line)
                    stream.flush()
            proc.wait()
        finally:
            if timer is not None:
                timer.cancel()
        if timed_out.is_set():
            out.append('TIMEOUT: %s did not finish in %s s\n' % (path, timeout))
            return False, ''.join(out)
        return proc.returncode == 0, ''.join(out)
    finally:
        if keep:
            print('kept the working folder %s' % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _parse_set(items):
    settings = {}
    for item in items:
        name, sep, value = item.partition('=')
        if not sep or not name.isidentifier():
            raise SystemExit('--set: expected NAME=VALUE, got %r' % item)
        settings[name] = value
    return settings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('pages', nargs='+', help='Markdown pages')
    parser.add_argument(
        '--set',
        action='append',
        default=[],
        metavar='NAME=VALUE',
        help='rewrite the top-level assignment NAME = ... in every block',
    )
    parser.add_argument('--timeout', type=float, default=None, help='seconds per page')
    parser.add_argument('--keep', action='store_true', help='keep the working folder')
    args = parser.parse_args(argv)
    settings = _parse_set(args.set)
    failed = []
    for page in args.pages:
        start = time.monotonic()
        ok, _ = run_page(page, settings, timeout=args.timeout, keep=args.keep, stream=sys.stdout)
        print('%s %s in %.1f s' % ('ok' if ok else 'FAILED', page, time.monotonic() - start))
        if not ok:
            failed.append(page)
    if failed:
        print('failed pages: %s' % ', '.join(failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
