# SPDX-License-Identifier: MIT
"""What the bench/run-*.py runners share: the test harness (tests/lib/cwmptest.py) for a
given build, a synthetic model, the bench programs' output, peak memory, bench-http-server,
and the round by round comparison with curl."""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(HERE)


def import_cwmptest(build_dir):
    """tests/lib/cwmptest.py, set up for the daemons of BUILD_DIR (it reads the environment
    when imported); tests/lib and tests/acs become importable too."""
    os.environ['CWMP_BUILD_DIR'] = os.path.abspath(build_dir)
    os.environ['CWMP_SOURCE_DIR'] = SOURCE_DIR
    for sub in ('acs', 'lib'):
        sys.path.insert(0, os.path.join(SOURCE_DIR, 'tests', sub))
    import cwmptest
    return cwmptest


def status_kib(pid, field):
    """A kB field of /proc/PID/status (VmRSS, VmHWM, RssAnon...)."""
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise KeyError(field)


def fields(text):
    """The name=value pairs of a bench program's line."""
    return dict(re.findall(r'(\w+)=(\S+)', text))


def synthetic_schema(sb, n):
    """A schema fragment of N generated parameters (bench/gen-schema.py) in SB's directory:
    (its directory, its file)."""
    schema_dir = sb.path('schema')
    os.makedirs(schema_dir)
    schema = os.path.join(schema_dir, '50-bench.schema')
    subprocess.run([sys.executable, os.path.join(HERE, 'gen-schema.py'), str(n), schema],
                   check=True)
    return schema_dir, schema


def run_tool(argv, timeout):
    """Runs a bench program; its standard output, or RuntimeError with its errors."""
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError('%s failed (%d): %s' % (os.path.basename(argv[0]), r.returncode,
                                                   r.stderr.strip()))
    return r.stdout


def close_sandbox(sb, ok, **kw):
    """Stops SB's daemons (their logs printed unless OK) and says what went wrong there."""
    problems = sb.close(print_logs=not ok, **kw)
    if problems:
        print('problems: ' + '; '.join(problems), file=sys.stderr)


class HttpServer:
    """bench-http-server (sendfile from a sparse file): GET /N answers N bytes."""

    def __init__(self, cwmptest):
        self.process = subprocess.Popen([cwmptest.binary('bench', 'bench-http-server')],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        self.port = None

    def __enter__(self):
        self.port = int(self.process.stdout.readline().split()[1])
        return self

    def __exit__(self, *exc):
        self.process.stdin.close()
        self.process.wait(timeout=10)

    def url(self, path):
        return 'http://127.0.0.1:%d%s' % (self.port, path)


def mb(bps):
    return '%8.1f MB/s' % (bps / 1e6)


def compare_with_curl(rounds, ours, curl, label, curl_label='curl'):
    """ROUNDS rounds of OURS(i) and CURL(i) (throughputs in bytes/s), in alternating order so
    that neither always runs on a warm cache: prints each round, then the medians."""
    print('%5s  %16s  %16s  %6s' % ('round', label, curl_label, 'ratio'))
    mine, theirs = [], []
    for i in range(rounds):
        if i % 2:
            c = curl(i)
            d = ours(i)
        else:
            d = ours(i)
            c = curl(i)
        mine.append(d)
        theirs.append(c)
        print('%5d  %16s  %16s  %6.2f' % (i + 1, mb(d), mb(c), d / c))
        sys.stdout.flush()
    d, c = statistics.median(mine), statistics.median(theirs)
    print('%5s  %16s  %16s  %6.2f' % ('median', mb(d), mb(c), d / c))


def curl_comparison_options(description):
    """The options of a runner that compares a download with curl's: --build-dir, --size,
    --rounds."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument('--build-dir', default=os.path.join(SOURCE_DIR, 'build'))
    ap.add_argument('--size', type=int, default=100 << 20, help='bytes (default 100 MiB)')
    ap.add_argument('--rounds', type=int, default=5)
    return ap


def run_against_curl(args, measure):
    """MEASURE(cwmptest, server, args) with bench-http-server running, where curl(1) is
    there; its exit code."""
    cwmptest = import_cwmptest(args.build_dir)
    if not shutil.which('curl'):
        print('curl(1) is needed for the comparison', file=sys.stderr)
        return 1
    with HttpServer(cwmptest) as server:
        return measure(cwmptest, server, args)
