// A tour of @unroll/autograd, after Karpathy's min-char-rnn: a tiny character RNN
// written with raw tensor ops, checked with gradcheck, fitted with handwritten SGD.
// Shapes: T time steps, V vocabulary size, H hidden size.

import { cat, createRng, gradcheck, noGrad, tensor, uniform, zeros, type Tensor } from "@unroll/autograd";

// Data: learn to continue "hello unroll" one character at a time.
const text = "hello unroll";
const chars = [...new Set(text)];
const V = chars.length;
const ids = [...text].map((c) => chars.indexOf(c));
const oneHot = (i: number): number[] => chars.map((_, j) => (j === i ? 1 : 0));
const xs = tensor(ids.slice(0, -1).map(oneHot)); // [T, V] float64
const ys = tensor(ids.slice(1).map((i) => [i]), { dtype: "int32" }); // [T, 1] int32 class indices
const T = xs.shape[0];

// Model: h_t = tanh(x_t Wxh + h_{t-1} Whh + bh), logits_t = h_t Why + by.
const H = 16;
const rng = createRng(42);
const param = (shape: number[]): Tensor => uniform(shape, -0.3, 0.3, { rng, requiresGrad: true });
const wxh = param([V, H]);
const whh = param([H, H]);
const bh = zeros([1, H], { requiresGrad: true });
const why = param([H, V]);
const by = zeros([1, V], { requiresGrad: true });
const params = [wxh, whh, bh, why, by];

function step(x: Tensor, h: Tensor, w: Tensor[]): Tensor {
  const [wxh, whh, bh] = w;
  return x.matmul(wxh).add(h.matmul(whh)).add(bh).tanh(); // [1, H]
}

// Loss: mean negative log-likelihood of the next character, unrolled over all T steps.
function loss(...w: Tensor[]): Tensor {
  let h = zeros([1, H]);
  const hs: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    h = step(xs.narrow(0, t, 1), h, w);
    hs.push(h);
  }
  const logits = cat(hs, 0).matmul(w[3]).add(w[4]); // [T, V]
  return logits.logSoftmax(1).gather(1, ys).mean().neg();
}

// Check the gradients of the whole unrolled graph against finite differences first.
console.log(gradcheck(loss, params).message);

// Loop: plain SGD, written out. Leaf tensors own a packed buffer we can update in place.
const lr = 0.5;
const steps = 200;
let first = NaN;
let last = NaN;
for (let i = 0; i <= steps; i++) {
  for (const p of params) p.grad = null;
  const l = loss(...params);
  l.backward();
  noGrad(() => {
    for (const p of params) {
      const w = p.buffer as Float64Array;
      const g = p.grad!.toTypedArray();
      for (let j = 0; j < w.length; j++) w[j] -= lr * g[j];
    }
  });
  last = l.item();
  if (i === 0) first = last;
  if (i % 25 === 0) console.log(`step ${String(i).padStart(3)}  loss ${last.toFixed(4)}`);
}

// Result: feed the model its own greedy predictions, starting from "h".
const sample = noGrad(() => {
  let h = zeros([1, H]);
  let c = ids[0];
  let out = chars[c];
  for (let t = 0; t < T; t++) {
    h = step(tensor([oneHot(c)]), h, params);
    c = h.matmul(why).add(by).argmax(1).item();
    out += chars[c];
  }
  return out;
});
console.log(`loss ${first.toFixed(4)} -> ${last.toFixed(4)}; sample: ${JSON.stringify(sample)}`);
