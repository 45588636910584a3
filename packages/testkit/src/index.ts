// @unroll/testkit: what every package's tests share (private, never published). It
// imports @unroll/autograd's sources by path, the very modules the tests run on (a
// workspace dependency would make a cycle: autograd's tests depend on this package).

export { expectClose, values, type CloseOptions, type Values } from "./close.js";
export { loadFixtures, fromFixture, upstreamLoss, type Fixture, type FixtureArray } from "./fixtures.js";
export { forEachKernelSet, KERNEL_SETS } from "./kernel-sets.js";
export { checkGrad, checkFloat32, makeInputs, randomIndex, type InputSpec, type OpCase } from "./cases.js";
export { expectError } from "./cases.js";
