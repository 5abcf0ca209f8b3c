import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contrastRatio, divergingLut, flatten, lutIndex, mix, parseColor, toHex } from '../../../webview/colors';

test('parseColor reads the forms VS Code themes use', () => {
  assert.deepEqual(parseColor('#3794ff'), { r: 0x37, g: 0x94, b: 0xff, a: 1 });
  assert.deepEqual(parseColor('#fff'), { r: 255, g: 255, b: 255, a: 1 });
  const c = parseColor('#80808059')!;
  assert.equal(c.r, 128);
  assert.ok(Math.abs(c.a - 0x59 / 255) < 1e-9);
  assert.deepEqual(parseColor('rgb(1, 2, 3)'), { r: 1, g: 2, b: 3, a: 1 });
  assert.deepEqual(parseColor('rgba(1, 2, 3, 0.5)'), { r: 1, g: 2, b: 3, a: 0.5 });
  assert.equal(parseColor('var(--x)'), null);
  assert.equal(parseColor(''), null);
});

test('mix, flatten and toHex', () => {
  const black = parseColor('#000000')!, white = parseColor('#ffffff')!;
  assert.equal(toHex(mix(black, white, 0.5)), '#808080');
  assert.equal(toHex(flatten({ r: 255, g: 255, b: 255, a: 0.25 }, black)), '#404040');
  assert.ok(contrastRatio(black, white) > 20);
});

test('diverging scale is centred on zero and symmetric', () => {
  const neg = parseColor('#0000ff')!, mid = parseColor('#ffffff')!, pos = parseColor('#ff0000')!;
  const lut = divergingLut(neg, mid, pos, 255);
  const at = (i: number) => [lut[i * 4], lut[i * 4 + 1], lut[i * 4 + 2]];
  assert.deepEqual(at(0), [0, 0, 255]);
  assert.deepEqual(at(254), [255, 0, 0]);
  assert.deepEqual(at(lutIndex(0, 3, 255)), [255, 255, 255]);
  assert.equal(lutIndex(3, 3, 255), 254);
  assert.equal(lutIndex(-3, 3, 255), 0);
  assert.equal(lutIndex(99, 3, 255), 254, 'clamped');
  assert.equal(lutIndex(1.5, 3, 255) - 127, 127 - lutIndex(-1.5, 3, 255), 'symmetric');
  assert.equal(lutIndex(NaN, 3, 255), -1);
  assert.equal(lutIndex(0, 0, 255), 127, 'all-zero tensor maps to the centre');
});
