#!/usr/bin/python3
"""Trains the flow model from the rows `ml/extract_rows.ts` wrote and exports one ONNX graph.

  /usr/bin/python3 ml/train.py --csv ROWS.csv --out models/ [--quick]

The seed's CEREBRO design: StandardScaler, SMOTE (training split only), soft-voting
RandomForest + MLP + gradient-boosted trees (XGBoost). Split by capture file, never by rows:
rows of one flood are near-duplicates. Writes ids-flow.onnx, ids-flow.json (metrics on the
held-out files) and ids-flow.parity.json (held-out rows and predict_proba, for the parity test).
Needs Debian's python3-sklearn python3-imblearn python3-xgboost python3-onnx.
"""
import argparse
import datetime
import hashlib
import json
import os
import sys

import numpy as np

try:
    import onnx
    from imblearn.over_sampling import SMOTE
    from sklearn.ensemble import RandomForestClassifier, VotingClassifier
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
    from sklearn.neural_network import MLPClassifier
    from xgboost import XGBClassifier
except ImportError as e:  # one line with the fix
    print(f"Cannot train: {e} (apt-get install python3-sklearn python3-imblearn python3-xgboost python3-onnx)",
          file=sys.stderr)
    sys.exit(1)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_export import Float32Scaler, export  # noqa: E402


