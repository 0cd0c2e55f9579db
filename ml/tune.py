#!/usr/bin/python3
"""Compares hyper-parameters of the flow model by cross-validation on the committed split's TRAINING files only.

  /usr/bin/python3 ml/tune.py --csv ml/data/rows.csv [--only NAME,...] [--seeds 42,7,11] [--drop FEATURE,...] [--oof F.csv]
      [--exclude-files F,...] [--unscored F,...]

The held-out files of the committed model (`train.held_out_files`, fold `MODEL_FOLD`) are left out first; the
remaining files are split again by the same rule (per class, every third file sorted by name), giving three inner
folds. Each candidate is fitted on two inner folds' files and scored on the third (macro-F1), so choosing among them
never looks at the held-out files. Prints one JSON line per candidate and seed: its overrides, the three inner-fold
scores and their mean, the pooled per-class F1, and `focus`, the mean pooled F1 without `ddos` and `syn_flood`. Each
inner fold trains on 4/9 of the files, and with so few multi-source captures a whole DDoS or spoofed SYN flood file
flips between those two classes with the random seed, which moves the mean by ±0.02: compare candidates over several
`--seeds` (every random choice of a fit) and look at `focus` too. `--drop` leaves feature columns out (to compare
feature sets on one extracted CSV). `--exclude-files` leaves capture files out as if they were not extracted, and
`--unscored` keeps files in their inner folds' training but scores none of their rows: to compare added captures on
exactly the rows (and folds) scored without them, as long as their names sort after the older files of their class
(or three of them together), so that the split rule moves no older file. `train.PARAMS` holds the committed choice.

Run it in the numeric environment `deno task train` gives the trainer (`trainerEnv` in ml/train.ts), or its MLP
figures follow the shell's BLAS kernels and threads:

  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
      OPENBLAS_CORETYPE=Prescott /usr/bin/python3 ml/tune.py ...   (OPENBLAS_CORETYPE on x86_64 only)
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train as T  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402

#: candidates: overrides of train.PARAMS (each keeps the graph's inference cost about the same or lower)
CANDIDATES = {
    "committed": {},
    "rf_leaf_1": {"rf_leaf": 1},
    "rf_leaf_8": {"rf_leaf": 8},
    "mlp_alpha_1e-3": {"mlp_alpha": 1e-3},
    "xgb_lr_0.2": {"xgb_lr": 0.2},
    "smote_0.2": {"smote_ratio": 0.2},
    "prior_0.1": {"prior_alpha": 0.1},
    "prior_0": {"prior_alpha": 0.0},
    "prior_0.3": {"prior_alpha": 0.3},
    "file_cap_0": {"file_cap": 0},
    "file_cap_300": {"file_cap": 300},
    "file_cap_1000": {"file_cap": 1000},
    "rf_trees_45_depth_10": {"rf_trees": 45, "rf_depth": 10},
    "mlp_64_32": {"mlp_layers": (64, 32)},
    "smote_0.5": {"smote_ratio": 0.5},
    "rf_max_features_0.25": {"rf_max_features": 0.25},
    "rf_max_features_log2": {"rf_max_features": "log2"},
    "rf_max_features_0.4": {"rf_max_features": 0.4},
    "rf_max_features_0.6": {"rf_max_features": 0.6},
    "xgb_colsample_0.6": {"xgb_colsample_bytree": 0.6},
    "xgb_subsample_0.8": {"xgb_subsample": 0.8},
    "xgb_depth_5_rounds_20": {"xgb_depth": 5, "xgb_rounds": 20},
    "xgb_min_child_3": {"xgb_min_child_weight": 3},
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", required=True)
    ap.add_argument("--only", default="")
    ap.add_argument("--seeds", default=str(T.PARAMS["seed"]))
    ap.add_argument("--drop", default="")
    ap.add_argument("--oof", default="", help="write every training row's out-of-fold probabilities to this CSV")
    ap.add_argument("--exclude-files", default="", help="capture files left out entirely (as if not in the CSV)")
    ap.add_argument("--unscored", default="",
                    help="capture files that train in their inner folds but whose rows are not scored (to compare "
                         "added captures on the same rows as without them)")
    a = ap.parse_args()
    names, files, labels, origins, x = T.load(a.csv)
    excluded = {f for f in a.exclude_files.split(",") if f}
    unknown = excluded - set(files)
    if unknown:
        print(f"Cannot tune: --exclude-files names no capture file of the CSV: {sorted(unknown)}", file=sys.stderr)
        sys.exit(2)
    n_files = len(set(files))
    if excluded:
        keep = np.array([f not in excluded for f in files])
        files, labels, origins, x = files[keep], labels[keep], origins[keep], x[keep]
    #: the capture files actually removed (reported as `excluded`)
    removed = n_files - len(set(files))
    unscored = {f for f in a.unscored.split(",") if f}
    unknown = unscored - set(files)
    if unknown:
        print(f"Cannot tune: --unscored names no capture file of the CSV (after --exclude-files): {sorted(unknown)}",
              file=sys.stderr)
        sys.exit(2)
    drop = {d for d in a.drop.split(",") if d}
    unknown = drop - set(names)
    if unknown:
        print(f"Cannot tune: no feature column {sorted(unknown)}", file=sys.stderr)
        sys.exit(2)
    x = x[:, [i for i, n in enumerate(names) if n not in drop]]
    classes = sorted(set(labels), key=lambda c: (c != "normal", c))
    cidx = {c: i for i, c in enumerate(classes)}
    y = np.array([cidx[lab] for lab in labels])
    held = T.held_out_files(files, labels)
    tr = np.array([f not in held for f in files])
    files_tr, labels_tr, x_tr, y_tr = files[tr], labels[tr], x[tr], y[tr]
    folds = [T.held_out_files(files_tr, labels_tr, fold) for fold in range(T.FOLDS)]
    only = [n for n in a.only.split(",") if n]
    runs = [(name, {**over, "seed": int(s)}) for name, over in CANDIDATES.items() if not only or name in only
            for s in a.seeds.split(",")]
    for name, over in runs:
        t0 = time.time()
        scores = []
        oof = np.full(len(y_tr), -1)
        proba = np.zeros((len(y_tr), len(classes)))
        for tf in folds:
            te = np.array([f in tf for f in files_tr])
            sc, v, _, _ = T.fit_ensemble(x_tr[~te], y_tr[~te], len(classes), False, over, files=files_tr[~te])
            te = te & np.array([f not in unscored for f in files_tr])
            pr = v.predict_proba(sc.transform(x_tr[te]))
            p = pr.argmax(axis=1)
            oof[te] = p
            proba[te] = pr
            scores.append(round(float(f1_score(y_tr[te], p, labels=sorted(set(y_tr[te])), average="macro",
                                               zero_division=0)), 4))
        m = oof >= 0
        per_class = f1_score(y_tr[m], oof[m], labels=range(len(classes)), average=None, zero_division=0)
        focus = [f for c, f in zip(classes, per_class) if c not in ("ddos", "syn_flood")]
        print(json.dumps({"candidate": name, "overrides": over, "dropped": sorted(drop),
                          "excluded": removed, "unscored": len(unscored), "inner_folds": scores,
                          "mean": round(float(np.mean(scores)), 4), "focus": round(float(np.mean(focus)), 4),
                          "pooled_f1": {c: round(float(f), 3) for c, f in zip(classes, per_class)},
                          "seconds": round(time.time() - t0)}), flush=True)
        if a.oof:
            # one file per candidate and seed: the row's file, true label, origin, predicted class and every class's
            # probability (to study decision rules on out-of-fold rows)
            path = a.oof if len(runs) == 1 else f"{a.oof}.{name}.{over['seed']}"
            with open(path, "w") as fh:
                fh.write(",".join(["file", "label", "origin", "predicted", *(f"p_{c}" for c in classes)]) + "\n")
                for f, lab, o, q, pr in zip(files_tr, labels_tr, origins[tr], oof, proba):
                    if q < 0:
                        continue
                    fh.write(",".join([f, lab, o, classes[q], *(f"{v:.5f}" for v in pr)]) + "\n")


if __name__ == "__main__":
    main()
