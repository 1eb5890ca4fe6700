"""test_sklearn.py - training from Python and crftag.sklearn.CRF.

Run from the repository root with Debian's python3 and python3-sklearn:
    CRFTAG_LIB=build/libcrftag.so.1 CRFTAG_BIN=build/crftag /usr/bin/python3 python/test_sklearn.py
Data: tests/data/corpus_conll_30.txt.gz (30 CoNLL-2000 sentences) with
sklearn-crfsuite's tutorial features (python/examples/conll2000_tutorial.py),
and tests/data/crfsuite_conll_30.txt (the same sentences as CRFsuite
attributes), whose model the crftag program trains too; the first 200
sentences of corpora/wikiser-train.txt.gz, on which the defaults of
crftag.train() and of `crftag train` train the same model.
"""
import gzip
import os
import pickle
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "examples"))
import crftag  # noqa: E402
from crftag.sklearn import CRF  # noqa: E402
from conll2000_tutorial import chunk_f1, read_conll, sent2features, sent2labels  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402

BIN = os.environ.get("CRFTAG_BIN", "build/crftag")
CONLL30 = "tests/data/corpus_conll_30.txt.gz"
CS30 = "tests/data/crfsuite_conll_30.txt"
WIKISER_TRAIN = "corpora/wikiser-train.txt.gz"


def wikiser_sentences(path, k):
    """The first k sentences of a WikiSER file (<s> ... </s> blocks of
    token<TAB>label lines, gzip) as token lists and label lists."""
    X, y = [], []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line == "<s>":
                xs, ys = [], []
            elif line == "</s>":
                X.append(xs)
                y.append(ys)
                if len(X) == k:
                    break
            elif line:
                tok, lab = line.rsplit("\t", 1)
                xs.append(tok)
                ys.append(lab)
    return X, y


def write_wikiser(path, X, y):
    with open(path, "w", encoding="utf-8") as f:
        for xs, ys in zip(X, y):
            f.write("<s>\n" + "".join("%s\t%s\n" % t for t in zip(xs, ys)) + "</s>\n")


def info_text(path):
    """`crftag info` of a model file without what differs between two runs
    of the same training: the file name and the training time."""
    out = subprocess.run([BIN, "info", path], check=True,
                         stdout=subprocess.PIPE).stdout.decode()
    out = "\n".join(line for line in out.splitlines() if not line.startswith("model:"))
    return re.sub(r"iterations, [0-9.]+ s,", "iterations, (time),", out)


