#!/usr/bin/env python3
"""Timing engine of bench/run (see bench/README).  Standard library only.

  measure.py scenario --title T --bytes N [options] --tool LABEL CMD ...
      Runs every tool once (warm-up), then REPS interleaved rounds
      (A B C A B C ...), then one untimed `strace -c -f` run per tool, and
      prints a Markdown table of medians.
  measure.py baseline            peak RSS and syscalls of /bin/true
  measure.py memcpy SIZE         memcpy bandwidth of this machine
  measure.py mkdata PATH SIZE    a file of incompressible bytes
  measure.py mksparse PATH APPARENT DATA ISLANDS
  measure.py mkfiles DIR COUNT SIZE
  measure.py mktree DIR DIRS FILES SIZE   FILES files of SIZE in DIRS directories
  measure.py summary RESULTS     the closing checks of a run

CMD is one string.  Words are split as by a shell (shlex); a word starting
with `<`, `>` or `>>` is a redirection done here (`>/dev/tcp/HOST/PORT`
connects a TCP socket, as bash does); a word with `*` is a glob expanded
here; a word `|` makes a pipeline, whose stages are started here, each
through GNU time (CPU: the sum of the stages; peak RSS: the largest
stage's, as GNU time reports for a tool that forks; system calls: the sum;
it fails if any stage fails).  A CMD starting with `sh:` runs through
`bash -c` (its peak RSS is then the shell's and is not shown).  The tool is executed directly, through
GNU time only, because a process's ru_maxrss includes the memory of
whatever process it was exec'd from (Python, bash): GNU time (~1 MiB) is
the only launcher small enough not to mask a small tool's own peak.
"""

import glob
import os
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

GiB = 1 << 30
MiB = 1 << 20
CHUNK = 1 << 20            # producer and sink: splice up to 1 MiB per call
DATA_CALLS = ('read', 'write', 'pread64', 'pwrite64', 'readv', 'writev',
              'splice', 'sendfile', 'sendfile64', 'copy_file_range',
              'vmsplice', 'tee', 'sendto', 'recvfrom')
BIG_CALLS = ('splice', 'sendfile', 'sendfile64', 'copy_file_range', 'vmsplice', 'tee')

ENV = dict(os.environ, LC_ALL='C')
ENV.pop('POSIXLY_CORRECT', None)


