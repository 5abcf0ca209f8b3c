import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCompact, formatInt, formatShape, formatValue, middleEllipsis, shortNodeName, unravelIndex, isNumericType } from '../../../webview/format';

test('formatInt groups thousands', () => {
  assert.equal(formatInt(101770), '101,770');
  assert.equal(formatInt(0), '0');
  assert.equal(formatInt(999), '999');
  assert.equal(formatInt(1000), '1,000');
  assert.equal(formatInt(-1234567), '-1,234,567');
});

test('formatCompact', () => {
  assert.equal(formatCompact(25557032), '25.6M');
  assert.equal(formatCompact(1234), '1.2k');
  assert.equal(formatCompact(1000), '1k');
  assert.equal(formatCompact(12), '12');
});

test('formatShape', () => {
  assert.equal(formatShape([1, 'batch', null, 28]), '1×batch×?×28');
  assert.equal(formatShape([]), 'scalar');
  assert.equal(formatShape(undefined), '?');
});

test('formatValue keeps 4 significant digits and uses exponents for extremes', () => {
  assert.equal(formatValue(0.123456), '0.1235');
  assert.equal(formatValue(0), '0');
  assert.equal(formatValue(1.5e-7), '1.5e-7');
  assert.equal(formatValue(NaN), 'NaN');
  assert.equal(formatValue(-Infinity), '-∞');
});

test('shortNodeName drops the op suffix of exporter paths', () => {
  assert.equal(shortNodeName('/layer1/layer1.0/conv1/Conv', 'Conv'), 'conv1');
  assert.equal(shortNodeName('/Reshape', 'Reshape'), '');
  assert.equal(shortNodeName('conv_3', 'Conv'), 'conv_3');
  assert.equal(shortNodeName('', 'Conv'), '');
  assert.equal(shortNodeName('/attention/self/MatMul_1', 'MatMul'), 'self');
});

test('middleEllipsis', () => {
  assert.equal(middleEllipsis('abcdefghij', 5), 'ab…ij');
  assert.equal(middleEllipsis('abc', 5), 'abc');
});

test('unravelIndex is row-major', () => {
  assert.deepEqual(unravelIndex(0, [2, 3, 4]), [0, 0, 0]);
  assert.deepEqual(unravelIndex(23, [2, 3, 4]), [1, 2, 3]);
  assert.deepEqual(unravelIndex(5, [3, 3]), [1, 2]);
});

test('isNumericType', () => {
  assert.ok(isNumericType('float32'));
  assert.ok(isNumericType('int64'));
  assert.ok(isNumericType('bfloat16'));
  assert.ok(!isNumericType('string'));
  assert.ok(!isNumericType('bool'));
});
