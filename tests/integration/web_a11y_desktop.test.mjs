// Accessibility (issue 19), on a desktop: axe-core finds nothing, of any
// impact, on every page, every settings tab and sub-page, the login and the
// public page, in English and French (the phone: web_a11y).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { a11ySweep } from './lib/a11y.mjs';

test('no axe finding of any impact on any page or tab, in both languages, on a desktop', async () => {
  assert.deepEqual(await a11ySweep('desktop', { width: 1280, height: 900 }), []);
});
