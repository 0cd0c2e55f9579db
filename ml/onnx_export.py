"""A small scikit-learn / XGBoost → ONNX converter for exactly the flow model's parts.

skl2onnx cannot be installed here, so this writes the graph with the `onnx` package directly:

  features ─ Sub(mean) ─ Div(scale) ─┬─ TreeEnsembleClassifier (RandomForest) ────────┐
                                     ├─ MatMul/Add/Relu … MatMul/Add/Softmax (MLP) ──┼─ Mean ─ probabilities
                                     └─ TreeEnsembleClassifier + SOFTMAX (XGBoost) ──┘
  (with class weights: Mean ─ Mul(weights) ─ Div(ReduceSum) ─ probabilities)

Parity with predict_proba (to 1e-5) holds because the scaler runs in float32 on both sides
(see Float32Scaler), RandomForest thresholds are rounded DOWN to float32 (x <= t and x <= floor32(t)
agree for every float32 x) and XGBoost thresholds are float32 already.
"""
import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class Float32Scaler:
    """StandardScaler whose transform is computed in float32, exactly as the ONNX Sub/Div nodes do."""

    def fit(self, x):
        x = np.asarray(x, dtype=np.float64)
        self.mean_ = x.mean(axis=0).astype(np.float32)
        scale = x.std(axis=0)
        scale[scale < 1e-9] = 1.0
        self.scale_ = scale.astype(np.float32)
        return self

    def transform(self, x):
        return ((np.asarray(x, dtype=np.float32) - self.mean_) / self.scale_).astype(np.float32)


def _floor32(t):
    t32 = np.float32(t)
    if float(t32) > float(t):
        t32 = np.nextafter(t32, np.float32(-np.inf))
    return float(t32)


def _rf_node(rf, n_classes, name):
    tree_ids, node_ids, feat, vals, modes, tnode, fnode, miss = [], [], [], [], [], [], [], []
    c_tree, c_node, c_id, c_w = [], [], [], []
    n_trees = len(rf.estimators_)
    for ti, est in enumerate(rf.estimators_):
        t = est.tree_
        for ni in range(t.node_count):
            tree_ids.append(ti)
            node_ids.append(ni)
            left, right = int(t.children_left[ni]), int(t.children_right[ni])
            miss.append(0)
            if left == -1:
                feat.append(0)
                vals.append(0.0)
                modes.append("LEAF")
                tnode.append(0)
                fnode.append(0)
                v = t.value[ni][0].astype(np.float64)
                p = v / v.sum()
                for k in range(n_classes):
                    # a class with no weight in this leaf adds nothing: left out (most leaves are pure, so the
                    # graph is about a third of the size with identical sums)
                    if p[k] == 0:
                        continue
                    # RandomForest classes_ are the encoded labels 0..C-1
                    c_tree.append(ti)
                    c_node.append(ni)
                    c_id.append(int(est.classes_[k]) if hasattr(est, "classes_") else k)
                    c_w.append(float(p[k] / n_trees))
            else:
                feat.append(int(t.feature[ni]))
                vals.append(_floor32(t.threshold[ni]))
                modes.append("BRANCH_LEQ")
                tnode.append(left)
                fnode.append(right)
    return helper.make_node(
        "TreeEnsembleClassifier", ["scaled"], [name + "_label", name + "_prob"], domain="ai.onnx.ml", name=name,
        classlabels_int64s=list(range(n_classes)), nodes_treeids=tree_ids, nodes_nodeids=node_ids,
        nodes_featureids=feat, nodes_values=vals, nodes_modes=modes, nodes_truenodeids=tnode,
        nodes_falsenodeids=fnode, nodes_missing_value_tracks_true=miss, class_treeids=c_tree,
        class_nodeids=c_node, class_ids=c_id, class_weights=c_w, post_transform="NONE")


