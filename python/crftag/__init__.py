"""crftag - Python bindings of libcrftag through ctypes (standard library only).

    import crftag
    m = crftag.Model("models/wikiser.crftag")
    m.tag(["QEMU", "uses", "SPICE", "."])      # ['B-Application', 'O', 'B-Protocol', 'O']
    m.tag_text("Install Docker on Ubuntu.")   # [Span(start=8, end=14, label='Language', ...)]
    m.marginals(["QEMU", "uses"])            # [[P(label) for label in m.labels], ...]
    m.tag_prob(["QEMU", "uses"])             # (['B-Application', 'O'], P(labelling))
    m.entities(["QEMU", "uses", "SPICE"])    # [(0, 1, 'Application', P(entity)), ...]
    m.nbest(["QEMU", "uses"], 3)             # [(P, ['B-Application', 'O']), ...]

Training (crftag.train) takes sentences of tokens (the built-in features)
or of attributes, as python-crfsuite and sklearn-crfsuite do:

    m = crftag.train([[{"w": "QEMU", "len": 0.4}, {"w": "uses"}]], [["B-App", "O"]])
    m.tag([{"w": "QEMU", "len": 0.4}, {"w": "uses"}])
    m.to_bytes()                              # the model file's bytes (Model(data=...))

crftag.sklearn.CRF is an estimator with sklearn-crfsuite's interface.

The shared library is found through $CRFTAG_LIB (a path), else the copy
installed inside this package (pip install), else
ctypes.util.find_library("crftag"), else ../../build/libcrftag.so.1 beside
this file.  A Model may be used from many threads: each thread gets its own
tagger (the C calls release the GIL).  Span offsets are character offsets
into the Python string (text[span.start:span.end] == span.text); the byte
offsets into its UTF-8 encoding are in byte_start / byte_end.
"""
import ctypes
import ctypes.util
import os
import threading
import warnings
from collections import namedtuple

__all__ = ["Model", "Span", "CrftagError", "version", "train", "attributes"]

Span = namedtuple("Span", "start end label text byte_start byte_end")


