/**
 * Parity check of an exported model directory: runs the parity sample (held-out rows and
 * scikit-learn's predict_proba, written by ml/train.py) through the model Worker (ONNX Runtime),
 * exactly the path the sensor uses.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadClassifier } from "./classifier.ts";

/** Max |ONNX − predict_proba| over the parity sample of a model directory. */
export async function parityError(dir: string): Promise<{ max: number; rows: number }> {
  const c = await loadClassifier({ modelPath: join(dir, "ids-flow.onnx") });
  try {
    assert.equal(c.status.state, "loaded", c.status.reason);
    const p = JSON.parse(await Deno.readTextFile(join(dir, "ids-flow.parity.json"))) as {
      rows: number[][];
      proba: number[][];
    };
    const n = p.rows.length, f = p.rows[0].length;
    const x = new Float32Array(n * f);
    p.rows.forEach((r, i) => x.set(r, i * f));
    const y = await c.probabilities(x, n);
    assert.ok(y !== undefined, "the Worker answered");
    const k = p.proba[0].length;
    assert.equal(y.length, n * k, "output width = classes");
    let max = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) max = Math.max(max, Math.abs(y[i * k + j] - p.proba[i][j]));
    return { max, rows: n };
  } finally {
    c.close();
  }
}
