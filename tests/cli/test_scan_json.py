#!/usr/bin/python3
"""test_scan_json.py - `vigil scan --json`: every line is one JSON object
(parsed strictly), the fields documented in docs/CLI.md are there with the
right types, paths that are not UTF-8 or hold control characters survive
(path_hex gives the raw bytes back), -i/-o filter the objects, and the
summary object agrees with the exit code and with the text summary."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "scan_cases"))
import scanlib  # noqa: E402

failures = []


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        failures.append(msg)


def parse(stdout):
    objs = []
    for line in stdout.split(b"\n")[:-1]:
        line.decode("utf-8")  # strict: the output is valid UTF-8
        objs.append(json.loads(line, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c))))
    return objs


def main():
    vigil = scanlib.vigil_path()
    tree = scanlib.Tree()
    try:
        tree.write("t/eicar.com", scanlib.EICAR)
        tree.write("t/clean.txt", b"clean\n")
        tree.write("t/empty", b"")
        tree.write(b"t/bad\xff\xfename", b"x\n")
        tree.write(b't/ctl\x01"quote\\\nline', b"y\n")
        tree.write("t/big", b"A" * 5000)
        os.symlink("clean.txt", tree.path("t/link"))
        os.mkfifo(tree.path("t/fifo"))
        base = [vigil, "scan", "--json", "--max-filesize=4K", "-d", tree.db]
        res = scanlib.run(base + ["t", "missing"], tree.work)
        objs = parse(res.stdout)
        check(res.returncode == 1, "exit code 1 with an infected file")
        by_path = {}
        for o in objs[:-1]:
            raw = bytes.fromhex(o["path_hex"]) if "path_hex" in o else o["path"].encode()
            by_path[raw] = o
        summary = objs[-1]
        check(summary["type"] == "summary", "the summary object comes last")
        check(all(o["type"] in ("file", "dir") for o in objs[:-1]), "per-path objects are typed file/dir")

        e = by_path.get(b"t/eicar.com", {})
        check(e.get("status") == "infected" and e.get("size") == 68 and
              isinstance(e.get("bytes_scanned"), int) and isinstance(e.get("file_type"), str) and
              e.get("incomplete") == [], "infected object: status, size, bytes_scanned, file_type")
        m = e.get("matches", [{}])[0]
        check(m.get("name") == scanlib.EICAR_NAME + ".UNOFFICIAL" and "offset" in m and
              (m["offset"] is None or isinstance(m["offset"], int)) and m.get("layer") == "",
              "match: name, offset (null for a hash signature), layer")
        check(by_path.get(b"t/clean.txt", {}).get("status") == "clean", "clean object")
        check(by_path.get(b"t/empty", {}).get("status") == "empty", "empty object")
        check(by_path.get(b"t/link", {}).get("status") == "symlink", "symlink object")
        check(by_path.get(b"t/fifo", {}).get("status") == "unsupported", "fifo object")
        big = by_path.get(b"t/big", {})
        check(big.get("status") == "incomplete" and big.get("incomplete") == ["MaxFileSize"],
              "a file over --max-filesize is 'incomplete' with the limit named: %r" % big)
        check(by_path.get(b"missing", {}).get("status") == "not_accessible", "missing path object")
        bad = by_path.get(b"t/bad\xff\xfename")
        check(bad is not None and "\ufffd" in bad["path"], "invalid UTF-8: U+FFFD in path, raw bytes in path_hex")
        ctl = by_path.get(b't/ctl\x01"quote\\\nline')
        check(ctl is not None and "path_hex" not in ctl, "control characters, quotes, backslashes round-trip")

        text = scanlib.run([vigil, "scan", "--max-filesize=4K", "-d", tree.db, "t", "missing"], tree.work)
        tl = dict(l.split(": ", 1) for l in text.stdout.decode("utf-8", "replace").splitlines()
                  if ": " in l and l.split(": ", 1)[0] in ("Known viruses", "Scanned directories",
                                                          "Scanned files", "Infected files"))
        check(summary["known_viruses"] == int(tl["Known viruses"]) and
              summary["scanned_directories"] == int(tl["Scanned directories"]) and
              summary["scanned_files"] == int(tl["Scanned files"]) and
              summary["infected_files"] == int(tl["Infected files"]) and
              summary["incomplete_files"] == 1 and summary["exit_code"] == res.returncode == text.returncode,
              "the summary object matches the text summary and the exit code: %r" % summary)
        for key in ("total_errors", "data_scanned_bytes", "data_read_bytes", "time_ms",
                    "start_time", "end_time"):
            check(isinstance(summary.get(key), int), "summary has integer %s" % key)
        check(summary.get("engine_version") not in (None, ""), "summary has engine_version")

        res = scanlib.run(base + ["-i", "t"], tree.work)
        objs = parse(res.stdout)
        check([o.get("status") for o in objs] == ["infected", None] and objs[-1]["type"] == "summary",
              "-i: only infected objects, then the summary")
        res = scanlib.run(base + ["-o", "--no-summary", "t/clean.txt", "t/eicar.com"], tree.work)
        check([o["status"] for o in parse(res.stdout)] == ["infected"], "-o drops clean objects; --no-summary drops the summary")
        res = scanlib.run(base + ["-"], tree.work, stdin=scanlib.EICAR)
        objs = parse(res.stdout)
        check(objs[0]["path"] == "stdin" and objs[0]["status"] == "infected", "stdin in JSON")
    finally:
        tree.cleanup()
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
