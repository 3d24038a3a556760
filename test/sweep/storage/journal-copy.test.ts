/**
 * The journal store's copy of what it hands out (`copy` in journal-storage.ts) returns exactly what
 * `JSON.parse(JSON.stringify(value))` returns (the copy the store made before, and what the journal
 * line of the value reads back as), without building the text: checked on a finished trial record
 * with the awkward values a record can hold (NaN and infinite losses, undefined fields and array
 * elements, nested epochs), and on a seeded stream of random plain values.
 */
import seedrandom from 'seedrandom';
import { copy } from '../../../lib/sweep/storage/journal-storage';

const jsonCopy = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

test('a record with NaN, infinities, undefined fields and nested epochs copies as its JSON round trip, sharing no object', () => {
  const epoch = { epoch: 2, train: { loss: Number.NaN, accuracy: undefined }, validation: { loss: Number.POSITIVE_INFINITY }, penalty: -0, penaltyPerLayer: { 'dense_1.kernel': Number.NEGATIVE_INFINITY }, weightNorms: {}, seconds: 0.1 };
  const record = { trialId: 't', params: { l2: 1e-5, kind: 'x', flag: true, nothing: null }, epochs: [epoch, undefined, { epoch: 3 }], final: epoch, error: undefined, when: new Date(0), fn: () => 1 };
  const copied = copy(record);
  expect(copied).toStrictEqual(jsonCopy(record));
  expect((copied as unknown as { final: unknown }).final).not.toBe(epoch);
  expect(copy([1, Number.NaN, undefined, 'a'])).toStrictEqual(jsonCopy([1, Number.NaN, undefined, 'a']));
});

test('random plain values (seeded stream, 300 of them) copy as their JSON round trip', () => {
  const random = seedrandom('journal-copy');
  const leaf = (): unknown => {
    const pick = Math.floor(random() * 8);
    return [random() * 100 - 50, Number.NaN, Number.POSITIVE_INFINITY, undefined, null, `s${Math.floor(random() * 9)}`, random() < 0.5, -0][pick];
  };
  const value = (depth: number): unknown => {
    if (depth > 3 || random() < 0.3) return leaf();
    if (random() < 0.5) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(random() * 5) }, (_, position) => [`k${position}`, value(depth + 1)]));
  };
  for (let round = 0; round < 300; round++) {
    const input = { root: value(0) };
    expect(copy(input)).toStrictEqual(jsonCopy(input));
  }
});
