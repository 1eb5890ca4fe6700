#!/usr/bin/env python3
"""scripts/calibration.py - how well crftag's probabilities are calibrated.

    crftag tag -m MODEL -T -p -f json GOLD > pred.json
    python3 scripts/calibration.py GOLD pred.json [--sentences N] [--unconstrained unc.json]

GOLD is the annotated file tagged (WikiSER or CoNLL columns, .gz read too;
the label in the last column), pred.json crftag's JSON lines for it (one per
sentence, in order).  Prints:
  - how many tokens tagged with an entity label (not O) have a marginal
    below 0.5 for that label (with --unconstrained, the JSON lines of
    `crftag tag --no-constraint --all-marginals` on the same file: the same
    count with those marginals, for the same tags);
  - a calibration table: the predicted entities in buckets of their
    probability, and the fraction of each bucket that is correct (same
    tokens, same type as a gold entity, conlleval's rule).
Standard library only.
"""
import argparse
import gzip
import json


def read_gold(path):
    """Sentences of gold labels (lists of str)."""
    opener = gzip.open if path.endswith(".gz") else open
    sents, cur, wikiser = [], [], None
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if wikiser is None and line.strip():
                wikiser = line == "<s>"
            if wikiser:
                if line == "<s>":
                    cur = []
                elif line == "</s>":
                    sents.append(cur)
                elif line:
                    cur.append(line.rsplit("\t", 1)[1])
            elif not line.strip():
                if cur:
                    sents.append(cur)
                cur = []
            elif not line.startswith("-DOCSTART-"):
                sep = "\t" if "\t" in line else None
                cur.append(line.split(sep)[-1])
    if cur and not wikiser:
        sents.append(cur)
    return sents


def chunks(tags):
    """(begin, end, type) of IOB2/IOB1 tags by conlleval's rules."""
    out, start, typ = [], None, None
    for i, t in enumerate(tags + ["O"]):
        tag, _, ty = t.partition("-")
        end = start is not None and (tag in ("B", "O") or ty != typ)
        if end:
            out.append((start, i, typ))
            start = None
        if tag in ("B", "I") and start is None:
            start, typ = i, ty
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("gold")
    ap.add_argument("pred")
    ap.add_argument("--sentences", type=int, default=0, help="only the first N sentences")
    ap.add_argument("--unconstrained", help="JSON lines with all_marginals")
    a = ap.parse_args()
    gold = read_gold(a.gold)
    with open(a.pred, encoding="utf-8") as f:
        pred = [json.loads(line) for line in f]
    unc = None
    if a.unconstrained:
        with open(a.unconstrained, encoding="utf-8") as f:
            unc = [json.loads(line) for line in f]
    if len(pred) != len(gold):
        raise SystemExit("%s: %d sentences, %s: %d" % (a.gold, len(gold), a.pred, len(pred)))
    n = a.sentences or len(gold)
    ent_tokens = low = low_unc = 0
    edges = [0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0001]
    bucket = [[0, 0, 0.0] for _ in edges[:-1]]     # entities, correct, sum of p
    for k in range(min(n, len(gold))):
        p = pred[k]
        for i, t in enumerate(p["tags"]):
            if t != "O":
                ent_tokens += 1
                low += p["marginals"][i] < 0.5
                if unc is not None:
                    low_unc += unc[k]["all_marginals"][i][t] < 0.5
        g = set(chunks(gold[k]))
        for e in p["entities"]:
            b, en = e["tokens"]
            ok = (b, en, e["type"]) in g
            for j in range(len(edges) - 1):
                if edges[j] <= e["prob"] < edges[j + 1]:
                    bucket[j][0] += 1
                    bucket[j][1] += ok
                    bucket[j][2] += e["prob"]
    print("sentences %d, tokens tagged with an entity label %d, marginal of that label < 0.5: %d"
          % (min(n, len(gold)), ent_tokens, low))
    if unc is not None:
        print("  with the unconstrained marginals: %d" % low_unc)
    print()
    print("| entity probability | entities | mean probability | correct |")
    print("|---|---|---|---|")
    tot = [0, 0]
    for j, (cnt, ok, s) in enumerate(bucket):
        tot[0] += cnt
        tot[1] += ok
        hi = "1.0" if j == len(bucket) - 1 else "%.2f" % edges[j + 1]
        if cnt:
            print("| %.2f - %s | %d | %.3f | %.3f |" % (edges[j], hi, cnt, s / cnt, ok / cnt))
        else:
            print("| %.2f - %s | 0 | - | - |" % (edges[j], hi))
    print("| all | %d | | %.3f |" % (tot[0], tot[1] / tot[0] if tot[0] else 0.0))


if __name__ == "__main__":
    main()
