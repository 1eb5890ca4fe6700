"""crftag.sklearn - a scikit-learn estimator with sklearn-crfsuite's interface.

    from crftag.sklearn import CRF
    crf = CRF(c1=0.1, c2=0.1, max_iterations=100, all_possible_transitions=True)
    crf.fit(X_train, y_train)          # X: sentences of feature dicts, y: of labels
    y_pred = crf.predict(X_test)
    crf.predict_marginals(X_test)      # [[{label: P}, ...], ...]
    crf.score(X_test, y_test)          # token accuracy, as sklearn-crfsuite's score

X is a list of sentences, a sentence a list of items: feature dicts as
sklearn-crfsuite and python-crfsuite take them ({"word.lower()": "docker"}
is the attribute "word.lower()=docker"; {"len": 0.6} the attribute "len"
with weight 0.6; True / False weigh 1 / 0; nested dicts and lists are
prefixed "key:"), lists of attribute strings, or token strings (crftag's
built-in features).  The estimator works with cross_val_score,
GridSearchCV and pickle (the model's bytes go into the pickle).

Parameters that map: algorithm ("lbfgs" only: crftag's L-BFGS, OWL-QN when
c1 > 0), c1, c2, max_iterations, epsilon, delta, period, min_freq,
all_possible_states, all_possible_transitions (crftag always weighs every
transition: True or None is accepted, False refused).  crftag's own:
bias (label bias, "0" by default; "auto" chooses one on held-out data),
dev_patience (early stopping on X_dev / y_dev), threads (0: all cores).
model_filename, as in sklearn-crfsuite: fit() saves the model there (in
crftag's format), and an estimator that was not fitted loads it from there
for predict() and the properties: a model file crftag or CRFsuite wrote
(python-crfsuite, sklearn-crfsuite), so CRF(model_filename="old.crfsuite")
tags with an existing CRFsuite model.
The other defaults are those of `crftag train` and crftag.train().

The label bias is the one default that differs from `crftag train` and
crftag.train() (both "auto"), because of what this class promises: it
stands in for sklearn-crfsuite's CRF, whose estimator fits CRFsuite's
objective, and with bias="0" the same parameters fit exactly that
objective (a bias is a term CRFsuite does not have); score() is token
accuracy, for which "auto", choosing the bias by entity F1, does not aim;
and "auto" trains twice in every fit of cross_val_score or GridSearchCV.  Give
bias="auto" for crftag's default.
"""
from sklearn.base import BaseEstimator

import crftag

__all__ = ["CRF"]


class CRF(BaseEstimator):
    """sklearn-crfsuite's CRF estimator on crftag (the module's docstring
    lists the parameters).  bias="0" by default, unlike `crftag train`:
    CRFsuite's objective, as sklearn-crfsuite fits it (see the module's
    docstring)."""

    def __init__(self, algorithm="lbfgs", c1=0.0, c2=1.0, max_iterations=None, epsilon=None,
                 delta=None, period=None, min_freq=None, all_possible_states=False,
                 all_possible_transitions=None, bias="0", dev_patience=0, threads=0,
                 verbose=False, model_filename=None):
        self.algorithm = algorithm
        self.c1 = c1
        self.c2 = c2
        self.max_iterations = max_iterations
        self.epsilon = epsilon
        self.delta = delta
        self.period = period
        self.min_freq = min_freq
        self.all_possible_states = all_possible_states
        self.all_possible_transitions = all_possible_transitions
        self.bias = bias
        self.dev_patience = dev_patience
        self.threads = threads
        self.verbose = verbose
        self.model_filename = model_filename

    def fit(self, X, y, X_dev=None, y_dev=None):
        """Trains on sentences X with label sequences y (X_dev / y_dev:
        optional held-out data for dev_patience)."""
        if self.algorithm not in (None, "lbfgs"):
            raise ValueError("crftag trains with L-BFGS only (algorithm='lbfgs'), not %r"
                             % (self.algorithm,))
        if self.all_possible_transitions is False:
            raise ValueError("crftag always weighs every transition "
                             "(all_possible_transitions=False is not available)")
        X, y = list(X), [list(s) for s in y]
        kw = {}
        for name, key in (("max_iterations", "max_iterations"), ("epsilon", "epsilon"),
                          ("delta", "delta"), ("period", "period"), ("min_freq", "min_freq")):
            v = getattr(self, name)
            if v is not None:
                kw[key] = v
        self.model_ = crftag.train(
            X, y, c1=self.c1 or 0.0, c2=1.0 if self.c2 is None else self.c2,
            all_possible_states=bool(self.all_possible_states), bias=self.bias,
            threads=self.threads, X_dev=X_dev, y_dev=y_dev, dev_patience=self.dev_patience,
            **kw)
        names = set()
        if not crftag._is_tokens(X):
            for s in X:
                for item in s:
                    names.update(n for n, _ in crftag.attributes(item))
        self.attributes_ = sorted(names)
        if self.model_filename is not None:
            self.model_.save(self.model_filename)
        return self

    def _check(self):
        if not hasattr(self, "model_"):
            if self.model_filename is None:
                raise AttributeError("this CRF is not fitted yet: call fit() first")
            # an existing model, as sklearn-crfsuite's model_filename: crftag's or CRFsuite's
            self.model_ = crftag.Model(self.model_filename)
            self.attributes_ = sorted(set(self.model_.attribute_names() or []))
        return self.model_

    def predict_single(self, xseq):
        return self._check().tag(xseq)

    def predict(self, X):
        """The label sequence of each sentence of X, tagged in order with the
        model's document memory when training kept one (Model.memory: an
        entity found in one of the last sentences labels its later
        mentions), so that X in document order gets what `crftag eval`
        gets on the same file; predict_single tags one on its own."""
        m = self._check()
        return m.tag_sentences(X)

    def predict_marginals_single(self, xseq):
        m = self._check()
        return [dict(zip(m.labels, row)) for row in m.marginals(xseq)]

    def predict_marginals(self, X):
        """For each sentence, for each item, {label: P(label)}."""
        return [self.predict_marginals_single(x) for x in X]

    def score(self, X, y):
        """Token accuracy of predict(X) against y (sklearn-crfsuite's
        flat accuracy)."""
        pred = self.predict(X)
        total = correct = 0
        for p, g in zip(pred, y):
            g = list(g)
            total += len(g)
            correct += sum(a == b for a, b in zip(p, g))
        return correct / total if total else 0.0

    @property
    def classes_(self):
        return list(self._check().labels)

    @property
    def size_(self):
        """Bytes of the model file."""
        return len(self._check().to_bytes())

    @property
    def state_features_(self):
        """{(attribute, label): weight} of the non-zero weights of the
        attribute strings seen in training."""
        m = self._check()
        out = {}
        for name in self.attributes_:
            for label, w in m.attr_weights(name).items():
                out[(name, label)] = w
        return out

    @property
    def transition_features_(self):
        """{(label_from, label_to): weight} for every pair of labels."""
        m = self._check()
        return {(a, b): m.transition(a, b) for a in m.labels for b in m.labels}
