"""Drives `crftag tag` as a co-process (tests/e2e.sh): writes one piece of
input, waits for its answer, and only then writes the next, the pipe staying
open throughout.  A tagger that waited for more input (or for the end of it)
before answering would never answer: a generous guard (30 s per answer) turns
that hang into a failure.  Nothing is timed otherwise.

Usage: python3 tests/coprocess.py CRFTAG MODEL [TAG OPTION...]
(the options, e.g. --threads 2, are given to every `crftag tag`)
Prints one "ok - ..." line per mode; exits 1 on the first failure."""
import json
import os
import select
import subprocess
import sys
import zlib

GUARD = 30.0


def read_until(proc, done):
    """Reads stdout lines until done(lines) is true; fails after GUARD s of silence."""
    lines = []
    buf = b""
    fd = proc.stdout.fileno()
    while True:
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            lines.append(line.decode("utf-8"))
            if done(lines):
                return lines
        ready, _, _ = select.select([fd], [], [], GUARD)
        if not ready:
            raise SystemExit("FAIL - no answer within %d s; got %r" % (GUARD, lines))
        chunk = os.read(fd, 65536)
        if not chunk:
            raise SystemExit("FAIL - output ended; got %r" % lines)
        buf += chunk


def run(name, args, steps, compress=False):
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    z = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS) if compress else None
    for data, done, check in steps:
        raw = data.encode("utf-8")
        proc.stdin.write(z.compress(raw) + z.flush(zlib.Z_SYNC_FLUSH) if z else raw)
        proc.stdin.flush()
        lines = read_until(proc, done)
        if not check(lines):
            raise SystemExit("FAIL - %s: unexpected answer %r" % (name, lines))
    if z:
        proc.stdin.write(z.flush())
    proc.stdin.close()
    proc.stdout.read()
    if proc.wait(timeout=GUARD) != 0:
        raise SystemExit("FAIL - %s: exit status %d" % (name, proc.returncode))
    print("ok   - co-process: %s" % name)


def blank_line(lines):
    return len(lines) > 0 and lines[-1] == ""


def main():
    crftag, model = sys.argv[1], sys.argv[2]
    tag = [crftag, "tag", "-m", model] + sys.argv[3:]
    run("--lines answers each line before the next is written", tag + ["--lines"], [
        ("Linux runs on ARM.\n", blank_line, lambda l: l[0].startswith("Linux\tB-")),
        ("QEMU emulates it.\n", blank_line, lambda l: l[0].startswith("QEMU\tB-")),
    ])
    # a paragraph goes on over a line break; its blank line ends it and brings the answer
    run("a paragraph is answered at its blank line", tag + ["--format", "spans"], [
        ("Developers edit code in Visual\nStudio Code every day.\n\n",
         lambda l: any("\tVisual Studio" in x for x in l), lambda l: True),   # over the break
        ("Google\nChrome runs on Linux.\n\n",
         lambda l: any("Linux" in x for x in l),
         lambda l: any(x.split("\t")[3] == "Google Chrome" for x in l)),
    ])
    def one_record(want_id):
        return lambda l: json.loads(l[0]).get("id") == want_id and \
            any(e["text"] == "Linux" for e in json.loads(l[0])["entities"])
    for gz in (False, True):
        run("-J jsonl answers each record%s" % (" (gzip input)" if gz else ""),
            tag + ["-J", "jsonl"], [
                ('{"id":1,"text":"QEMU runs on Linux."}\n', lambda l: len(l) == 1, one_record(1)),
                ('{"text":"Linux runs QEMU.","id":2}\n', lambda l: len(l) == 1, one_record(2)),
            ], compress=gz)
    run("--tokenized answers each sentence", tag + ["--tokenized"], [
        ("Linux\tB-Application\nruns\tO\n\n", blank_line,
         lambda l: l[0].startswith("Linux\tB-Application\tB-")),
        ("QEMU\tB-Application\nruns\tO\n\n", blank_line,
         lambda l: l[0].startswith("QEMU\tB-Application\tB-")),
    ])


if __name__ == "__main__":
    main()
