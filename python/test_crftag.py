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

    def test_tag_sentences_matches_cli(self):
        """tag_sentences: the shipped model's document memory over a list of
        sentences in order, as `crftag tag -T` over the same file; memory=0
        is tag() of each."""
        X, _ = wikiser_slice("corpora/wikiser-dev.txt.gz", 600)
        self.assertEqual(self.m.memory, 10)
        # a TAB and a dummy label after each token: tokens may hold spaces
        text = "".join("".join(t + "\tO\n" for t in x) + "\n" for x in X)
        out = cli(["tag", "-m", MODEL, "--tokenized"], text)
        want, cur = [], []
        for line in out.splitlines():
            if line:
                cur.append(line.split("\t")[-1])
            else:
                want.append(cur)
                cur = []
        got = self.m.tag_sentences(X)
        self.assertEqual(got, want)
        alone = self.m.tag_sentences(X, memory=0)
        self.assertEqual(alone, [self.m.tag(x) for x in X])
        self.assertNotEqual(got, alone)          # the memory labelled some mentions
        with self.assertRaises(ValueError):
            self.m.tag_sentences(X, memory=-1)

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
        # an entity over a line break keeps it in its text
        self.assertTrue(any(s.text.startswith("Visual\nStudio") for s in self.m.tag_text(text)))
        rec = json.dumps({"id": 3, "text": text})
        ans = json.loads(cli(["tag", "-m", MODEL, "-J", "jsonl"], rec + "\n"))
        self.assertEqual(ans["id"], 3)
        self.assertEqual([(e["start_char"], e["end_char"]) for e in ans["entities"]],
                         [(g[0], g[1]) for g in got])

    def test_marginals(self):
        rows = self.m.marginals(SENT)
        self.assertEqual(len(rows), len(SENT))
        tags = self.m.tag(SENT)
        for row, label in zip(rows, tags):
            self.assertEqual(len(row), len(self.m.labels))
            self.assertAlmostEqual(sum(row), 1.0, places=9)
            self.assertTrue(all(0.0 <= p <= 1.0 for p in row))
            # each label chosen is likely under the marginals of the same model
            self.assertGreater(row[self.m.labels.index(label)], 0.3)
        # the BIO constraint: no I- label on the first token
        for y, name in enumerate(self.m.labels):
            if name.startswith("I-"):
                self.assertEqual(rows[0][y], 0.0)

    def sample(self, k=12):
        """The first k sentences of tests/data/corpus_wikiser_30.txt as
        token lists, and that text without its labels."""
        sents, cur = [], []
        with open("tests/data/corpus_wikiser_30.txt", encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line == "<s>":
                    cur = []
                elif line == "</s>":
                    sents.append(cur)
                elif line:
                    cur.append(line.rsplit("\t", 1)[0])
        sents = sents[:k]
        return sents, "".join("\n".join(s) + "\n\n" for s in sents)

    def close(self, a, b):
        # the CLI prints six significant digits
        self.assertLessEqual(abs(a - b), 5e-6 * abs(b) + 1e-300, (a, b))

    def test_confidence_matches_cli(self):
        import json
        sents, text = self.sample()
        out = cli(["tag", "-m", MODEL, "-T", "--all-marginals", "-n", "4", "-f", "json"], text)
        recs = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(len(recs), len(sents))
        n_ent = 0
        for s, r in zip(sents, recs):
            tags, prob = self.m.tag_prob(s)
            self.assertEqual(tags, r["tags"])
            self.close(prob, r["prob"])
            rows = self.m.marginals(s)
            for i, row in enumerate(rows):
                self.close(row[self.m.labels.index(tags[i])], r["marginals"][i])
                for y, name in enumerate(self.m.labels):
                    self.close(row[y], r["all_marginals"][i][name])
            ents = self.m.entities(s)
            self.assertEqual([(b, e, t) for b, e, t, _ in ents],
                             [(e["tokens"][0], e["tokens"][1], e["type"]) for e in r["entities"]])
            for (_, _, _, p), e in zip(ents, r["entities"]):
                self.close(p, e["prob"])
                self.assertGreaterEqual(p, prob * (1 - 1e-12))
            n_ent += len(ents)
            nb = self.m.nbest(s, 4)
            self.assertEqual([t for _, t in nb], [x["tags"] for x in r["nbest"]])
            for (p, _), x in zip(nb, r["nbest"]):
                self.close(p, x["prob"])
            self.assertEqual(nb[0], (prob, tags))
            self.assertEqual([p for p, _ in nb], sorted([p for p, _ in nb], reverse=True))
        self.assertGreater(n_ent, 10)

    def test_conll_marginals_match_cli(self):
        sents, text = self.sample(4)
        out = cli(["tag", "-m", MODEL, "-T", "-p"], text)
        blocks = [b.splitlines() for b in out.strip("\n").split("\n\n")]
        self.assertEqual(len(blocks), len(sents))
        for s, b in zip(sents, blocks):
            tags, prob = self.m.tag_prob(s)
            self.assertTrue(b[0].startswith("# p="))
            self.close(prob, float(b[0][4:]))
            rows = self.m.marginals(s)
            for i, line in enumerate(b[1:]):
                tok, tag, p = line.split("\t")
                self.assertEqual((tok, tag), (s[i], tags[i]))
                self.close(rows[i][self.m.labels.index(tag)], float(p))

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


def wikiser_slice(path, n):
    """The first n sentences of a WikiSER file (gzip) as (tokens, labels)."""
    import gzip
    X, y = [], []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line == "<s>":
                if len(X) == n:
                    break
                X.append([])
                y.append([])
            elif line and line != "</s>":
                tok, lab = line.rsplit("\t", 1)
                X[-1].append(tok)
                y[-1].append(lab)
    return X, y


class TestBiasCandidates(unittest.TestCase):
    def test_auto_bias_reports_what_the_program_prints(self):
        """bias="auto": the held-out scores of every candidate, the one chosen
        the bias stored; the same figures as `crftag train` prints on the same
        sentences; none for a bias given or a model read back."""
        import re
        import tempfile
        X, y = wikiser_slice("corpora/wikiser-train.txt.gz", 300)
        m = crftag.train(X, y, max_iterations=10, threads=2)
        bc = m.bias_candidates
        self.assertEqual([c["bias"] for c in bc], [0.25 * i for i in range(9)])
        chosen = [c for c in bc if c["chosen"]]
        self.assertEqual(len(chosen), 1)
        stored = set(m.bias.values()) or {0.0}
        self.assertEqual(stored, {chosen[0]["bias"]})
        best = max(c["f1"] for c in bc)
        self.assertGreaterEqual(chosen[0]["f1"], best - 0.5)
        for c in bc:
            self.assertGreater(c["gold_chunks"], 0)
            self.assertEqual(c["gold_chunks"], bc[0]["gold_chunks"])
            if c["bias"] < chosen[0]["bias"]:
                self.assertLess(c["f1"], best - 0.5)
        with tempfile.TemporaryDirectory() as d:
            data, path = os.path.join(d, "w.txt"), os.path.join(d, "w.crftag")
            with open(data, "w", encoding="utf-8") as f:
                for xs, ys in zip(X, y):
                    f.write("<s>\n" + "".join("%s\t%s\n" % t for t in zip(xs, ys)) + "</s>\n")
            err = subprocess.run([BIN, "train", "--max-iter", "10", "-j", "2", "-o", path, data],
                                 check=True, stderr=subprocess.PIPE).stderr.decode()
            prog = crftag.Model(path)
        rows = re.findall(r"^  bias +([0-9.]+): F1 +([0-9.]+) \(P +([0-9.]+) R +([0-9.]+)\)$",
                          err, re.M)
        self.assertEqual(rows, [("%g" % c["bias"], "%.2f" % c["f1"], "%.1f" % c["precision"],
                                 "%.1f" % c["recall"]) for c in bc])
        self.assertIn("\n  bias chosen: %g (" % chosen[0]["bias"], err)
        self.assertEqual(prog.bias, m.bias)
        self.assertEqual(prog.bias_candidates, [])      # not stored in the file
        self.assertEqual(crftag.Model(data=m.to_bytes()).bias_candidates, [])
        self.assertEqual(crftag.train(X, y, bias="0.5", max_iterations=3).bias_candidates, [])
        # the document memory: the same choice as the program's, stored in the file
        kept = re.findall(r"^crftag: document memory: held-out F1 [0-9.]+ without, [0-9.]+ with "
                          r"10 sentences, [0-9.]+ with abbreviations too: (kept|none)", err, re.M)
        self.assertEqual(len(kept), 1)
        self.assertEqual(m.memory, 10 if kept[0] == "kept" else 0)
        self.assertEqual(prog.memory, m.memory)
        self.assertEqual(crftag.Model(data=m.to_bytes()).memory, m.memory)
        self.assertEqual(m.memory_abbreviations, "kept, with abbreviations" in err)
        # given by hand, as crftag train --memory N [--abbreviations]
        for mem, ab in ((3, True), (7, False), (0, False)):
            h = crftag.train(X, y, bias="0", max_iterations=3, memory=mem, abbreviations=ab)
            back = crftag.Model(data=h.to_bytes())
            self.assertEqual((back.memory, back.memory_abbreviations), (mem, ab))
        for bad in (dict(memory=1001), dict(memory=-1), dict(abbreviations=True),
                    dict(memory=0, abbreviations=True)):
            with self.assertRaises(ValueError):
                crftag.train(X, y, bias="0", max_iterations=3, **bad)


if __name__ == "__main__":
    unittest.main(verbosity=2)
