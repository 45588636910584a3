// The option schemas of the rnn modules, all checked by the one validator of
// @unroll/autograd/extend (`RNN: unknown option "num_layers" (did you mean "numLayers"?)`).

import { floatDtypeRule, rngRule, type OptionSchema } from "@unroll/autograd/extend";
import type { CellOptions, RNNCellOptions } from "./cells.js";
import type { GRUOptions, RNNOptions, SequenceOptions } from "./layers.js";
import type { ModuleOptions } from "./module.js";

/** The options every module constructor takes. */
export const MODULE_SCHEMA: OptionSchema<ModuleOptions> = { rng: rngRule, dtype: floatDtypeRule };

const NONLINEARITY = { oneOf: ["tanh", "relu"] } as const;

export const CELL_SCHEMA: OptionSchema<CellOptions> = { ...MODULE_SCHEMA, bias: "boolean" };
export const RNN_CELL_SCHEMA: OptionSchema<RNNCellOptions> = { ...CELL_SCHEMA, nonlinearity: NONLINEARITY };

export const LAYER_SCHEMA: OptionSchema<GRUOptions> = {
  ...CELL_SCHEMA,
  numLayers: { type: "integer", min: 1 },
  bidirectional: "boolean",
  dropout: { type: "number", min: 0, below: 1 },
};
export const RNN_SCHEMA: OptionSchema<RNNOptions> = { ...LAYER_SCHEMA, nonlinearity: NONLINEARITY };

// lengths is checked against x by checkLengths.
export const SEQUENCE_SCHEMA: OptionSchema<SequenceOptions> = { lengths: {} };