def crfsuite_items(path):
    """The sentences of a CRFsuite file as lists of (name, weight) items,
    and their labels (unescaped by hand: "\\:" and "\\\\")."""
    X, y, xs, ys = [], [], [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                if xs:
                    X.append(xs)
                    y.append(ys)
                xs, ys = [], []
                continue
            fields = line.split("\t")
            ys.append(fields[0])
            item = []
            for a in fields[1:]:
                name, w, i = "", 1.0, 0
                while i < len(a):
                    if a[i] == "\\" and i + 1 < len(a) and a[i + 1] in "\\:":
                        name += a[i + 1]
                        i += 2
                    elif a[i] == ":":
                        w = float(a[i + 1:])
                        break
                    else:
                        name += a[i]
                        i += 1
                item.append((name, w))
            xs.append(item)
    if xs:
        X.append(xs)
        y.append(ys)
    return X, y


class TestTraining(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        sents = read_conll(CONLL30)
        cls.X = [sent2features(s) for s in sents]
        cls.y = [sent2labels(s) for s in sents]

    def test_attributes_as_python_crfsuite(self):
        item = {"w": "Docker", "len": 0.6, "title": True, "digit": False,
                "p": {"a": "b", "n": 2}, "l": ["x", "y"]}
        self.assertEqual(sorted(crftag.attributes(item)),
                         sorted([("w=Docker", 1.0), ("len", 0.6), ("title", 1.0),
                                 ("digit", 0.0), ("p:a=b", 1.0), ("p:n", 2.0),
                                 ("l:x", 1.0), ("l:y", 1.0)]))
        self.assertEqual(list(crftag.attributes(["a", ("b", 0.5)])), [("a", 1.0), ("b", 0.5)])
        with self.assertRaises(TypeError):
            list(crftag.attributes(3))

    def test_crfsuite_model_file(self):
        """A model CRFsuite trained (tests/data/crfsuite_model_conll.crfsuite.gz)
        tags the last 10 sentences of the CRFsuite file as CRFsuite did."""
        X, _ = crfsuite_items(CS30)
        with open("tests/data/crfsuite_model_conll.expected") as f:
            want = [s.split("\n") for s in f.read().strip("\n").split("\n\n")]
        with gzip.open("tests/data/crfsuite_model_conll.crfsuite.gz") as f:
            m = crftag.Model(data=f.read())
        self.assertEqual(m.info["file_format"], "crfsuite")
        self.assertEqual([m.tag(x) for x in X[20:]], want)
        names = m.attribute_names()
        self.assertEqual(len(names), m.info["num_attributes"])
        self.assertIn("suf:3=nce", names)      # "suf\\:3=nce" in the file: unescaped
        # sklearn-crfsuite's model_filename: an unfitted estimator uses the file
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "old.crfsuite")
            with gzip.open("tests/data/crfsuite_model_conll.crfsuite.gz") as f, \
                    open(path, "wb") as g:
                g.write(f.read())
            crf = CRF(model_filename=path)
            self.assertEqual(crf.predict(X[20:]), want)
            self.assertEqual(sorted(crf.classes_), sorted(m.labels))
            sf = crf.state_features_
            for label, w in m.attr_weights("suf:3=nce").items():
                self.assertEqual(sf[("suf:3=nce", label)], w)
            # fit() saves there, in crftag's format, and a new estimator reads it back
            out = os.path.join(d, "new.crftag")
            fitted = CRF(c1=0.05, c2=0.1, model_filename=out).fit(X[:20], [
                list(s) for s in crfsuite_items(CS30)[1][:20]])
            self.assertEqual(CRF(model_filename=out).predict(X[20:]), fitted.predict(X[20:]))

    def test_same_model_as_the_program(self):
        """Python on the parsed CRFsuite file tags as the program trained on it."""
        X, y = crfsuite_items(CS30)
        self.assertEqual(len(X), 30)
        m = crftag.train(X, y, bias="0")
        self.assertEqual(m.features, "attributes")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "cs.crftag")
            subprocess.run([BIN, "train", "--quiet", "--bias", "0", "-o", path, CS30],
                           check=True)
            out = subprocess.run([BIN, "tag", "-m", path, CS30], check=True,
                                 stdout=subprocess.PIPE).stdout.decode()
            m2 = crftag.Model(path)
        want = [s.split("\n") for s in out.strip("\n").split("\n\n")]
        self.assertEqual([m.tag(x) for x in X], want)
        self.assertEqual([m2.tag(x) for x in X], want)
        for a, b in zip(m.marginals(X[0])[0], m2.marginals(X[0])[0]):
            self.assertAlmostEqual(a, b, places=12)

    def test_tutorial_features_reach_f1(self):
        crf = CRF(c1=0.1, c2=0.1, max_iterations=100, all_possible_transitions=True)
        crf.fit(self.X[:20], self.y[:20])
        pred = crf.predict(self.X[20:])
        f1 = chunk_f1(self.y[20:], pred)
        # 20 training sentences: chunk F1 80.14, token accuracy 0.872 on the other 10
        self.assertGreater(f1, 78.0)
        self.assertGreater(crf.score(self.X[20:], self.y[20:]), 0.85)
        self.assertEqual(sorted(crf.classes_), sorted({t for s in self.y[:20] for t in s}))

    def test_marginals_and_weights(self):
        crf = CRF(c2=0.5).fit(self.X, self.y)
        marg = crf.predict_marginals(self.X[:2])
        self.assertEqual(len(marg[0]), len(self.X[0]))
        for row in marg[0]:
            self.assertEqual(set(row), set(crf.classes_))
            self.assertAlmostEqual(sum(row.values()), 1.0, places=9)
        best = [max(r, key=r.get) for r in marg[0]]
        agree = sum(a == b for a, b in zip(best, crf.predict_single(self.X[0])))
        self.assertGreaterEqual(agree, len(best) - 2)
        sf = crf.state_features_
        self.assertIn(("postag=DT", "B-NP"), sf)
        self.assertGreater(sf[("postag=DT", "B-NP")], 0)
        self.assertTrue(all(a in crf.attributes_ for a, _ in sf))
        tf = crf.transition_features_
        self.assertEqual(len(tf), len(crf.classes_) ** 2)
        self.assertGreater(tf[("B-NP", "I-NP")], tf[("O", "I-NP")])

    def test_pickle(self):
        crf = CRF(c2=0.5).fit(self.X[:20], self.y[:20])
        data = pickle.dumps(crf)
        self.assertIn(b"CRFTAG", data)                # the model's bytes travel inside
        crf2 = pickle.loads(data)
        self.assertEqual(crf2.predict(self.X[20:]), crf.predict(self.X[20:]))
        self.assertEqual(crf2.get_params(), crf.get_params())

    def test_cross_val_and_grid_search(self):
        scores = cross_val_score(CRF(max_iterations=30), self.X, self.y, cv=3)
        self.assertEqual(len(scores), 3)
        self.assertTrue(all(0.5 < s <= 1.0 for s in scores))
        gs = GridSearchCV(CRF(max_iterations=30), {"c1": [0.0, 0.1], "c2": [0.01, 1.0]}, cv=2)
        gs.fit(self.X, self.y)
        self.assertIn(gs.best_params_["c1"], (0.0, 0.1))
        self.assertEqual(len(gs.cv_results_["params"]), 4)
        self.assertGreater(gs.best_score_, 0.5)

    def test_token_training_uses_the_shipped_clusters(self):
        """Sentences of tokens get the word clusters `crftag train` uses by
        default, so Python and the program train the same model."""
        words = [[t[0] for t in s] for s in read_conll(CONLL30)]
        m = crftag.train(words, self.y, bias="0", max_iterations=20)
        self.assertEqual(m.info["num_clusters"], 256)
        self.assertGreater(m.info["num_cluster_words"], 10000)
        self.assertEqual(m.info["iterations"], 20)
        none = crftag.train(words, self.y, bias="0", max_iterations=20, clusters=None)
        self.assertEqual(none.info["num_clusters"], 0)
        with tempfile.TemporaryDirectory() as d:
            data, path = os.path.join(d, "w.txt"), os.path.join(d, "w.crftag")
            with open(data, "w", encoding="utf-8") as f:
                for ws, ls in zip(words, self.y):
                    f.write("".join("%s\t%s\n" % wl for wl in zip(ws, ls)) + "\n")
            subprocess.run([BIN, "train", "--quiet", "--bias", "0", "--max-iter", "20",
                            "-o", path, data], check=True)
            prog = crftag.Model(path)
        self.assertEqual(prog.info["num_clusters"], 256)
        self.assertEqual([m.tag(w) for w in words], [prog.tag(w) for w in words])
        self.assertAlmostEqual(m.info["final_objective"], prog.info["final_objective"],
                               places=6)
        with self.assertRaises(crftag.CrftagError):
            crftag.train(words, self.y, clusters="/nonexistent/clusters.txt")

    def test_train_defaults_are_the_programs(self):
        """crftag.train() with no option and `crftag train` with none train
        the same model: the same label bias (chosen by "auto"), clusters,
        lexicon folds, c1, c2, min_freq and stopping rule (to convergence)."""
        X, y = wikiser_sentences(WIKISER_TRAIN, 300)
        self.assertEqual(len(X), 300)
        train, test = (X[:250], y[:250]), X[250:]
        m = crftag.train(*train)
        with tempfile.TemporaryDirectory() as d:
            data, path = os.path.join(d, "w.txt"), os.path.join(d, "w.crftag")
            write_wikiser(data, *train)
            subprocess.run([BIN, "train", "--quiet", "-o", path, data], check=True)
            prog = crftag.Model(path)
            want = info_text(path)
            m.save(path)
            got = info_text(path)
        # the program's defaults chose a bias on these sentences: the
        # comparison covers it (a training with bias "0" stores none)
        self.assertTrue(prog.bias)
        self.assertRegex(want, r"\n  B-Application +[0-9]+  bias \+")
        self.assertIn("converged", prog.info["stop_reason"])
        self.assertEqual(m.bias, prog.bias)
        self.assertEqual(got, want)
        info, pinfo = m.info, prog.info
        self.assertAlmostEqual(info.pop("final_objective"), pinfo.pop("final_objective"),
                               places=6)
        self.assertEqual(info, pinfo)
        self.assertEqual([m.tag(x) for x in test], [prog.tag(x) for x in test])
        # what these assertions tell apart: no bias, or the lexicon of each
        # sentence's own entities, give another model
        zero = crftag.train(*train, bias="0")
        self.assertEqual(zero.bias, {})
        self.assertNotEqual(zero.info["iterations"], m.info["iterations"])
        own = crftag.train(*train, bias="0", lexicon_folds=0, max_iterations=5)
        folds = crftag.train(*train, bias="0", max_iterations=5)
        self.assertNotEqual(own.info["final_objective"], folds.info["final_objective"])

    def test_template_defaults_are_the_programs(self):
        """With a CRF++ template crftag.train() with no option trains the
        elastic net `crftag train -t` trains by default (c1 0.1, c2 0.05,
        delta 1e-3), the same model; a given c1 wins."""
        X, y = wikiser_sentences(WIKISER_TRAIN, 150)
        tpl = "U00:%x[-1,0]\nU01:%x[0,0]\nU02:%x[1,0]\n\nB\n"
        m = crftag.train(X, y, template=tpl, bias="0")
        with tempfile.TemporaryDirectory() as d:
            data, path = os.path.join(d, "w.txt"), os.path.join(d, "w.crftag")
            tfile = os.path.join(d, "w.tpl")
            write_wikiser(data, X, y)
            with open(tfile, "w") as f:
                f.write(tpl)
            subprocess.run([BIN, "train", "--quiet", "--bias", "0", "-t", tfile, "-o", path,
                            data], check=True)
            want = info_text(path)
            m.save(path)
            got = info_text(path)
        self.assertIn("c1 0.1, c2 0.05", want)
        self.assertEqual(got, want)
        l2 = crftag.train(X, y, template=tpl, bias="0", c1=0, max_iterations=5)
        self.assertEqual((l2.info["c1"], l2.info["c2"]), (0.0, 0.05))

    def test_estimator_fits_crfsuites_objective(self):
        """crftag.sklearn.CRF() stores no label bias by default (CRFsuite's
        objective, as sklearn-crfsuite fits it; its docstring says why), and
        its other defaults are the program's: the model of `crftag train
        --bias 0`."""
        X, y = wikiser_sentences(WIKISER_TRAIN, 250)    # "auto" chooses a bias here
        crf = CRF().fit(X, y)
        self.assertEqual(crf.model_.bias, {})
        with tempfile.TemporaryDirectory() as d:
            data, path = os.path.join(d, "w.txt"), os.path.join(d, "w.crftag")
            write_wikiser(data, X, y)
            subprocess.run([BIN, "train", "--quiet", "--bias", "0", "-o", path, data],
                           check=True)
            want = info_text(path)
            crf.model_.save(path)
            self.assertEqual(info_text(path), want)
        self.assertTrue(CRF(bias="auto").fit(X, y).model_.bias)

    def test_tokens_and_errors(self):
        words = [[t[0] for t in s] for s in read_conll(CONLL30)]
        crf = CRF(max_iterations=20).fit(words, self.y)     # built-in features
        self.assertEqual(crf.model_.features, "builtin")
        self.assertEqual(len(crf.predict(words[:1])[0]), len(words[0]))
        with self.assertRaises(ValueError):
            CRF(algorithm="l2sgd").fit(self.X, self.y)
        with self.assertRaises(ValueError):
            CRF(all_possible_transitions=False).fit(self.X, self.y)
        with self.assertRaises(ValueError):
            crftag.train(self.X[:2], self.y[:1])
        with self.assertRaises(crftag.CrftagError):
            crftag.train([[{"a": "b"}]], [[""]])           # an empty label
        with self.assertRaises(AttributeError):
            CRF().predict(self.X)


if __name__ == "__main__":
    unittest.main()
