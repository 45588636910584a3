// Weights carry over between PyTorch and unroll through safetensors, both ways, for an
// Embedding → 2-layer RNN → Linear model (fixtures/extra/make_extra.py wrote the files
// with torch; no Python is needed here):
// - torch_model.safetensors, saved by torch, loads here with names "torch" and gives
//   the outputs torch computed;
// - unroll_model.safetensors, saved here with names "torch", was loaded by torch with
//   load_state_dict(strict=True); unroll still writes exactly those bytes, and they
//   give here the outputs torch computed from them.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadSafetensors, readSafetensors, saveSafetensors, tensor } from "@unroll/autograd";
import { expectClose, type FixtureArray as Arr } from "@unroll/testkit";
import { Net, type NetConfig } from "./torch-net.js";

interface Outputs {
  logits: Arr;
  hN: Arr;
}
interface RoundTrip {
  config: NetConfig;
  inputs: { ids: Arr; lengths: Arr };
  torchKeys: string[];
  expected: { torchModel: Outputs; unrollModel: Outputs };
}

const file = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`./fixtures/extra/${name}`, import.meta.url)));
const f = JSON.parse(new TextDecoder().decode(file("torch_roundtrip.json"))) as RoundTrip;
const ids = tensor(f.inputs.ids.data, { shape: f.inputs.ids.shape, dtype: "int32" });
const lengths = tensor(f.inputs.lengths.data, { shape: f.inputs.lengths.shape, dtype: "int32" });

/** A net whose own (seeded) weights differ from both files, so loading must overwrite all of them. */
const freshNet = (): Net => new Net({ ...f.config, seed: f.config.seed + 1 });

function expectOutputs(net: Net, expected: Outputs): void {
  const { logits, hN } = net.forward(ids, lengths);
  expectClose(logits, expected.logits, { what: "logits", rtol: 1e-9, atol: 1e-12 });
  expectClose(hN, expected.hN, { what: "hN", rtol: 1e-9, atol: 1e-12 });
}

describe("safetensors round trip with PyTorch", () => {
  it("a torch state dict loads with names 'torch' and gives torch's outputs", () => {
    const dict = loadSafetensors(file("torch_model.safetensors"));
    expect(Object.keys(dict).sort()).toEqual([...f.torchKeys].sort());
    expect(Object.values(dict).every((t) => t.dtype === "float64")).toBe(true);
    const net = freshNet();
    expect(net.loadStateDict(dict, { names: "torch" })).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expectOutputs(net, f.expected.torchModel);
  });

  it("unroll's save with names 'torch' is the file torch loaded strictly, and gives torch's outputs for it", () => {
    const saved = file("unroll_model.safetensors");
    const net = freshNet();
    net.loadStateDict(loadSafetensors(saved), { names: "torch" });
    // torch's state_dict keys exactly: what load_state_dict(strict=True) requires
    expect(Object.keys(net.stateDict({ names: "torch" }))).toEqual(f.torchKeys);
    const again = saveSafetensors(net.stateDict({ names: "torch" }), readSafetensors(saved).metadata ?? undefined);
    expect(Buffer.from(again).equals(Buffer.from(saved)), "unroll no longer writes the bytes torch was checked against").toBe(true);
    expectOutputs(net, f.expected.unrollModel);
  });

  it("the two files hold different weights (each comparison is a real one)", () => {
    const a = loadSafetensors(file("torch_model.safetensors"))["rnn.weight_hh_l1"].toTypedArray();
    const b = loadSafetensors(file("unroll_model.safetensors"))["rnn.weight_hh_l1"].toTypedArray();
    expect(Array.from(a)).not.toEqual(Array.from(b));
  });
});
