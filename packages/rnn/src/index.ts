// @unroll/rnn: modules for recurrent models with PyTorch's equations, shapes,
// parameter names and initialisation.

export { Module, type ModuleOptions, type NameStyle, type LoadResult } from "./module.js";
export { Linear, type LinearOptions } from "./linear.js";
export { Embedding, type EmbeddingOptions } from "./embedding.js";
export { Dropout } from "./dropout.js";
export { RNNCell, GRUCell, LSTMCell, type CellOptions, type RNNCellOptions, type LSTMState, type Nonlinearity } from "./cells.js";
export { RNN, GRU, LSTM, type RNNOptions, type GRUOptions, type LSTMOptions, type RNNResult, type GRUResult, type LSTMResult, type SequenceOptions } from "./layers.js";
export { lastValid } from "./sequence.js";