def _xgb_node(xgb, n_classes, name):
    model = json.loads(bytes(xgb.get_booster().save_raw(raw_format="json")))
    gb = model["learner"]["gradient_booster"]["model"]
    base = float(model["learner"]["learner_model_param"]["base_score"])
    trees, info = gb["trees"], gb["tree_info"]
    tree_ids, node_ids, feat, vals, modes, tnode, fnode, miss = [], [], [], [], [], [], [], []
    c_tree, c_node, c_id, c_w = [], [], [], []
    for ti, tr in enumerate(trees):
        lc, rc = tr["left_children"], tr["right_children"]
        si, sc, dl = tr["split_indices"], tr["split_conditions"], tr["default_left"]
        for ni in range(len(lc)):
            tree_ids.append(ti)
            node_ids.append(ni)
            if lc[ni] == -1:
                feat.append(0)
                vals.append(0.0)
                modes.append("LEAF")
                tnode.append(0)
                fnode.append(0)
                miss.append(0)
                c_tree.append(ti)
                c_node.append(ni)
                c_id.append(int(info[ti]))
                c_w.append(float(np.float32(sc[ni])))
            else:
                feat.append(int(si[ni]))
                vals.append(float(np.float32(sc[ni])))
                modes.append("BRANCH_LT")
                tnode.append(int(lc[ni]))
                fnode.append(int(rc[ni]))
                miss.append(int(dl[ni]))
    return helper.make_node(
        "TreeEnsembleClassifier", ["scaled"], [name + "_label", name + "_prob"], domain="ai.onnx.ml", name=name,
        classlabels_int64s=list(range(n_classes)), nodes_treeids=tree_ids, nodes_nodeids=node_ids,
        nodes_featureids=feat, nodes_values=vals, nodes_modes=modes, nodes_truenodeids=tnode,
        nodes_falsenodeids=fnode, nodes_missing_value_tracks_true=miss, class_treeids=c_tree,
        class_nodeids=c_node, class_ids=c_id, class_weights=c_w, base_values=[base] * n_classes,
        post_transform="SOFTMAX")


def _mlp_nodes(mlp, name, inits):
    if mlp.activation != "relu" or mlp.out_activation_ != "softmax":
        raise ValueError("Cannot convert MLP: only relu hidden layers with a softmax output are supported")
    nodes, cur = [], "scaled"
    last = len(mlp.coefs_) - 1
    for i, (w, b) in enumerate(zip(mlp.coefs_, mlp.intercepts_)):
        wn, bn = f"{name}_w{i}", f"{name}_b{i}"
        inits.append(numpy_helper.from_array(np.asarray(w, dtype=np.float32), wn))
        inits.append(numpy_helper.from_array(np.asarray(b, dtype=np.float32), bn))
        nodes.append(helper.make_node("MatMul", [cur, wn], [f"{name}_mm{i}"]))
        nodes.append(helper.make_node("Add", [f"{name}_mm{i}", bn], [f"{name}_z{i}"]))
        out = f"{name}_a{i}"
        nodes.append(helper.make_node("Relu" if i < last else "Softmax", [f"{name}_z{i}"], [out],
                                      **({} if i < last else {"axis": -1})))
        cur = out
    return nodes, cur


def export(scaler, voting, n_features, meta):
    """One ONNX graph: scaler, the voting ensemble's three models and their average (times the class weights of a
    `train.PriorWeighted`, renormalised)."""
    n_classes = len(voting.classes_)
    rf, mlp, xgb = (voting.named_estimators_[k] for k in ("rf", "mlp", "xgb"))
    inits = [
        numpy_helper.from_array(scaler.mean_.astype(np.float32), "mean"),
        numpy_helper.from_array(scaler.scale_.astype(np.float32), "scale"),
    ]
    nodes = [
        helper.make_node("Sub", ["features", "mean"], ["centred"]),
        helper.make_node("Div", ["centred", "scale"], ["scaled"]),
        _rf_node(rf, n_classes, "rf"),
        _xgb_node(xgb, n_classes, "xgb"),
    ]
    mlp_nodes, mlp_out = _mlp_nodes(mlp, "mlp", inits)
    nodes += mlp_nodes
    weights = getattr(voting, "class_weights", None)  # train.PriorWeighted (not VotingClassifier.weights: per model)
    if weights is None:
        nodes.append(helper.make_node("Mean", ["rf_prob", mlp_out, "xgb_prob"], ["probabilities"]))
    else:
        # class weights (train.PriorWeighted): the average times one weight per class, divided by its row sum
        inits.append(numpy_helper.from_array(np.asarray(weights, dtype=np.float32).reshape(1, -1), "class_weights"))
        inits.append(numpy_helper.from_array(np.array([1], dtype=np.int64), "class_axis"))
        nodes += [
            helper.make_node("Mean", ["rf_prob", mlp_out, "xgb_prob"], ["averaged"]),
            helper.make_node("Mul", ["averaged", "class_weights"], ["weighted"]),
            helper.make_node("ReduceSum", ["weighted", "class_axis"], ["weight_sum"], keepdims=1),
            helper.make_node("Div", ["weighted", "weight_sum"], ["probabilities"]),
        ]
    graph = helper.make_graph(
        nodes, "ids_flow",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [None, n_features])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, n_classes])],
        initializer=inits)
    model = helper.make_model(graph, producer_name="ids ml/onnx_export.py", opset_imports=[
        helper.make_opsetid("", 13), helper.make_opsetid("ai.onnx.ml", 3)])
    model.ir_version = 8
    for k, v in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = k, str(v)
    onnx.checker.check_model(model)
    return model
