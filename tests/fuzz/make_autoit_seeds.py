"""make_autoit_seeds.py - writes the seed corpus of fuzz_autoit
(tests/fuzz/corpus/fuzz_autoit/) with the AutoIt test generator
(tests/cli/lib/au3gen.py). Run it from the repository root; it only adds
seeds (named seed-*), never touching crash regressions.

A seed is what fuzz_autoit takes: byte 0 picks the version (0 EA05, 1
EA06), then the bytes that follow "AU3!EA0x" in an executable.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cli", "lib"))
import au3gen as g  # noqa: E402

BODY = b"seed VIGIL-CONTAINER-TEST " + bytes(range(48)) + b"abcabcabc" * 8


def put(name, ver, records):
    whole = g.au3(ver, records, pe=b"")
    data = bytes([1 if ver == g.EA06 else 0]) + whole[len(g.GUID) + 8:]
    d = os.path.join(HERE, "corpus", "fuzz_autoit")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def main():
    scr = g.script([
        [g.kw(32), g.name(g.FUNC, "_F"), g.op("("), g.name(g.VAR, "a"), g.op(")")],
        [g.fn(249), g.op("("), g.int32(0), g.op(","), g.name(g.STRING, "VIGIL-CONTAINER-TEST"),
         g.op(","), g.int64(7), g.op(","), g.double(0.5), g.op(")")],
        [g.name(g.MACRO, "CRLF"), g.name(g.OBJECT, "p"), g.name(g.DIRECTIVE, "x"), g.op("?")],
        [g.kw(33)]])
    for ver in (g.EA05, g.EA06):
        v = ver.lower()
        put(v + "-comp", ver, [g.record(ver, BODY)])
        put(v + "-stored", ver, [g.record(ver, BODY, comp=False), g.record(ver, b"", comp=False)])
        put(v + "-script", ver, [g.record(ver, scr, magic=g.SCRIPT_MAGIC)])
    put("ea06-script-stored", g.EA06, [g.record(g.EA06, scr, magic=g.SCRIPT_MAGIC, comp=False)])


main()