def gnu_time():
    """Path of a GNU time that supports -f and -o, or None."""
    path = '/usr/bin/time'
    if not os.access(path, os.X_OK):
        return None
    try:
        r = subprocess.run([path, '-f', '%M', '-o', '/dev/null', 'true'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return path if r.returncode == 0 else None
    except OSError:
        return None


GNU_TIME = gnu_time()
STRACE = shutil.which('strace')


# ---------------------------------------------------------------- helpers

def parse_size(s):
    s = str(s)
    mult = {'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30, 'T': 1 << 40}
    if s[-1:].upper() in mult:
        return int(s[:-1]) * mult[s[-1].upper()]
    return int(s)


def fmt_t(sec):
    if sec is None:
        return 'n/a'
    if sec < 1:
        return '%.1f ms' % (sec * 1e3)
    return '%.3f s' % sec


def fmt_size(n):
    for unit, div in (('GiB', GiB), ('MiB', MiB), ('KiB', 1024)):
        if n >= div:
            v = n / div
            return ('%d %s' % (v, unit)) if v == int(v) else ('%.1f %s' % (v, unit))
    return '%d B' % n


def fmt_n(v):
    if v is None:
        return 'n/a'
    if v >= 100:
        return '{:,}'.format(int(round(v)))
    return '%.1f' % v


def sh(cmd):
    subprocess.run(['bash', '-c', cmd], check=True, env=ENV)


def close_all_but(keep):
    """Close every descriptor >= 3 that is not in keep (in a forked child)."""
    lo = 3
    for fd in sorted(k for k in keep if k >= 3):
        os.closerange(lo, fd)
        lo = fd + 1
    os.closerange(lo, 1 << 16)


def fork_child(fn, keep, *args):
    """Run fn(*args) in a forked copy of this process (no exec: cheap)."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            close_all_but(keep)
            fn(*args)
        except BrokenPipeError:
            pass
        except BaseException as e:          # noqa: B902  report, never raise
            try:
                os.write(2, ('bench: helper failed: %r\n' % e).encode())
            except OSError:
                pass
            code = 1
        os._exit(code)
    return pid


def producer(path, wfd):
    """Fixed producer: splice PATH into the pipe, up to 1 MiB per call.
    It never changes the pipe's size."""
    fd = os.open(path, os.O_RDONLY)
    try:
        while os.splice(fd, wfd, CHUNK) > 0:
            pass
    except OSError as e:
        if isinstance(e, BrokenPipeError):
            raise
        while True:                          # no splice here: read/write
            b = os.read(fd, CHUNK)
            if not b:
                break
            os.write(wfd, b)


def sink(rfd, countfile):
    """Fixed sink: splice the pipe into /dev/null, count the bytes."""
    null = os.open('/dev/null', os.O_WRONLY)
    total = 0
    try:
        while True:
            n = os.splice(rfd, null, CHUNK)
            if n == 0:
                break
            total += n
    except OSError:
        while True:
            b = os.read(rfd, CHUNK)
            if not b:
                break
            total += len(b)
    with open(countfile, 'w') as f:
        f.write(str(total))


def port_listening(port):
    want = ':%04X' % port
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    p = line.split()
                    if p[1].endswith(want) and p[3] == '0A':
                        return True
        except OSError:
            pass
    return False


def start_receiver(port):
    """Fixed TCP receiver: one socat per run, 1 MiB buffer, to /dev/null."""
    null = os.open('/dev/null', os.O_RDWR)
    pid = os.posix_spawn(shutil.which('socat'),
                         ['socat', '-u', '-b', str(CHUNK),
                          'TCP-LISTEN:%d,reuseaddr,bind=127.0.0.1' % port,
                          'OPEN:/dev/null'],
                         ENV, file_actions=[(os.POSIX_SPAWN_DUP2, null, 0),
                                            (os.POSIX_SPAWN_DUP2, null, 1)])
    os.close(null)
    deadline = time.monotonic() + 5
    while not port_listening(port):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise RuntimeError('socat did not listen on port %d' % port)
        time.sleep(0.002)
    return pid


class Timeout(Exception):
    pass


def on_alarm(signum, frame):
    raise Timeout()


# ---------------------------------------------------------------- commands

class Cmd:
    def __init__(self, label, text):
        self.label, self.text = label, text
        self.shell = text.startswith('sh:')
        self.stdin = self.stdout = self.tcp = None
        self.append = False
        if self.shell:
            self.argv = ['bash', '-c', text[3:]]
            self.stages = [self.argv]
            return
        self.stages = [[]]
        for w in shlex.split(text):
            if w == '|':
                self.stages.append([])
            elif w.startswith('>>'):
                self.stdout, self.append = w[2:], True
            elif w.startswith('>'):
                self.stdout = w[1:]
            elif w.startswith('<'):
                self.stdin = w[1:]
            elif '*' in w:
                self.stages[-1] += sorted(glob.glob(w)) or [w]
            else:
                self.stages[-1].append(w)
        if not all(self.stages):
            raise ValueError('empty pipeline stage in %r' % text)
        self.argv = self.stages[0]
        if self.stdout and self.stdout.startswith('/dev/tcp/'):
            host, port = self.stdout.split('/')[3:5]
            self.tcp, self.stdout = (host, int(port)), None

    def short(self):
        t = self.text[3:] if self.shell else self.text
        return t if len(t) < 110 else t[:107] + '...'


class Run:
    ok = True
    wall = cpu = rss = strace = None
    err = ''
    sunk = None


def run_once(cmd, opt, mode, tmp):
    """One run of cmd; mode 'time' (measured) or 'strace' (counted)."""
    if opt.setup:
        sh(opt.setup)
    if opt.tool_setup and cmd.label in opt.tool_setup:
        sh(opt.tool_setup[cmd.label])
    res = Run()
    kids, close_after = [], []
    recv = None
    try:
        if opt.receiver:
            recv = start_receiver(opt.receiver)
        # standard input
        if opt.producer:
            r, w = os.pipe()
            kids.append(fork_child(producer, {w}, opt.producer, w))
            os.close(w)
            stdin = r
        elif cmd.stdin:
            stdin = os.open(cmd.stdin, os.O_RDONLY)
        else:
            stdin = os.open('/dev/null', os.O_RDONLY)
        close_after.append(stdin)
        # standard output
        countfile = os.path.join(tmp, 'sunk')
        if cmd.tcp:
            s = socket.create_connection(cmd.tcp)
            stdout = os.dup(s.fileno())
            s.close()
        elif cmd.stdout:
            flags = os.O_WRONLY | os.O_CREAT
            flags |= os.O_APPEND if cmd.append else os.O_TRUNC
            stdout = os.open(cmd.stdout, flags, 0o666)
        elif opt.sink:
            r, w = os.pipe()
            kids.append(fork_child(sink, {r}, r, countfile))
            os.close(r)
            stdout = w
        else:
            stdout = os.open('/dev/null', os.O_WRONLY)
        close_after.append(stdout)
        errpath = os.path.join(tmp, 'stderr')
        errfd = os.open(errpath, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        close_after.append(errfd)

        # the stages of the pipeline (one for most tools), each through
        # GNU time (timed runs) or strace (the counting run)
        n = len(cmd.stages)
        spawn = []
        for i, argv in enumerate(cmd.stages):
            if mode == 'time' and GNU_TIME:
                argv = [GNU_TIME, '-f', '%M', '-o', os.path.join(tmp, 'rss.%d' % i)] + argv
            elif mode == 'strace':
                argv = [STRACE, '-f', '-c', '-o', os.path.join(tmp, 'strace.%d' % i),
                        '--'] + argv
            spawn.append((shutil.which(argv[0]) or argv[0], argv))
        links = [os.pipe() for _ in range(n - 1)]    # (r, w) between stages
        for r, w in links:
            close_after += [r, w]
        signal.signal(signal.SIGALRM, on_alarm)
        signal.alarm(opt.timeout)
        pids = []
        t0 = time.perf_counter()
        for i, (path, argv) in enumerate(spawn):
            fin = stdin if i == 0 else links[i - 1][0]
            fout = stdout if i == n - 1 else links[i][1]
            fa = [(os.POSIX_SPAWN_DUP2, fin, 0), (os.POSIX_SPAWN_DUP2, fout, 1),
                  (os.POSIX_SPAWN_DUP2, errfd, 2)]
            pids.append(os.posix_spawn(path, argv, ENV, file_actions=fa,
                                       setsigdef=(signal.SIGPIPE,),
                                       setpgroup=pids[0] if pids else 0))
        for fd in close_after:
            os.close(fd)
        close_after = []
        waited = {}
        try:
            for pid in pids:
                _, status, ru = os.wait4(pid, 0)
                waited[pid] = (status, ru)
            for k in kids:
                os.waitpid(k, 0)
            if recv:
                os.waitpid(recv, 0)
                recv = None
            t1 = time.perf_counter()
        except BaseException as e:           # timeout or ^C: leave no tool running
            os.killpg(pids[0], signal.SIGKILL)
            for pid in pids:
                if pid not in waited:
                    os.wait4(pid, 0)
            if not isinstance(e, Timeout):
                raise
            res.ok, res.err = False, 'timed out after %d s' % opt.timeout
            return res
        finally:
            signal.alarm(0)
        kids = []
        res.wall = t1 - t0
        res.cpu = sum(ru.ru_utime + ru.ru_stime for _, ru in waited.values())
        for pid in pids:
            code = os.waitstatus_to_exitcode(waited[pid][0])
            if code != 0:
                res.ok = False
                with open(errpath, errors='replace') as f:
                    msg = f.read().strip().splitlines()
                res.err = 'exit %d%s' % (code, (': ' + msg[-1]) if msg else '')
                break
        if mode == 'time' and GNU_TIME and not cmd.shell:
            rss = []
            for i in range(n):
                with open(os.path.join(tmp, 'rss.%d' % i)) as f:
                    rss.append(int(f.read().split()[-1]))
            res.rss = max(rss)
        if mode == 'strace' and res.ok:
            res.strace = merge_strace([parse_strace(os.path.join(tmp, 'strace.%d' % i))
                                       for i in range(n)])
        if opt.sink and os.path.exists(countfile):
            with open(countfile) as f:
                res.sunk = int(f.read())
            os.unlink(countfile)
        return res
    finally:
        for fd in close_after:
            os.close(fd)
        for k in kids:
            try:
                os.kill(k, signal.SIGKILL)
                os.waitpid(k, 0)
            except OSError:
                pass
        if recv:
            os.kill(recv, signal.SIGKILL)
            os.waitpid(recv, 0)


def parse_strace(path):
    calls, total = {}, None
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) < 5 or not p[0][0].isdigit():
                continue
            if p[-1] == 'total':
                total = int(p[3])
            else:
                errs = int(p[4]) if len(p) == 6 else 0
                calls[p[-1]] = (int(p[3]), errs)
    return total, calls


def merge_strace(counts):
    """The (total, calls) of several strace -c runs, added up."""
    total, calls = 0, {}
    for t, c in counts:
        if t is None:
            return None, {}
        total += t
        for name, (k, errs) in c.items():
            k0, e0 = calls.get(name, (0, 0))
            calls[name] = (k0 + k, e0 + errs)
    return total, calls


# ---------------------------------------------------------------- scenario

class Row:
    def __init__(self, cmd):
        self.cmd = cmd
        self.label = cmd.label
        self.walls, self.cpus, self.rsss = [], [], []
        self.fail = None
        self.sys_total = None
        self.sys_calls = {}
        self.extra = None
        self.check = None

    def med(self, what):
        v = {'wall': self.walls, 'cpu': self.cpus, 'rss': self.rsss}[what]
        return statistics.median(v) if v else None

    @property
    def peer(self):
        return not self.label.startswith('kcp')


def value(row, metric, opt):
    if metric in ('wall', 'cpu', 'rss'):
        return row.med(metric)
    if metric == 'sys':
        return None if row.sys_total is None else row.sys_total / opt.units
    if metric == 'extra':
        return row.extra
    raise ValueError(metric)


def check_target(spec, rows, opt):
    """'ROW METRIC <= FACTOR REF': REF a label, 'best' (best peer),
    'base' with FACTOR '+KiB' (RSS of /bin/true plus KiB), or 'abs' with
    FACTOR a peak RSS in KiB."""
    name, metric, op, factor, ref = spec.split()
    assert op == '<='
    by = {r.label: r for r in rows}
    if name not in by or by[name].fail:
        return None
    v = value(by[name], metric, opt)
    if ref == 'abs':
        assert metric == 'rss'
        if v is None:
            return None
        return (v <= float(factor), '%s peak RSS %.1f MiB (target <= %.1f MiB)'
                % (name, v / 1024, float(factor) / 1024))
    if ref == 'base':
        if opt.base_rss is None or v is None:
            return None
        limit = opt.base_rss + float(factor)
        return (v <= limit, '%s peak RSS %.1f MiB <= /bin/true %.1f MiB %s MiB'
                % (name, v / 1024, opt.base_rss / 1024, '%+g' % (float(factor) / 1024)))
    if ref == 'best':
        peers = [r for r in rows if r.peer and not r.fail
                 and value(r, metric, opt) is not None]
        if not peers:
            return None
        rr = min(peers, key=lambda r: value(r, metric, opt))
    else:
        if ref not in by or by[ref].fail:
            return None
        rr = by[ref]
    rv = value(rr, metric, opt)
    if v is None or rv is None:
        return None
    ratio = round(v / rv, 2) if rv else float('inf')   # judged as printed
    what = {'wall': 'wall time', 'cpu': 'CPU time', 'sys': 'syscalls',
            'rss': 'peak RSS', 'extra': opt.extra_name or 'extra'}[metric]
    return (ratio <= float(factor),
            '%s %s %.2fx %s%s (target <= %s)' % (
                name, what, ratio, rr.label, ' (best peer)' if ref == 'best' else '',
                factor))


def round_ratio(r, peers, rounds):
    """kcp rows: the median over the common rounds of the row's wall time
    over the best peer's in the same round (a round runs every tool once,
    so the machine's slow spells hit both sides of each ratio)."""
    if r.peer or not peers:
        return ''
    vals = []
    for k in range(min(rounds, len(r.walls))):
        pw = [p.walls[k] for p in peers if k < len(p.walls)]
        if pw and min(pw) > 0:
            vals.append(r.walls[k] / min(pw))
    return '%.2f' % statistics.median(vals) if vals else 'n/a'


def scenario(opt):
    tmp = opt.tmp
    cmds = [Cmd(l, c) for l, c in opt.tool]
    rows = [Row(c) for c in cmds]
    for r in rows:
        if r.cmd.shell:
            continue
        exe = r.cmd.argv[0]
        if not (shutil.which(exe) or os.access(exe, os.X_OK)):
            r.fail = 'not installed'

    def one(r, mode):
        res = run_once(r.cmd, opt, mode, tmp)
        if not res.ok:
            r.fail = res.err
        elif opt.sink and res.sunk is not None and res.sunk != opt.bytes:
            r.fail = 'sink got %d bytes, expected %d' % (res.sunk, opt.bytes)
        return res

    live = lambda: [r for r in rows if not r.fail]
    warm = {r.label: one(r, 'time').wall or 0 for r in live()}  # warm-up round
    # short runs are noisy and cheap: more rounds, up to 5x, ~0.5 s a tool
    rounds = opt.reps
    top = max(warm.values(), default=0)
    if 0 < top < 0.1:
        rounds = min(5 * opt.reps, max(opt.reps, int(0.5 / top)))
    opt.rounds = rounds
    # --per-tool-rounds: a tool whose own warm-up took under 0.1 s gets more
    # rounds in the same way, run after the common ones and interleaved
    # with the other such tools only
    want = {}
    for r in live():
        w = warm.get(r.label, 0)
        want[r.label] = rounds
        if opt.per_tool_rounds and 0 < w < 0.1:
            want[r.label] = max(rounds, min(5 * opt.reps, int(0.5 / w)))
    k = 0
    while True:                                        # interleaved rounds
        todo = [r for r in live() if k < want[r.label]]
        if not todo:
            break
        for r in todo:
            res = one(r, 'time')
            if res.ok and not r.fail:
                r.walls.append(res.wall)
                r.cpus.append(res.cpu)
                if res.rss is not None:
                    r.rsss.append(res.rss)
        k += 1
    for r in live():                                   # untimed counting run
        if STRACE:
            res = run_once(r.cmd, opt, 'strace', tmp)
            if res.ok and res.strace:
                r.sys_total, r.sys_calls = res.strace
        else:
            run_once(r.cmd, opt, 'plain', tmp)
        check = opt.tool_check.get(r.label, opt.check)
        if check:
            c = subprocess.run(['bash', '-c', check], env=ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            r.check = c.returncode == 0
        if opt.extra:
            out = subprocess.run(['bash', '-c', opt.extra], env=ENV,
                                 capture_output=True, text=True).stdout.split()
            r.extra = float(out[0]) if out else None

    # ---- the table
    ok = [r for r in rows if r.walls]
    peers = [r for r in ok if r.peer]
    best = min(r.med('wall') for r in peers) if peers else None
    unit = opt.unit_name
    hdr = ['tool', 'wall (median)', 'wall (min)', 'CPU user+sys', 'syscalls/' + unit,
           'peak RSS', 'wall / best peer', 'per-round ratio']
    if opt.per:
        hdr.insert(2, 'wall per ' + opt.per_name)
    if opt.extra:
        hdr.append(opt.extra_name)
    print('### %s\n' % opt.title)
    more = {}
    for r in rows:
        if r.walls and len(r.walls) != opt.rounds:
            more.setdefault(len(r.walls), []).append(r.label)
    print('%d rounds%s.\n' % (opt.rounds, ''.join(
        '; %s: %d' % (', '.join(v), n) for n, v in sorted(more.items()))))
    print('| ' + ' | '.join(hdr) + ' |')
    print('|' + '|'.join(['---'] + ['---:'] * (len(hdr) - 1)) + '|')
    for r in rows:
        name = ('**%s**' % r.label) if not r.peer else r.label
        if not r.walls:
            cells = [name, 'FAILED: %s' % (r.fail or 'no run')] + [''] * (len(hdr) - 2)
            print('| ' + ' | '.join(cells) + ' |')
            continue
        w = r.med('wall')
        sysv = None if r.sys_total is None else r.sys_total / opt.units
        rss = r.med('rss')
        cells = [name, fmt_t(w), fmt_t(min(r.walls)), fmt_t(r.med('cpu')), fmt_n(sysv),
                 '%.1f MiB' % (rss / 1024) if rss is not None else '—',
                 ('%.2f' % (w / best)) if best else 'n/a',
                 round_ratio(r, peers, opt.rounds)]
        if opt.per:
            cells.insert(2, '%.0f µs' % (w / opt.per * 1e6))
        if opt.extra:
            cells.append(fmt_n(r.extra) if r.extra is not None else 'n/a')
        if r.check is False:
            cells[0] += ' (OUTPUT WRONG)'
        if r.fail:
            cells[0] += ' (%s)' % r.fail
        print('| ' + ' | '.join(cells) + ' |')
    print()

    # ---- the machine's limits, the commands and their system calls
    lim = []
    if opt.setup and (opt.limit_write or opt.limit_read):
        sh(opt.setup)                       # the last output goes: room for the zeros
    if opt.memcpy_bw and opt.bytes:
        lim.append('memcpy of %s %s' % (fmt_size(opt.bytes), fmt_t(opt.bytes / opt.memcpy_bw)))
    for d in opt.limit_write or []:
        try:
            t = fmt_t(limit_write(d, opt.bytes))
        except OSError as e:
            t = 'n/a (%s)' % e.strerror
        lim.append('writing %s of zeros to a new file on %s %s' % (
            fmt_size(opt.bytes), fs_type(d), t))
    for p in opt.limit_read or []:
        try:
            t = fmt_t(limit_read(p))
        except OSError as e:
            t = 'n/a (%s)' % e.strerror
        lim.append('splice-only read of the source to /dev/null %s' % t)
    if lim:
        print('Limits: ' + '; '.join(lim) + '.\n')
    for r in rows:
        line = '- `%s`: `%s`' % (r.label, r.cmd.short())
        if r.sys_total is not None:
            # data-moving calls first (a loader's few reads are not data),
            # then the most frequent others
            byn = sorted(r.sys_calls.items(), key=lambda kv: -kv[1][0])
            data = [kv for kv in byn if kv[0] in DATA_CALLS and
                    (kv[1][0] > 4 or kv[0] in BIG_CALLS)]
            top = data + [kv for kv in byn if kv not in data][:max(3, 6 - len(data))]
            parts = []
            for name, (n, errs) in top:
                s = '%s %d' % (name, n)
                if errs:
                    s += ' (%d failed)' % errs
                if (name, (n, errs)) in data and n > errs and not r.cmd.shell:
                    s += ' (%s/call)' % fmt_size(opt.bytes // (n - errs))
                parts.append(s)
            line += ' — %d syscalls: %s' % (r.sys_total, ', '.join(parts))
        print(line)
    print()

    # ---- the targets
    specs = list(opt.target or [])
    if opt.rss_limit is not None:
        specs += ['%s rss <= %d abs' % (r.label, opt.rss_limit) for r in rows
                  if not r.peer and not r.cmd.shell]
    elif opt.base_rss is not None:
        specs += ['%s rss <= +4096 base' % r.label for r in rows
                  if not r.peer and not r.cmd.shell]
    lines = []
    for spec in specs:
        res = check_target(spec, rows, opt)
        if res is None:
            lines.append('n/a  ' + spec)
        else:
            lines.append(('MET ' if res[0] else 'MISS') + ' ' + res[1])
    if lines:
        print('Targets:\n')
        for l in lines:
            print('    ' + l)
        print()
    if opt.results:
        with open(opt.results, 'a') as f:
            for r in ok:
                f.write('\t'.join(map(str, [opt.title, r.label, r.med('wall'), r.med('cpu'),
                                            r.sys_total, r.med('rss'), r.extra])) + '\n')
            for l in lines:
                f.write('TARGET\t%s\t%s\n' % (opt.title, l))
    if os.environ.get('BENCH_DEBUG'):
        for r in rows:
            print('debug %s walls %s cpus %s' % (r.label, ['%.1f' % (x * 1e3) for x in r.walls],
                                                 ['%.1f' % (x * 1e3) for x in r.cpus]))
    sys.stdout.flush()


def fs_type(path):
    r = subprocess.run(['df', '--output=fstype', path], capture_output=True, text=True)
    return (r.stdout.split() or ['?'])[-1]


def limit_write(d, size, reps=3):
    buf = bytes(CHUNK)
    path = os.path.join(d, 'bench-zeros')
    times = []
    try:
        for _ in range(reps):
            os.sync()
            t0 = time.perf_counter()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                left = size
                while left > 0:
                    left -= os.write(fd, buf[:min(left, CHUNK)])
            finally:
                os.close(fd)
            times.append(time.perf_counter() - t0)
            os.unlink(path)
    finally:
        if os.path.exists(path):
            os.unlink(path)
        os.sync()
    return statistics.median(times)


def limit_read(path, reps=3):
    times = []
    null = os.open('/dev/null', os.O_WRONLY)
    for _ in range(reps):
        r, w = os.pipe()
        try:
            import fcntl
            fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, CHUNK)
        except (OSError, AttributeError, ImportError):
            pass
        fd = os.open(path, os.O_RDONLY)
        t0 = time.perf_counter()
        while True:
            n = os.splice(fd, w, CHUNK)
            if n == 0:
                break
            while n:
                n -= os.splice(r, null, n)
        times.append(time.perf_counter() - t0)
        for x in (fd, r, w):
            os.close(x)
    os.close(null)
    return statistics.median(times)


# ---------------------------------------------------------------- others

def cmd_memcpy(size):
    """Bytes per second of memcpy (64 MiB blocks, already faulted in)."""
    n = 64 * MiB
    src, dst = bytearray(b'\x5a' * n), bytearray(n)
    dst[:] = src
    ms, md = memoryview(src), memoryview(dst)
    best = None
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(max(1, size // n)):
            md[:] = ms
        t = (time.perf_counter() - t0) / max(1, size // n)
        best = t if best is None or t < best else best
    print('%.0f' % (n / best))


def cmd_baseline(tmp):
    class O:
        setup = tool_setup = producer = sink = receiver = None
        timeout = 60
    c = Cmd('true', 'true')
    rss = []
    for _ in range(5):
        r = run_once(c, O, 'time', tmp)
        if r.rss:
            rss.append(r.rss)
    calls = None
    if STRACE:
        r = run_once(c, O, 'strace', tmp)
        calls = r.strace[0] if r.strace else None
    print('%s %s' % (min(rss) if rss else '-', calls if calls is not None else '-'))


def cmd_mkdata(path, size):
    block = bytearray(os.urandom(16 * MiB))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    i, left = 0, size
    while left > 0:
        block[:8] = i.to_bytes(8, 'little')       # no two blocks alike
        n = min(left, len(block))
        os.write(fd, memoryview(block)[:n])
        left -= n
        i += 1
    os.close(fd)


def cmd_mksparse(path, apparent, data, islands):
    island = data // islands
    stride = apparent // islands
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.ftruncate(fd, apparent)
    for k in range(islands):
        os.pwrite(fd, os.urandom(island), k * stride + stride // 2)
    os.close(fd)


def cmd_mkfiles(d, count, size):
    os.makedirs(d, exist_ok=True)
    for k in range(count):
        with open(os.path.join(d, 'f%05d' % k), 'wb') as f:
            f.write(os.urandom(size))


def cmd_mktree(d, ndirs, nfiles, size):
    """NFILES files of SIZE random bytes (empty files for 0), spread evenly
    over NDIRS directories d000, d001, ... under D."""
    os.makedirs(d, exist_ok=True)
    for k in range(nfiles):
        sub = os.path.join(d, 'd%03d' % (k % ndirs))
        if k < ndirs:
            os.mkdir(sub)
        fd = os.open(os.path.join(sub, 'f%06d' % k), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        if size:
            os.write(fd, os.urandom(size))
        os.close(fd)


def cmd_summary(path):
    targets = []
    with open(path) as f:
        for line in f:
            p = line.rstrip('\n').split('\t')
            if p[0] == 'TARGET':
                targets.append((p[1], p[2]))
    met = sum(1 for _, l in targets if l.startswith('MET'))
    miss = [t for t in targets if t[1].startswith('MISS')]
    print('## Summary\n')
    print('Targets met: %d, missed: %d, not measurable: %d.\n'
          % (met, len(miss), len(targets) - met - len(miss)))
    for title, l in miss:
        print('- %s — %s' % (title, l))
    print()


def on_term(signum, frame):
    raise KeyboardInterrupt()               # clean up children as for ^C


def main():
    import argparse
    signal.signal(signal.SIGTERM, on_term)
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    what, rest = a[0], a[1:]
    for fd in (0, 1, 2):                      # never hand out fds 0-2
        try:
            os.fstat(fd)
        except OSError:
            os.open('/dev/null', os.O_RDWR)
    if what == 'memcpy':
        return cmd_memcpy(parse_size(rest[0]))
    if what == 'baseline':
        return cmd_baseline(rest[0])
    if what == 'mkdata':
        return cmd_mkdata(rest[0], parse_size(rest[1]))
    if what == 'mksparse':
        return cmd_mksparse(rest[0], *map(parse_size, rest[1:4]))
    if what == 'mkfiles':
        return cmd_mkfiles(rest[0], int(rest[1]), parse_size(rest[2]))
    if what == 'mktree':
        return cmd_mktree(rest[0], int(rest[1]), int(rest[2]), parse_size(rest[3]))
    if what == 'summary':
        return cmd_summary(rest[0])
    if what != 'scenario':
        sys.exit('measure.py: unknown command %r' % what)
    p = argparse.ArgumentParser(prog='measure.py scenario')
    p.add_argument('--title', required=True)
    p.add_argument('--bytes', type=parse_size, required=True)
    p.add_argument('--tmp', required=True, help='scratch directory')
    p.add_argument('--reps', type=int, default=5)
    p.add_argument('--timeout', type=int, default=300)
    p.add_argument('--setup', help='shell command before every run (untimed)')
    p.add_argument('--producer', help='file spliced into the tool\'s stdin pipe')
    p.add_argument('--sink', action='store_true', help='stdout is a pipe to a splice sink')
    p.add_argument('--receiver', type=int, help='start a socat receiver on this port')
    p.add_argument('--check', help='shell command: exit 0 if the output is right')
    p.add_argument('--extra', help='shell command printing one number per tool')
    p.add_argument('--extra-name', default='extra')
    p.add_argument('--per', type=int, help='also show wall time divided by this')
    p.add_argument('--per-name', default='file')
    p.add_argument('--unit', default='GiB', help="syscalls per 'GiB' or per 'file'")
    p.add_argument('--memcpy-bw', type=float)
    p.add_argument('--base-rss', type=float, help='peak RSS of /bin/true in KiB')
    p.add_argument('--limit-write', action='append', help='dir to write zeros into')
    p.add_argument('--limit-read', action='append', help='file to splice-read')
    p.add_argument('--target', action='append')
    p.add_argument('--rss-limit', type=int, metavar='KIB',
                   help="kcp rows' peak RSS target, in KiB, instead of "
                   "/bin/true's plus 4 MiB")
    p.add_argument('--tool-setup', nargs=2, action='append', metavar=('LABEL', 'CMD'),
                   help='shell command before every run of the tool LABEL, '
                   'after --setup (untimed)')
    p.add_argument('--per-tool-rounds', action='store_true',
                   help='more rounds for each tool whose warm-up run took '
                   'under 0.1 s, not only when every tool is that fast')
    p.add_argument('--tool-check', nargs=2, action='append', metavar=('LABEL', 'CMD'),
                   help='the output check of the tool LABEL, instead of --check')
    p.add_argument('--results', help='append medians and targets (TSV) here')
    p.add_argument('--tool', nargs=2, action='append', metavar=('LABEL', 'CMD'),
                   required=True)
    opt = p.parse_args(rest)
    opt.tool_setup = dict(opt.tool_setup or [])
    opt.tool_check = dict(opt.tool_check or [])
    if opt.unit == 'GiB':
        opt.unit_name, opt.units = 'GiB', opt.bytes / GiB
    else:
        opt.unit_name, opt.units = opt.unit, float(opt.per or 1)
    scenario(opt)


if __name__ == '__main__':
    main()
