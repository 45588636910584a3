// @unroll/rnn: modules for recurrent models with PyTorch's equations, shapes,
// parameter names and initialisation.

export { Module, type ModuleOptions, type NameStyle, type LoadResult } from "./module.js";
export { Linear, type LinearOptions } from "./linear.js";
export { Embedding, type EmbeddingOptions } from "./embedding.js";
export { RNNCell, type RNNCellOptions, type Nonlinearity } from "./rnn-cell.js";
export { RNN, type RNNOptions, type RNNResult } from "./rnn.js";
export { lastValid } from "./sequence.js";
