"""test_crftag.py - tests of the ctypes bindings against the crftag program.

Run from the repository root:
    CRFTAG_LIB=build/libcrftag.so.1 CRFTAG_BIN=build/crftag python3 python/test_crftag.py
The oracle is the crftag program itself (same model, same text).
"""
import json
import os
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crftag  # noqa: E402

MODEL = "models/wikiser.crftag"
BIN = os.environ.get("CRFTAG_BIN", "build/crftag")
TEXT = ("Azure Sphere runs a Linux kernel on ARM Cortex-A7 chips. It was announced by "
        "Microsoft in 2018 and supports Wi-Fi and TLS. Café owners use Node.js – "
        "and PostgreSQL on Ubuntu.")
SENT = ["QEMU", "uses", "SPICE", "on", "Linux", "."]


def cli(args, data):
    return subprocess.run([BIN] + args, input=data.encode(), stdout=subprocess.PIPE,
                          check=True).stdout.decode()


class TestBindings(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = crftag.Model(MODEL)

    def test_tag_matches_cli(self):
        out = cli(["tag", "-m", MODEL, "--tokenized"], "\n".join(SENT) + "\n\n")
        want = [line.split("\t")[1] for line in out.splitlines() if line]
        self.assertEqual(self.m.tag(SENT), want)
        self.assertEqual(self.m.tag([]), [])

    def test_tag_text_matches_cli(self):
        out = cli(["tag", "-m", MODEL, "--format", "spans"], TEXT + "\n")
        want = [tuple(line.split("\t")) for line in out.splitlines()]
        spans = self.m.tag_text(TEXT)
        self.assertGreaterEqual(len(spans), 5)
        got = [(str(s.byte_start), str(s.byte_end), s.label, s.text) for s in spans]
        self.assertEqual(got, want)
        for s in spans:         # character offsets into the str
            self.assertEqual(TEXT[s.start:s.end], s.text)
        self.assertEqual(self.m.tag_text(""), [])

    def test_char_offsets_match_cli_json(self):
        # text wrapped at a line break, non-ASCII before the names: crftag tag
        # reads it as one paragraph, as the library does; its start_char and
        # end_char are the binding's start and end
        text = ("Zoë 😀 edits code in Visual\nStudio Code and runs Docker\nCompose on "
                "Ubuntu – with Café\nLinux.\n")
        out = cli(["tag", "-m", MODEL, "--format", "json"], text)
        want = [(e["start_char"], e["end_char"], e["type"], e["text"])
                for line in out.splitlines() for e in json.loads(line)["entities"]]
        got = [(s.start, s.end, s.label, s.text) for s in self.m.tag_text(text)]
        self.assertGreaterEqual(len(got), 3)
        self.assertEqual(got, want)
        self.assertIn("Visual\nStudio Code", [s.text for s in self.m.tag_text(text)])
        rec = json.dumps({"id": 3, "text": text})
        ans = json.loads(cli(["tag", "-m", MODEL, "-J", "jsonl"], rec + "\n"))
        self.assertEqual(ans["id"], 3)
        self.assertEqual([(e["start_char"], e["end_char"]) for e in ans["entities"]],
                         [(g[0], g[1]) for g in got])

    def test_marginals(self):
        rows = self.m.marginals(SENT)
        self.assertEqual(len(rows), len(SENT))
        unc = crftag.Model(MODEL, constrained=False).tag(SENT)
        for row, label in zip(rows, unc):
            self.assertEqual(len(row), len(self.m.labels))
            self.assertAlmostEqual(sum(row), 1.0, places=9)
            self.assertTrue(all(0.0 <= p <= 1.0 for p in row))
            # each unconstrained Viterbi label is likely under the marginals
            self.assertGreater(row[self.m.labels.index(label)], 0.05)

    def test_load_from_bytes(self):
        with open(MODEL, "rb") as f:
            m2 = crftag.Model(data=f.read())
        self.assertEqual(m2.labels, self.m.labels)
        self.assertEqual(m2.tag(SENT), self.m.tag(SENT))

    def test_errors(self):
        with self.assertRaises(crftag.CrftagError) as cm:
            crftag.Model("no/such/model.crftag")
        self.assertIn("model.crftag", str(cm.exception))
        with self.assertRaises(crftag.CrftagError):
            crftag.Model(data=b"not a model")
        with self.assertRaises(ValueError):
            crftag.Model()
        self.assertTrue(crftag.version())

    def test_threads_share_one_model(self):
        sents = [s.split() for s in TEXT.split(". ")] * 20
        want = [self.m.tag(s) for s in sents]
        got = [None] * len(sents)

        def work(k):
            for i in range(k, len(sents), 4):
                got[i] = self.m.tag(sents[i])
        ths = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in ths:
            t.start()
        for t in ths:
            t.join()
        self.assertEqual(got, want)


if __name__ == "__main__":
    unittest.main(verbosity=2)