def load(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
    files, labels, origins = [], [], []
    cols = header.index("origin") + 1
    with open(path) as f:
        f.readline()
        for line in f:
            p = line.split(",", cols)
            files.append(p[0])
            labels.append(p[1])
            origins.append(p[2])
    x = np.loadtxt(path, delimiter=",", skiprows=1, usecols=range(cols, len(header)), dtype=np.float32, ndmin=2)
    return header[cols:], np.array(files), np.array(labels), np.array(origins), x


FOLDS = 3
#: the fold of the committed model: per class, every third file starting with the second
MODEL_FOLD = 1


def held_out_files(files, labels, fold=MODEL_FOLD):
    """Per class, every third file (sorted by name, starting with file `fold`) is held out."""
    out = set()
    by_class = {}
    for f, l in set(zip(files, labels)):
        by_class.setdefault(l, set()).add(f)
    # a file belongs to the class of its attack rows; benign files to normal
    file_class = {}
    for l in sorted(by_class):
        for f in sorted(by_class[l]):
            if l != "normal" or f not in file_class:
                file_class[f] = l
    for cls in sorted(set(file_class.values())):
        fs = sorted(f for f, c in file_class.items() if c == cls)
        if len(fs) >= 2:
            out.update(fs[fold::FOLDS])
    return out


#: the committed hyper-parameters (`ml/tune.py` compares alternatives by cross-validation on the training files only)
PARAMS = {
    "rf_trees": 30, "rf_depth": 12, "rf_leaf": 3,
    "mlp_layers": (32, 32), "mlp_alpha": 1e-4,
    "xgb_rounds": 25, "xgb_depth": 4, "xgb_lr": 0.4,
    "smote_ratio": 1.0,
    # at most this many rows of one capture file go into a fit (a seeded random subset per file; 0: every row). A flood
    # or load test gives up to 3000 near-identical rows, a benign session or a probe a few dozen: without a cap the
    # files with the most rows decide what a class looks like. The class weights below still count every training row.
    "file_cap": 150,
    # the averaged probabilities times (rows of the class / rows of the largest class) ^ prior_alpha, renormalised:
    # SMOTE trains on equal classes, which inflates the rare ones against how often they occur; 0 leaves it
    "prior_alpha": 0.2,
    # every random choice (SMOTE, forest, MLP, boosted trees); `ml/tune.py --seeds` repeats a comparison with others
    "seed": 42,
}


def capped_rows(files, cap, seed):
    """Indices of at most `cap` rows per capture file (a random subset seeded by `seed`, files in name order), sorted;
    every row when `cap` is 0."""
    if not cap:
        return np.arange(len(files))
    rng = np.random.default_rng(seed)
    keep = []
    for f in sorted(set(files)):
        rows = np.flatnonzero(files == f)
        keep.append(np.sort(rng.choice(rows, size=cap, replace=False)) if len(rows) > cap else rows)
    return np.sort(np.concatenate(keep))


def fit_ensemble(x_tr, y_tr, n_classes, quick, params=None, files=None):
    """StandardScaler, SMOTE on these rows only, soft-voting RandomForest + MLP + XGBoost (the seed's CEREBRO).
    `files` (each row's capture file) enables `file_cap`."""
    hp = {**PARAMS, **(params or {})}
    all_counts = np.bincount(y_tr, minlength=n_classes)
    if files is not None and hp["file_cap"]:
        rows = capped_rows(np.asarray(files), hp["file_cap"], hp["seed"])
        x_tr, y_tr = x_tr[rows], y_tr[rows]
    scaler = Float32Scaler().fit(x_tr)
    xs_tr = scaler.transform(x_tr)
    counts = np.bincount(y_tr, minlength=n_classes)
    k = int(max(1, min(5, counts[counts > 0].min() - 1)))
    # smote_ratio 1.0: every class up to the largest (imbalanced-learn's default); below 1, up to that share of it
    strategy = "auto" if hp["smote_ratio"] >= 1 else {
        c: max(int(n), int(hp["smote_ratio"] * counts.max())) for c, n in enumerate(counts) if n > 0}
    xs_res, y_res = SMOTE(random_state=hp["seed"], k_neighbors=k, sampling_strategy=strategy).fit_resample(xs_tr, y_tr)
    xs_res = xs_res.astype(np.float32)
    q = quick
    voting = VotingClassifier(voting="soft", estimators=[
        # sized for ≥ 200 k rows/s in onnxruntime-web (WASM, one thread): cost grows with trees × depth
        ("rf", RandomForestClassifier(n_estimators=8 if q else hp["rf_trees"], max_depth=8 if q else hp["rf_depth"],
                                      min_samples_leaf=hp["rf_leaf"], max_features=hp.get("rf_max_features", "sqrt"),
                                      random_state=hp["seed"], n_jobs=1)),
        ("mlp", MLPClassifier(hidden_layer_sizes=(16,) if q else hp["mlp_layers"], alpha=hp["mlp_alpha"],
                              early_stopping=True, max_iter=60 if q else 400, random_state=hp["seed"])),
        ("xgb", XGBClassifier(n_estimators=8 if q else hp["xgb_rounds"], max_depth=hp["xgb_depth"],
                              learning_rate=hp["xgb_lr"], tree_method="hist", eval_metric="mlogloss", random_state=hp["seed"],
                              n_jobs=1, **{k[4:]: hp[k] for k in ("xgb_subsample", "xgb_colsample_bytree",
                                                                  "xgb_min_child_weight") if k in hp})),
    ])
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        voting.fit(xs_res, y_res)
    if hp["prior_alpha"] > 0:
        # how often the classes occur: every training row, also the ones `file_cap` left out of the fit
        voting = PriorWeighted(voting, (all_counts / all_counts.max()) ** hp["prior_alpha"])
    return scaler, voting, k, len(y_res)


class PriorWeighted:
    """The soft vote's probabilities times one weight per class, renormalised (the ONNX graph does the same)."""

    def __init__(self, voting, weights):
        self.voting = voting
        self.class_weights = np.asarray(weights, dtype=np.float32)
        self.named_estimators_ = voting.named_estimators_
        self.classes_ = voting.classes_

    def predict_proba(self, x):
        p = self.voting.predict_proba(x) * self.class_weights
        return p / p.sum(axis=1, keepdims=True)


def syn_bare_check(names, x_te, y_te, classes, scaler, voting):
    """How much the model leans on `syn_bare`: the held-out normal TCP rows whose flow began with the initiator's SYN
    from an OS stack (`syn_bare` 0), scored again with `syn_bare` set to 1 (feature code v6: as if that SYN had carried
    no TCP option at all; under v5's rule, fewer than 8 bytes, this was an MSS-only SYN). Counts how many the model then
    calls an attack at ≥ 0.70 (it labels a detection) and ≥ 0.95 (a model-only alert), against before."""
    col = {n: i for i, n in enumerate(names)}
    if not all(n in col for n in ("syn_bare", "proto_tcp", "midstream")):
        return None
    m = (y_te == classes.index("normal")) & (x_te[:, col["proto_tcp"]] == 1) & (x_te[:, col["midstream"]] == 0) & \
        (x_te[:, col["syn_bare"]] == 0)
    xb = x_te[m]
    flipped = xb.copy()
    flipped[:, col["syn_bare"]] = 1

    def attack_at(rows, t):
        p = voting.predict_proba(scaler.transform(rows)) if len(rows) else np.zeros((0, len(classes)))
        return int(((p.argmax(axis=1) != 0) & (p.max(axis=1) >= t)).sum())

    return {"syn_bare_set": {
        "rows": "held-out normal TCP rows whose flow began with the initiator's SYN from an OS stack (syn_bare 0), "
                "scored again with syn_bare = 1 (feature code v6: a SYN with no TCP option at all)",
        "count": int(m.sum()),
        "attack_at_0_70_before": attack_at(xb, 0.7), "attack_at_0_70_after": attack_at(flipped, 0.7),
        "attack_at_0_95_before": attack_at(xb, 0.95), "attack_at_0_95_after": attack_at(flipped, 0.95),
    }}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true", help="small models (tests)")
    ap.add_argument("--feature-version", type=int, default=0)
    ap.add_argument("--no-cv", action="store_true", help="skip the cross-validation over the other folds")
    a = ap.parse_args()

    names, files, labels, origins, x = load(a.csv)
    classes = sorted(set(labels), key=lambda c: (c != "normal", c))
    cidx = {c: i for i, c in enumerate(classes)}
    y = np.array([cidx[l] for l in labels])
    test_files = held_out_files(files, labels)
    te = np.array([f in test_files for f in files])
    tr = ~te
    missing = [c for c in classes if not (y[tr] == cidx[c]).any()]
    if missing:
        print(f"Cannot train: no training rows for {missing}", file=sys.stderr)
        sys.exit(1)

    scaler, voting, k, n_res = fit_ensemble(x[tr], y[tr], len(classes), a.quick, files=files[tr])
    xs_te = scaler.transform(x[te])
    proba = voting.predict_proba(xs_te)
    pred = proba.argmax(axis=1)
    yt = y[te]

    def metrics(mask, what):
        yt_, pr_ = yt[mask], pred[mask]
        p, r, f, s = precision_recall_fscore_support(yt_, pr_, labels=range(len(classes)), zero_division=0)
        present = [i for i in range(len(classes)) if (yt_ == i).any()]
        macro = float(f1_score(yt_, pr_, labels=present, average="macro", zero_division=0))
        cm = confusion_matrix(yt_, pr_, labels=range(len(classes)))
        conf = proba[mask].max(axis=1) if mask.any() else np.zeros(0)
        return {
            "rows": what,
            "split": "by capture file",
            "macro_f1": round(macro, 4),
            "accuracy": round(float((pr_ == yt_).mean()) if len(yt_) else 0.0, 4),
            "per_class": {classes[i]: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                                       "f1": round(float(f[i]), 4), "support": int(s[i])}
                          for i in range(len(classes)) if i in present},
            "confusion_matrix": {"labels": classes, "rows_true_cols_predicted": cm.tolist()},
            "decided_by_model_at_0_70": round(float((conf >= 0.7).mean()) if len(conf) else 0.0, 4),
        }

    robustness = syn_bare_check(names, x[te], y[te], classes, scaler, voting)
    det = origins[te] == "detection"
    all_metrics = metrics(np.ones(len(yt), dtype=bool), "every sampled flow moment and detection of the held-out files")
    det_metrics = metrics(det, "the moments a default detector fired, in the held-out files (the seed's decision rule)")
    per_file = {}
    for fname in sorted(test_files):
        m = files[te] == fname
        per_file[fname] = {"rows": int(m.sum()), "correct": int((pred[m] == yt[m]).sum())}

    # cross-validation by capture file: the same rule with the other two starting files, so every file of a class with
    # two or more files is held out once; one split of a small corpus swings with which files land on which side
    cv = None
    if not a.no_cv:
        oof = np.full(len(y), -1)
        oof[te] = pred
        fold_f1 = {}
        for fold in range(FOLDS):
            if fold == MODEL_FOLD:
                fm = f1_score(yt, pred, labels=sorted(set(yt)), average="macro", zero_division=0)
            else:
                tf = held_out_files(files, labels, fold)
                te_f = np.array([f in tf for f in files])
                if not te_f.any() or len(set(y[~te_f])) < len(classes):
                    continue
                sc_f, v_f, _, _ = fit_ensemble(x[~te_f], y[~te_f], len(classes), a.quick,
                                              files=files[~te_f])
                p_f = v_f.predict_proba(sc_f.transform(x[te_f])).argmax(axis=1)
                oof[te_f] = p_f
                fm = f1_score(y[te_f], p_f, labels=sorted(set(y[te_f])), average="macro", zero_division=0)
            fold_f1[str(fold)] = round(float(fm), 4)
        held = oof >= 0
        yo, po = y[held], oof[held]
        present = [i for i in range(len(classes)) if (yo == i).any()]
        p_, r_, f_, s_ = precision_recall_fscore_support(yo, po, labels=range(len(classes)), zero_division=0)
        cv = {
            "rule": f"{FOLDS} folds: per class, every third capture file (sorted by name) starting with file 0, 1 or 2; "
                    f"fold {MODEL_FOLD} is the committed model's split",
            "macro_f1_per_fold": fold_f1,
            "macro_f1_mean": round(float(np.mean(list(fold_f1.values()))), 4),
            "pooled": {
                "rows": "every row of every file, predicted by the fold model that never saw its file",
                "macro_f1": round(float(f1_score(yo, po, labels=present, average="macro", zero_division=0)), 4),
                "accuracy": round(float((yo == po).mean()), 4),
                "per_class": {classes[i]: {"precision": round(float(p_[i]), 4), "recall": round(float(r_[i]), 4),
                                           "f1": round(float(f_[i]), 4), "support": int(s_[i])} for i in present},
                "confusion_matrix": {"labels": classes, "rows_true_cols_predicted":
                                     confusion_matrix(yo, po, labels=range(len(classes))).tolist()},
            },
            "per_file_wrong": {},
        }
        # where the pooled errors come from: per file, the wrong rows by (true → predicted)
        for fname in sorted(set(files[held])):
            m = held & (files == fname)
            wrong = {}
            for t, q in zip(y[m], oof[m]):
                if t != q:
                    key = f"{classes[t]} -> {classes[q]}"
                    wrong[key] = wrong.get(key, 0) + 1
            if wrong:
                cv["per_file_wrong"][fname] = {"rows": int(m.sum()), **dict(sorted(wrong.items()))}

    digest = hashlib.sha256(open(a.csv, "rb").read()).hexdigest()
    os.makedirs(a.out, exist_ok=True)
    meta = {"feature_version": a.feature_version, "feature_count": len(names), "classes": ",".join(classes),
            "data_sha256": digest}
    model = export(scaler, voting, len(names), meta)
    onnx_path = os.path.join(a.out, "ids-flow.onnx")
    onnx.save(model, onnx_path)

    info = {
        "name": "ids-flow",
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "feature_version": a.feature_version,
        "classes": classes,
        "features": names,
        "data": {
            "sha256": digest,
            "rows": int(len(y)),
            "train_rows": int(tr.sum()),
            "train_rows_after_smote": int(n_res),
            "test_rows": int(te.sum()),
            "train_files": sorted(set(files[tr])),
            "test_files": sorted(test_files),
            "rows_per_class": {c: int((y == i).sum()) for c, i in cidx.items()},
        },
        "ensemble": {
            "voting": "soft",
            "class_weights": [round(float(w), 6) for w in voting.class_weights] if isinstance(voting, PriorWeighted) else None,
            "scaler": "StandardScaler (float32)",
            "file_cap": PARAMS["file_cap"],
            "smote": f"SMOTE(k_neighbors={k}) on the training split",
            "rf": voting.named_estimators_["rf"].get_params()["n_estimators"],
            "mlp": list(voting.named_estimators_["mlp"].hidden_layer_sizes),
            "xgb": voting.named_estimators_["xgb"].get_params()["n_estimators"],
        },
        "metrics": all_metrics,
        "metrics_at_detection": det_metrics,
        "per_test_file": per_file,
        "robustness": robustness,
    }
    if cv is not None:
        info["cross_validation"] = cv
    with open(os.path.join(a.out, "ids-flow.json"), "w") as fh:
        json.dump(info, fh, indent=2)
        fh.write("\n")

    # parity sample: held-out rows (raw features) and predict_proba, checked against ONNX Runtime
    rng = np.random.default_rng(42)
    idx = np.sort(rng.choice(len(xs_te), size=min(256, len(xs_te)), replace=False))
    parity = {"rows": x[te][idx].astype(float).tolist(), "proba": proba[idx].astype(float).tolist()}
    with open(os.path.join(a.out, "ids-flow.parity.json"), "w") as fh:
        json.dump(parity, fh, separators=(",", ":"))
    print(json.dumps({"robustness": robustness, "macro_f1": all_metrics["macro_f1"], "macro_f1_at_detection": det_metrics["macro_f1"],
                      "cv_macro_f1_mean": cv["macro_f1_mean"] if cv else None,
                      "test_files": len(test_files), "rows": int(len(y)),
                      "onnx_bytes": os.path.getsize(onnx_path)}))


if __name__ == "__main__":
    main()
