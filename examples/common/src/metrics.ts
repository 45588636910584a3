// Classification metrics computed from predicted and true labels.

/** Fraction of positions where `predicted` equals `actual`. Example: `accuracy([1, 0], [1, 1])` is 0.5. */
export function accuracy(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  checkLengths("accuracy", predicted, actual);
  let right = 0;
  for (let i = 0; i < actual.length; i++) if (predicted[i] === actual[i]) right++;
  return actual.length === 0 ? NaN : right / actual.length;
}

/**
 * Precision, recall and F1 of the `positive` class: F1 = 2PR / (P + R).
 * Example: `f1([1, 1, 0], [1, 0, 0]).f1` is 2/3.
 */
export function f1(predicted: ArrayLike<number>, actual: ArrayLike<number>, positive = 1): { precision: number; recall: number; f1: number } {
  checkLengths("f1", predicted, actual);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < actual.length; i++) {
    const p = predicted[i] === positive;
    const a = actual[i] === positive;
    if (p && a) tp++;
    else if (p) fp++;
    else if (a) fn++;
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
}

/** Accuracy of always answering the most frequent label: the bar a model must beat. */
export function majorityBaseline(actual: ArrayLike<number>): { label: number; accuracy: number } {
  const counts = new Map<number, number>();
  for (let i = 0; i < actual.length; i++) counts.set(actual[i]!, (counts.get(actual[i]!) ?? 0) + 1);
  let label = NaN;
  let best = -1;
  for (const [l, c] of counts) if (c > best || (c === best && l < label)) [label, best] = [l, c];
  return { label, accuracy: actual.length === 0 ? NaN : best / actual.length };
}

function checkLengths(name: string, predicted: ArrayLike<number>, actual: ArrayLike<number>): void {
  if (predicted.length !== actual.length) {
    throw new RangeError(`${name}: predicted has ${predicted.length} labels but actual has ${actual.length}`);
  }
}
