// The recurrent layer of an example, chosen with --cell: RNN, GRU or LSTM behind one
// forward, with the state (h, and c for the LSTM) carried as one value.
//   B batch, T time, E input size, H hidden size, L layers

import type { FloatDtype, Rng, Tensor } from "@unroll/autograd";
import { GRU, LSTM, RNN } from "@unroll/rnn";

export const CELLS = ["rnn", "gru", "lstm"] as const;
export type CellName = (typeof CELLS)[number];
export type RecurrentLayer = RNN | GRU | LSTM;

/** A layer's state between calls: h [L, B, H], and c [L, B, H] for the LSTM. */
export interface RecurrentState {
  h: Tensor;
  c: Tensor | null;
}

/** The layer `cell` names. Example: `recurrentLayer("lstm", 32, 128, { numLayers: 1, rng, dtype })`. */
export function recurrentLayer(cell: CellName, input: number, hidden: number, opts: { numLayers: number; rng: Rng; dtype: FloatDtype }): RecurrentLayer {
  if (cell === "gru") return new GRU(input, hidden, opts);
  if (cell === "lstm") return new LSTM(input, hidden, opts);
  return new RNN(input, hidden, opts);
}

/** x [B, T, E] from `state` (zeros when absent) → the output [B, T, H] and the state after the last step. */
export function runLayer(layer: RecurrentLayer, x: Tensor, state?: RecurrentState | null, lengths?: readonly number[]): { output: Tensor; state: RecurrentState } {
  if (layer instanceof LSTM) {
    const { output, hN, cN } = layer.forward(x, state ? { h: state.h, c: state.c! } : null, { lengths });
    return { output, state: { h: hN, c: cN } };
  }
  const { output, hN } = layer.forward(x, state?.h ?? null, { lengths });
  return { output, state: { h: hN, c: null } };
}

/** The state without its history (truncated BPTT). */
export function detachState(s: RecurrentState): RecurrentState {
  return { h: s.h.detach(), c: s.c && s.c.detach() };
}