class CrftagError(Exception):
    """A failed libcrftag call: status is the enum crftag_status value."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class _Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("file", ctypes.c_char * 256),
                ("line", ctypes.c_long), ("msg", ctypes.c_char * 256)]


class _Token(ctypes.Structure):
    _fields_ = [("start", ctypes.c_size_t), ("end", ctypes.c_size_t),
                ("sentence_start", ctypes.c_int)]


class _Span(ctypes.Structure):
    _fields_ = [("start", ctypes.c_size_t), ("end", ctypes.c_size_t),
                ("token_begin", ctypes.c_size_t), ("token_end", ctypes.c_size_t),
                ("type", ctypes.c_void_p), ("type_len", ctypes.c_size_t)]


class _TrainParams(ctypes.Structure):
    """struct crftag_train_params, as include/crftag.h declares it."""
    _fields_ = [("c1", ctypes.c_double), ("c2", ctypes.c_double),
                ("max_iter", ctypes.c_int), ("delta", ctypes.c_double),
                ("period", ctypes.c_int), ("epsilon", ctypes.c_double),
                ("threads", ctypes.c_int), ("min_freq", ctypes.c_uint32),
                ("template_text", ctypes.c_char_p), ("template_name", ctypes.c_char_p),
                ("hash_seed", ctypes.c_uint64), ("bio_constraint", ctypes.c_int),
                ("dev", ctypes.c_void_p), ("progress", ctypes.c_void_p),
                ("user", ctypes.c_void_p), ("lexicon", ctypes.c_int),
                ("lexicon_folds", ctypes.c_int), ("dev_patience", ctypes.c_int),
                ("bias", ctypes.c_char_p), ("clusters", ctypes.c_char_p),
                ("lexicon_files", ctypes.c_void_p), ("num_lexicon_files", ctypes.c_size_t),
                ("all_labels", ctypes.c_uint32), ("stop", ctypes.c_void_p),
                ("init", ctypes.c_void_p), ("keep_names", ctypes.c_int),
                ("comm", ctypes.c_void_p), ("memory", ctypes.c_int),
                ("memory_flags", ctypes.c_uint)]


class _ModelInfo(ctypes.Structure):
    """The first fields of struct crftag_model_info (the library fills only
    the size given)."""
    _fields_ = [("format_version", ctypes.c_uint32), ("num_labels", ctypes.c_size_t),
                ("num_columns", ctypes.c_size_t), ("features", ctypes.c_char_p),
                ("builtin_version", ctypes.c_uint32), ("template_text", ctypes.c_char_p),
                ("hash_seed", ctypes.c_uint64), ("num_attributes", ctypes.c_size_t),
                ("num_features", ctypes.c_size_t), ("num_nonzero", ctypes.c_size_t),
                ("bio_constrained", ctypes.c_int), ("c1", ctypes.c_double),
                ("c2", ctypes.c_double), ("iterations", ctypes.c_uint32),
                ("min_freq", ctypes.c_uint32), ("train_seconds", ctypes.c_double),
                ("final_objective", ctypes.c_double), ("train_sentences", ctypes.c_size_t),
                ("train_tokens", ctypes.c_size_t), ("stop_reason", ctypes.c_char_p),
                ("num_cluster_words", ctypes.c_size_t), ("num_clusters", ctypes.c_size_t),
                ("num_user_lexicon_entries", ctypes.c_size_t),
                ("num_user_lexicon_types", ctypes.c_size_t), ("plain_tags", ctypes.c_int),
                ("num_lexicon_entries", ctypes.c_size_t), ("num_lexicon_types", ctypes.c_size_t),
                ("file_format", ctypes.c_char_p), ("hash_version", ctypes.c_uint32)]


class _BiasCandidate(ctypes.Structure):
    # struct crftag_bias_candidate (its layout never changes)
    _fields_ = [("bias", ctypes.c_double), ("precision", ctypes.c_double),
                ("recall", ctypes.c_double), ("f1", ctypes.c_double),
                ("correct_chunks", ctypes.c_uint64), ("pred_chunks", ctypes.c_uint64),
                ("gold_chunks", ctypes.c_uint64), ("chosen", ctypes.c_int)]


class _Chunk(ctypes.Structure):
    _fields_ = [("begin", ctypes.c_size_t), ("end", ctypes.c_size_t),
                ("type", ctypes.c_void_p), ("type_len", ctypes.c_size_t)]


def _find_library():
    path = os.environ.get("CRFTAG_LIB")
    if path:
        return path
    here = os.path.dirname(os.path.abspath(__file__))
    bundled = os.path.join(here, "libcrftag.so.1")
    if os.path.exists(bundled):
        return bundled
    found = ctypes.util.find_library("crftag")
    if found:
        return found
    return os.path.join(here, "..", "..", "build", "libcrftag.so.1")


def _shipped_clusters():
    """The word clusters `crftag train` uses by default, or None."""
    env = os.environ.get("CRFTAG_CLUSTERS")
    if env is not None:
        return env or None
    here = os.path.dirname(os.path.abspath(__file__))
    for path in (os.path.join(here, "clusters-en.txt.gz"),
                 os.path.join(here, "..", "..", "models", "clusters-en.txt.gz")):
        if os.path.exists(path):
            return path
    return None


_lib = None


def _load():
    global _lib
    if _lib is not None:
        return _lib
    lib = ctypes.CDLL(_find_library())
    P, S, I = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int
    PP = ctypes.POINTER(ctypes.c_void_p)
    E = ctypes.POINTER(_Error)
    sig = {
        "crftag_version": (ctypes.c_char_p, []),
        "crftag_strerror": (ctypes.c_char_p, [I]),
        "crftag_model_load": (I, [ctypes.c_char_p, PP, E]),
        "crftag_model_load_mem": (I, [ctypes.c_char_p, S, PP, E]),
        "crftag_model_free": (None, [P]),
        "crftag_model_num_labels": (S, [P]),
        "crftag_model_label": (ctypes.c_char_p, [P, ctypes.c_uint32]),
        "crftag_tagger_new": (I, [P, PP]),
        "crftag_tagger_free": (None, [P]),
        "crftag_tagger_set_constrained": (None, [P, I]),
        "crftag_tagger_tag_tokens": (I, [P, ctypes.POINTER(ctypes.c_char_p),
                                         ctypes.POINTER(S), S,
                                         ctypes.POINTER(ctypes.c_uint32),
                                         ctypes.POINTER(ctypes.c_double),
                                         ctypes.POINTER(ctypes.c_double), E]),
        "crftag_tagger_tag_text": (I, [P, ctypes.c_char_p, S,
                                       ctypes.POINTER(ctypes.POINTER(_Span)),
                                       ctypes.POINTER(S), P, P, E]),
        "crftag_spans_free": (None, [P]),
        "crftag_corpus_new": (I, [PP]),
        "crftag_corpus_free": (None, [P]),
        "crftag_corpus_add_attrs": (I, [P, S, ctypes.POINTER(S),
                                        ctypes.POINTER(ctypes.c_char_p),
                                        ctypes.POINTER(ctypes.c_double),
                                        ctypes.POINTER(ctypes.c_char_p), E]),
        "crftag_corpus_add_sentence": (I, [P, ctypes.POINTER(ctypes.c_char_p), S, S, E]),
        "crftag_train_params_init_sz": (None, [ctypes.POINTER(_TrainParams), S]),
        "crftag_train_take_sz": (I, [P, ctypes.POINTER(_TrainParams), S, PP, E]),
        "crftag_model_label_bias": (ctypes.c_double, [P, ctypes.c_uint32]),
        "crftag_model_memory": (S, [P]),
        "crftag_model_memory_flags": (ctypes.c_uint, [P]),
        "crftag_memory_new": (I, [P, S, ctypes.c_uint, PP]),
        "crftag_memory_apply": (I, [P, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(S), S,
                                    ctypes.POINTER(ctypes.c_uint32), ctypes.POINTER(S)]),
        "crftag_memory_free": (None, [P]),
        "crftag_model_bias_candidates": (ctypes.POINTER(_BiasCandidate),
                                         [P, ctypes.POINTER(S)]),
        "crftag_model_save_mem": (I, [P, PP, ctypes.POINTER(S), E]),
        "crftag_model_get_info_sz": (None, [P, ctypes.POINTER(_ModelInfo), S]),
        "crftag_tagger_tag_attrs": (I, [P, S, ctypes.POINTER(S),
                                        ctypes.POINTER(ctypes.c_char_p),
                                        ctypes.POINTER(ctypes.c_double),
                                        ctypes.POINTER(ctypes.c_uint32),
                                        ctypes.POINTER(ctypes.c_double),
                                        ctypes.POINTER(ctypes.c_double), E]),
        "crftag_model_attr_weights": (I, [P, ctypes.c_char_p, S,
                                          ctypes.POINTER(ctypes.c_double)]),
        "crftag_model_transition": (ctypes.c_double, [P, ctypes.c_uint32, ctypes.c_uint32]),
        "crftag_model_has_names": (I, [P]),
        "crftag_model_attribute": (ctypes.c_char_p, [P, S, ctypes.POINTER(ctypes.c_uint64),
                                                     ctypes.POINTER(S)]),
        "crftag_tagger_tag_prob": (I, [P, ctypes.POINTER(ctypes.c_char_p), S, S,
                                       ctypes.POINTER(ctypes.c_uint32),
                                       ctypes.POINTER(ctypes.c_double),
                                       ctypes.POINTER(ctypes.c_double), E]),
        "crftag_tagger_entity_prob": (I, [P, ctypes.POINTER(ctypes.c_uint32), S, S,
                                          ctypes.POINTER(ctypes.c_double), E]),
        "crftag_tagger_nbest": (I, [P, ctypes.POINTER(ctypes.c_char_p), S, S, S,
                                    ctypes.POINTER(ctypes.c_uint32),
                                    ctypes.POINTER(ctypes.c_double),
                                    ctypes.POINTER(S), E]),
        "crftag_labels_plain": (I, [ctypes.POINTER(ctypes.c_char_p), S]),
        "crftag_chunks": (S, [ctypes.POINTER(ctypes.c_char_p), S, ctypes.POINTER(_Chunk)]),
        "crftag_chunks_plain": (S, [ctypes.POINTER(ctypes.c_char_p), S,
                                    ctypes.POINTER(_Chunk)]),
    }
    for name, (res, args) in sig.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    _lib = lib
    return lib


def version():
    """The library version, e.g. "0.2.0"."""
    return _load().crftag_version().decode()


def _raise(status, err):
    lib = _load()
    msg = err.msg.decode("utf-8", "replace") if err is not None else ""
    where = err.file.decode("utf-8", "replace") if err is not None else ""
    if where:
        msg = "%s:%d: %s" % (where, err.line, msg) if err.line else "%s: %s" % (where, msg)
    what = lib.crftag_strerror(status).decode()
    raise CrftagError(status, "%s: %s" % (what, msg) if msg else what)


class _Tagger:
    """One C tagger (one per thread and model); freed with its Python object.
    It holds no reference to the Model (no cycle): crftag_tagger_free does not
    touch the model, so the two may be freed in either order."""

    def __init__(self, model):
        self.ptr = ctypes.c_void_p()
        st = _load().crftag_tagger_new(model._ptr, ctypes.byref(self.ptr))
        if st != 0:
            _raise(st, None)

    def __del__(self):
        if _lib is not None and self.ptr:
            _lib.crftag_tagger_free(self.ptr)
            self.ptr = ctypes.c_void_p()


class Model:
    """A crftag model, loaded from a file path or (data=) from bytes.

    tag(tokens) -> list of label names; marginals(tokens) -> per-token
    probabilities of every label (in the order of .labels); tag_prob,
    entities, nbest -> probabilities of the labelling, of each entity, the
    n most probable labellings; tag_text(text) -> list of Span.  constrained=False turns off the BIO restriction of decoding.
    """

    def __init__(self, path=None, data=None, constrained=True):
        lib = _load()
        self._ptr = ctypes.c_void_p()
        err = _Error()
        if (path is None) == (data is None):
            raise ValueError("give exactly one of path and data")
        if path is not None:
            st = lib.crftag_model_load(os.fsencode(path), ctypes.byref(self._ptr),
                                       ctypes.byref(err))
        else:
            data = bytes(data)
            st = lib.crftag_model_load_mem(data, len(data), ctypes.byref(self._ptr),
                                           ctypes.byref(err))
        if st != 0:
            _raise(st, err)
        self._adopt(self._ptr, constrained)

    def _adopt(self, ptr, constrained):
        """Takes the C model ptr (owned from then on)."""
        lib = _load()
        self._ptr = ptr
        self._constrained = 1 if constrained else 0
        n = lib.crftag_model_num_labels(self._ptr)
        self.labels = [lib.crftag_model_label(self._ptr, i).decode() for i in range(n)]
        self._blabels = (ctypes.c_char_p * max(n, 1))(*[x.encode() for x in self.labels])
        self._plain = lib.crftag_labels_plain(self._blabels, n) == 1
        self._local = threading.local()
        self._attr_model = self.features == "attributes"

    def __del__(self):
        if _lib is not None and getattr(self, "_ptr", None):
            _lib.crftag_model_free(self._ptr)
            self._ptr = ctypes.c_void_p()

    def _tagger(self):
        t = getattr(self._local, "tagger", None)
        if t is None:
            t = _Tagger(self)
            _lib.crftag_tagger_set_constrained(t.ptr, self._constrained)
            self._local.tagger = t
        return t

    def _run(self, tokens, want_marginals):
        if self._attr_model:
            return self._run_attrs(tokens, want_marginals)
        enc = [t.encode("utf-8") if isinstance(t, str) else bytes(t) for t in tokens]
        n = len(enc)
        L = len(self.labels)
        toks = (ctypes.c_char_p * max(n, 1))(*enc)
        lens = (ctypes.c_size_t * max(n, 1))(*[len(b) for b in enc])
        ids = (ctypes.c_uint32 * max(n, 1))()
        marg = (ctypes.c_double * max(n * L, 1))() if want_marginals else None
        err = _Error()
        st = _lib.crftag_tagger_tag_tokens(self._tagger().ptr, toks, lens, n, ids, None,
                                           marg, ctypes.byref(err))
        if st != 0:
            _raise(st, err)
        return ids, marg, n, L

    @staticmethod
    def _cols(tokens):
        enc = [t.encode("utf-8") if isinstance(t, str) else bytes(t) for t in tokens]
        return (ctypes.c_char_p * max(len(enc), 1))(*enc), len(enc)

    def _tag_prob(self, tokens, want_marginals):
        cols, n = self._cols(tokens)
        L = len(self.labels)
        ids = (ctypes.c_uint32 * max(n, 1))()
        prob = ctypes.c_double()
        marg = (ctypes.c_double * max(n * L, 1))() if want_marginals else None
        err = _Error()
        t = self._tagger()
        st = _lib.crftag_tagger_tag_prob(t.ptr, cols, n, 1, ids, ctypes.byref(prob), marg,
                                         ctypes.byref(err))
        if st != 0:
            _raise(st, err)
        return t, ids, n, prob.value, marg

    def tag_prob(self, tokens):
        """(labels, P(labels | sentence)): the labelling tag() returns and its
        probability (under the BIO constraint and the label bias, as
        decoding)."""
        _, ids, n, prob, _ = self._tag_prob(tokens, False)
        return [self.labels[ids[i]] for i in range(n)], prob

    def entities(self, tokens):
        """The entities of the labelling tag() returns, as (begin, end, type,
        probability) with tokens [begin, end); the probability that these
        tokens carry exactly these labels and the entity ends there
        (crftag_tagger_entity_prob)."""
        t, ids, n, _, _ = self._tag_prob(tokens, False)
        if n == 0:
            return []
        names = (ctypes.c_char_p * n)(*[self._blabels[ids[i]] for i in range(n)])
        chunks = (_Chunk * n)()
        nc = (_lib.crftag_chunks_plain if self._plain else _lib.crftag_chunks)(names, n, chunks)
        out = []
        p = ctypes.c_double()
        err = _Error()
        for k in range(nc):
            c = chunks[k]
            st = _lib.crftag_tagger_entity_prob(t.ptr, ids, c.begin, c.end, ctypes.byref(p),
                                                ctypes.byref(err))
            if st != 0:
                _raise(st, err)
            out.append((c.begin, c.end, ctypes.string_at(c.type, c.type_len).decode(), p.value))
        return out

    def nbest(self, tokens, k):
        """The k most probable labellings, most probable first, as a list of
        (probability, labels); fewer when the sentence has fewer."""
        cols, n = self._cols(tokens)
        ids = (ctypes.c_uint32 * max(k * n, 1))()
        probs = (ctypes.c_double * max(k, 1))()
        got = ctypes.c_size_t()
        err = _Error()
        st = _lib.crftag_tagger_nbest(self._tagger().ptr, cols, n, 1, k, ids, probs,
                                      ctypes.byref(got), ctypes.byref(err))
        if st != 0:
            _raise(st, err)
        return [(probs[r], [self.labels[ids[r * n + i]] for i in range(n)])
                for r in range(got.value)]

    def tag_sentences(self, sentences, memory=None):
        """Labels of each sentence of a text given as a list of sentences
        (each a list of token strings), tagged in order with the model's
        document memory (see memory): the labels `crftag tag -T` and
        `crftag eval` give the same sentences in a file.  memory=N uses a
        window of N sentences instead (0: none, each sentence on its own, as
        tag()).  For a model of attribute strings, tag() of each."""
        if self._attr_model:
            return [self.tag(s) for s in sentences]
        window = self.memory if memory is None else int(memory)
        if window < 0 or window > 1000:
            raise ValueError("memory: 0..1000 sentences, got %d" % window)
        mem = ctypes.c_void_p()
        if window > 0:
            st = _lib.crftag_memory_new(self._ptr, window,
                                        _lib.crftag_model_memory_flags(self._ptr),
                                        ctypes.byref(mem))
            if st != 0:
                _raise(st, _Error())
        try:
            out = []
            for tokens in sentences:
                enc = [t.encode("utf-8") if isinstance(t, str) else bytes(t) for t in tokens]
                n = len(enc)
                toks = (ctypes.c_char_p * max(n, 1))(*enc)
                lens = (ctypes.c_size_t * max(n, 1))(*[len(b) for b in enc])
                ids = (ctypes.c_uint32 * max(n, 1))()
                err = _Error()
                st = _lib.crftag_tagger_tag_tokens(self._tagger().ptr, toks, lens, n, ids,
                                                   None, None, ctypes.byref(err))
                if st != 0:
                    _raise(st, err)
                if mem:
                    st = _lib.crftag_memory_apply(mem, toks, lens, n, ids, None)
                    if st != 0:
                        _raise(st, _Error())
                out.append([self.labels[ids[i]] for i in range(n)])
            return out
        finally:
            if mem:
                _lib.crftag_memory_free(mem)

    def tag(self, tokens):
        """Labels of a sentence given as a list of token strings (or bytes),
        or, for a model of attribute strings, a list of items."""
        ids, _, n, _ = self._run(tokens, False)
        return [self.labels[ids[i]] for i in range(n)]

    def marginals(self, tokens):
        """P(label | sentence) per token: a list of n rows of len(labels)
        floats (rows sum to 1), over the labellings the tagger outputs: a
        label the BIO constraint forbids at a token has 0."""
        _, marg, n, L = self._run(tokens, True)
        return [list(marg[i * L:(i + 1) * L]) for i in range(n)]

    def tag_text(self, text):
        """Entities of raw text (tokenized and split into sentences by
        crftag: a line break is a space, a blank line ends a sentence, as in
        `crftag tag`) as Spans with character offsets into text: start and
        end are the "start_char" and "end_char" of `crftag tag`'s JSON,
        byte_start and byte_end its "start_byte" and "end_byte"."""
        data = text.encode("utf-8")
        spans = ctypes.POINTER(_Span)()
        ns = ctypes.c_size_t()
        err = _Error()
        st = _lib.crftag_tagger_tag_text(self._tagger().ptr, data, len(data),
                                         ctypes.byref(spans), ctypes.byref(ns), None, None,
                                         ctypes.byref(err))
        if st != 0:
            _raise(st, err)
        out = []
        try:
            pos_b, pos_c = 0, 0     # byte -> character offsets, spans come in order
            for k in range(ns.value):
                s = spans[k]
                label = ctypes.string_at(s.type, s.type_len).decode()
                pos_c += len(data[pos_b:s.start].decode("utf-8", "replace"))
                start_c = pos_c
                piece = data[s.start:s.end].decode("utf-8", "replace")
                pos_c += len(piece)
                pos_b = s.end
                out.append(Span(start_c, pos_c, label, piece, s.start, s.end))
        finally:
            _lib.crftag_spans_free(spans)
        return out

    # ---- attribute strings, training, serialization ------------------------

    @property
    def features(self):
        """"builtin", "template" or "attributes" (a model trained on
        attribute strings: its sentences are lists of items, see
        attributes())."""
        return self.info["features"]

    @property
    def info(self):
        """What `crftag info` says of the model, as a dict: format_version,
        features, builtin_version (0 unless built-in features), num_labels,
        num_attributes, num_features, bio_constrained, c1, c2, min_freq,
        iterations, final_objective, stop_reason, train_sentences,
        train_tokens, num_clusters and num_cluster_words (0 without word
        clusters), num_lexicon_entries and num_lexicon_types (the lexicon
        learned from the training labels; 0 without), file_format ("crftag",
        or "crfsuite" for a model file CRFsuite wrote), hash_version (how
        the attributes are hashed: 2 for models trained now, 1 for older
        ones) and bias (as the bias property)."""
        i = _ModelInfo()
        _lib.crftag_model_get_info_sz(self._ptr, ctypes.byref(i), ctypes.sizeof(i))
        out = {k: getattr(i, k) for k in (
            "format_version", "builtin_version", "num_labels", "num_attributes",
            "num_features", "c1", "c2", "min_freq", "iterations", "final_objective",
            "train_sentences", "train_tokens", "num_clusters", "num_cluster_words",
            "num_lexicon_entries", "num_lexicon_types", "hash_version")}
        out["bio_constrained"] = bool(i.bio_constrained)
        out["features"] = i.features.decode()
        out["stop_reason"] = i.stop_reason.decode() if i.stop_reason else ""
        out["file_format"] = i.file_format.decode() if i.file_format else "crftag"
        out["bias"] = self.bias
        return out

    @property
    def bias(self):
        """{label: bias} of the labels the model stores a label bias for
        (train's bias; "auto" stores the one it chose); empty when none.
        Decoding adds it to the label's score."""
        out = {}
        for y, name in enumerate(self.labels):
            b = _lib.crftag_model_label_bias(self._ptr, y)
            if b != 0.0:
                out[name] = b
        return out

    @property
    def memory(self):
        """The document memory the model was trained to use, in sentences
        (0: none): tag_text lets an entity found in one of the last that many
        sentences of its text label the later mentions left O
        (crftag_model_memory; docs/GUIDE.md, "The document memory"), and
        tag_sentences() over its list.  tag() and the other per-sentence calls
        tag each sentence on its own."""
        return int(_lib.crftag_model_memory(self._ptr))

    @property
    def memory_abbreviations(self):
        """True when the model's memory also reads the abbreviations a
        sentence defines: in "X ( A )" right after an entity X, a token A
        left O becomes an X of the same type and is remembered
        (crftag_model_memory_flags, CRFTAG_MEMORY_ABBREV)."""
        return bool(_lib.crftag_model_memory_flags(self._ptr) & 1)

    @property
    def bias_candidates(self):
        """How bias="auto" chose the label bias of the model train() just
        returned: one dict per candidate bias X (0, 0.25, .., 2, ascending)
        with the entity scores, in percent, of the first training's model
        decoding with X on the held-out 10 % of the sentences (precision,
        recall, f1), their counts (correct_chunks, pred_chunks, gold_chunks)
        and chosen (True for the bias the model stores: the smallest X whose
        f1 is within 0.5 of the best).  Empty when nothing was scored: a
        bias given, plain tags, fewer than 100 sentences, and every model
        read from a file or bytes (unpickled too), as model files do not
        store these figures (crftag_model_bias_candidates)."""
        n = ctypes.c_size_t()
        bc = _lib.crftag_model_bias_candidates(self._ptr, ctypes.byref(n))
        out = []
        for i in range(n.value):
            c = bc[i]
            out.append({"bias": c.bias, "precision": c.precision, "recall": c.recall,
                        "f1": c.f1, "correct_chunks": c.correct_chunks,
                        "pred_chunks": c.pred_chunks, "gold_chunks": c.gold_chunks,
                        "chosen": bool(c.chosen)})
        return out

    def _run_attrs(self, items, want_marginals):
        natt, names, weights = _encode_items(items)
        n = len(natt)
        L = len(self.labels)
        ids = (ctypes.c_uint32 * max(n, 1))()
        marg = (ctypes.c_double * max(n * L, 1))() if want_marginals else None
        err = _Error()
        st = _lib.crftag_tagger_tag_attrs(self._tagger().ptr, n, natt, names, weights, ids,
                                          None, marg, ctypes.byref(err))
        if st != 0:
            _raise(st, err)
        return ids, marg, n, L

    def to_bytes(self):
        """The model file's bytes (what save writes; Model(data=...) reads
        them back)."""
        buf = ctypes.c_void_p()
        n = ctypes.c_size_t()
        err = _Error()
        st = _lib.crftag_model_save_mem(self._ptr, ctypes.byref(buf), ctypes.byref(n),
                                        ctypes.byref(err))
        if st != 0:
            _raise(st, err)
        try:
            return ctypes.string_at(buf, n.value)
        finally:
            _libc_free(buf)

    def save(self, path):
        """Writes the model file (atomically: a temporary file renamed)."""
        data = self.to_bytes()
        tmp = "%s.tmp.%d" % (path, os.getpid())
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def __reduce__(self):
        return (_model_from_bytes, (self.to_bytes(), bool(self._constrained)))

    def attr_weights(self, name):
        """{label: weight} of an attribute string (models of attribute
        strings); empty when the model does not have it."""
        L = len(self.labels)
        out = (ctypes.c_double * L)()
        b = name.encode("utf-8")
        if not _lib.crftag_model_attr_weights(self._ptr, b, len(b), out):
            return {}
        return {self.labels[y]: out[y] for y in range(L) if out[y] != 0.0}

    def attribute_names(self):
        """The names of the model's attributes, in its order, when it keeps
        them (`crftag train --keep-names`, a model CRFsuite wrote); else
        None."""
        if not _lib.crftag_model_has_names(self._ptr):
            return None
        n = self.info["num_attributes"]
        return [_lib.crftag_model_attribute(self._ptr, a, None, None).decode("utf-8", "replace")
                for a in range(n)]

    def transition(self, a, b):
        """The weight of the transition from label a to label b."""
        return _lib.crftag_model_transition(self._ptr, self.labels.index(a),
                                            self.labels.index(b))


def _model_from_bytes(data, constrained=True):
    return Model(data=data, constrained=constrained)


def _libc_free(ptr):
    libc = ctypes.CDLL(None)
    libc.free.argtypes = [ctypes.c_void_p]
    libc.free(ptr)


def attributes(item, prefix=""):
    """The (name, weight) attribute strings of one item, as python-crfsuite
    reads them: {"k": "v"} -> ("k=v", 1.0); {"k": 0.5} -> ("k", 0.5);
    {"k": True} -> ("k", 1.0) (False: 0.0); {"p": {...}} and {"p": [...]}
    -> the nested names prefixed "p:"; ["a", "b"] -> ("a", 1.0), ("b", 1.0)."""
    if isinstance(item, dict):
        for k, v in item.items():
            key = prefix + str(k)
            if isinstance(v, str):
                yield key + "=" + v, 1.0
            elif isinstance(v, (dict, list, tuple, set, frozenset)):
                yield from attributes(v, key + ":")
            else:
                yield key, float(v)
    elif isinstance(item, (list, tuple, set, frozenset)):
        for v in item:
            if isinstance(v, str):
                yield prefix + v, 1.0
            elif isinstance(v, tuple) and len(v) == 2:
                yield prefix + str(v[0]), float(v[1])
            else:
                raise TypeError("attribute lists hold strings or (name, weight) pairs, "
                                "not %r" % (v,))
    else:
        raise TypeError("an item is a dict or a list of attributes, not %r" % (item,))


def _encode_items(items):
    """(natt[], names[], weights[]) ctypes arrays of a sentence of items."""
    natt, names, weights = [], [], []
    for item in items:
        k = 0
        for name, w in attributes(item):
            names.append(name.encode("utf-8"))
            weights.append(w)
            k += 1
        natt.append(k)
    return ((ctypes.c_size_t * max(len(natt), 1))(*natt),
            (ctypes.c_char_p * max(len(names), 1))(*names),
            (ctypes.c_double * max(len(weights), 1))(*weights))


def _is_tokens(X):
    for s in X:
        for t in s:
            return isinstance(t, (str, bytes))
    return False


def _corpus(X, y):
    """A C corpus of sentences X (token strings, or items of attributes)
    with labels y; returns its pointer (free with crftag_corpus_free)."""
    lib = _load()
    c = ctypes.c_void_p()
    st = lib.crftag_corpus_new(ctypes.byref(c))
    if st != 0:
        _raise(st, None)
    tokens = _is_tokens(X)
    err = _Error()
    try:
        if len(X) != len(y):
            raise ValueError("X has %d sentences, y %d" % (len(X), len(y)))
        for k, (xs, ys) in enumerate(zip(X, y)):
            if len(xs) != len(ys):
                raise ValueError("sentence %d: %d items, %d labels" % (k, len(xs), len(ys)))
            labels = [str(v).encode("utf-8") for v in ys]
            if tokens:
                cells = []
                for t, lab in zip(xs, labels):
                    cells += [t.encode("utf-8") if isinstance(t, str) else bytes(t), lab]
                arr = (ctypes.c_char_p * max(len(cells), 1))(*cells)
                st = lib.crftag_corpus_add_sentence(c, arr, len(xs), 2, ctypes.byref(err))
            else:
                natt, names, weights = _encode_items(xs)
                labs = (ctypes.c_char_p * max(len(labels), 1))(*labels)
                st = lib.crftag_corpus_add_attrs(c, len(xs), natt, names, weights, labs,
                                                 ctypes.byref(err))
            if st != 0:
                _raise(st, err)
    except BaseException:
        lib.crftag_corpus_free(c)
        raise
    return c


def train(X, y, c1=None, c2=None, max_iterations=1000, epsilon=1e-5, delta=None, period=10,
          min_freq=1, all_possible_states=None, bias="auto", threads=0, X_dev=None, y_dev=None,
          dev_patience=0, template=None, lexicon=True, constrained=True, clusters="default",
          lexicon_folds=None, memory="auto", abbreviations=False):
    """Trains a model on sentences X with labels y (lists of label strings).

    The defaults are those of `crftag train`.  A sentence of X is a list of
    token strings (crftag's built-in features, or a CRF++ template given as
    text) or a list of items, each a dict or a list of attributes (see
    attributes()).  c1, c2, max_iterations, epsilon, delta, period,
    min_freq and threads (0: all cores) are as in crftag train (and
    CRFsuite's L-BFGS); c1, c2 and delta left None take crftag train's
    default for the features: with a template the elastic net (0.1, 0.05,
    1e-3), otherwise L2 (0, 1, 1e-5); all_possible_states=True gives every attribute a
    weight for every label, False none, None (the default) as crftag train: every label
    for the attributes seen 10 times with a template and c1 > 0 when fewer than half the
    tokens are labelled O (chunks, part-of-speech tags); bias is the label bias stored in the model: "auto"
    (the default) chooses it with a first training on 90 % of the
    sentences, scored on the other 10 % (0 for plain tags or fewer than 100
    sentences; the returned Model's bias_candidates has the held-out
    scores of every candidate), "0" or None trains once with none
    (CRFsuite's objective), "X" or "TYPE=X,..." sets it.  X_dev / y_dev score each iteration and,
    with dev_patience > 0, stop early.  lexicon: the entity lexicon learned
    from the training labels (built-in features), matched in lexicon_folds
    held-out folds (0: each sentence sees its own entities; None, the
    default: 20, or 0 where bias="auto"'s held-out sentences score it higher
    by more than 0.5 F1, as `crftag train`).  clusters:
    word clusters for the built-in features (sentences of token strings,
    no template): "default" takes the shipped ones, as `crftag train` does
    ($CRFTAG_CLUSTERS, empty for none, else clusters-en.txt.gz inside this
    package or in the source tree's models/; none when neither is there), a
    path takes that file (`crftag clusters`' format), None trains without.
    memory: the document memory stored in the model (Model.memory), as
    `crftag train --memory`: "auto" (the default) lets bias="auto" choose
    none, 10 sentences, or 10 with the abbreviations on the held-out 10 %
    (none with another bias), N (0..1000) stores N sentences, 0 none;
    abbreviations=True with memory=N adds the abbreviations (`crftag train
    --abbreviations`).  The sentences are copied into the library, which frees its copy as soon
    as the training data are built (crftag_train_take).  Returns a Model."""
    lib = _load()
    p = _TrainParams()
    lib.crftag_train_params_init_sz(ctypes.byref(p), ctypes.sizeof(p))
    # None: leave crftag_train_params_init's CRFTAG_TRAIN_AUTO, resolved by
    # the library for the kind of features
    if c1 is not None:
        p.c1 = float(c1)
    if c2 is not None:
        p.c2 = float(c2)
    if delta is not None:
        p.delta = float(delta)
    p.max_iter = int(max_iterations)
    p.epsilon, p.period = float(epsilon), int(period)
    p.min_freq, p.threads = int(min_freq), int(threads)
    if all_possible_states is not None:
        p.all_labels = 1 if all_possible_states else 0
    keep = [bias.encode() if bias is not None else None]
    p.bias = keep[0]
    p.lexicon = 1 if lexicon else 0
    if lexicon_folds is not None:
        p.lexicon_folds = int(lexicon_folds)
    p.bio_constraint = 1 if constrained else 0
    p.dev_patience = int(dev_patience)
    if memory == "auto":
        if abbreviations:
            raise ValueError("abbreviations=True needs memory=N (auto chooses them itself)")
        p.memory = -1                           # CRFTAG_MEMORY_AUTO
    else:
        p.memory = int(memory)
        if not 0 <= p.memory <= 1000:
            raise ValueError("memory: \"auto\" or 0..1000 sentences, got %r" % (memory,))
        if abbreviations and p.memory == 0:
            raise ValueError("abbreviations=True needs memory=N > 0")
        p.memory_flags = 1 if abbreviations else 0   # CRFTAG_MEMORY_ABBREV
    if template is not None:
        keep.append(template.encode("utf-8"))
        p.template_text = keep[-1]
    tokens = template is None and _is_tokens(X)
    if clusters == "default":
        clusters = _shipped_clusters() if tokens else None
        if tokens and clusters is None and os.environ.get("CRFTAG_CLUSTERS") is None:
            warnings.warn("training without word clusters: clusters-en.txt.gz is not in the "
                          "package (models then find fewer unseen words; clusters=PATH gives "
                          "them, clusters=None silences this)", stacklevel=2)
    if clusters is not None:
        keep.append(os.fsencode(clusters))
        p.clusters = keep[-1]
    c = _corpus(X, y)
    dev = None
    try:
        if X_dev is not None:
            dev = _corpus(X_dev, y_dev)
            p.dev = dev.value
        m = ctypes.c_void_p()
        err = _Error()
        # crftag_train_take frees the corpus (on success and on failure): it
        # is no longer ours once handed over
        owned, c = c, None
        st = lib.crftag_train_take_sz(owned, ctypes.byref(p), ctypes.sizeof(p),
                                      ctypes.byref(m), ctypes.byref(err))
        if st != 0:
            _raise(st, err)
    finally:
        if c is not None:
            lib.crftag_corpus_free(c)
        if dev is not None:
            lib.crftag_corpus_free(dev)
    model = Model.__new__(Model)
    model._adopt(m, constrained)
    return model
