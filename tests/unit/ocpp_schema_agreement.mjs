// Holds borne's generated validators (tools/ocpp-gen, src/ocpp/ocpp_schema.c)
// against an independent one: ajv, the validator ocpp-rpc uses (installed with
// the test peers, tests/package.json). For every message of OCPP 2.0.1, 2.1
// and 1.6 it builds, from the schema files themselves (not from borne's
// tables), a minimal and a full valid payload and one invalid variant per
// constraint (a required member missing, a wrong type, an unknown member, a
// string one character too long, a value outside its enum, a bad date-time,
// below minimum / above maximum, too few / too many items, not a multipleOf).
// Both must agree on valid / invalid, on the JSON path of the fault and on
// its kind, mapped from ajv's keyword the way docs/ocpp201.md says.
//
// usage: node ocpp_schema_agreement.mjs TEST_OCPP2_MESSAGES_BINARY
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const Ajv = require('ajv');
const addFormats = require('ajv-formats');
const draft6 = require('ajv/dist/refs/json-schema-draft-06.json');

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Cross builds (docs/cross.md) put the emulator first: qemu-<arch>-static BINARY.
const [binary, ...binaryArgs] = process.argv.slice(2);
if (!binary) throw new Error('usage: ocpp_schema_agreement.mjs TEST_OCPP2_MESSAGES_BINARY');

// { version, action, request, schema }
function loadMessages() {
  const out = [];
  for (const [v, dir] of [['2.0.1', 'v2.0.1'], ['2.1', 'v2.1']]) {
    const folder = join(root, 'schemas', 'ocpp', dir);
    for (const f of readdirSync(folder).filter((n) => n.endsWith('.json')).sort()) {
      const m = /^(\w+?)(Request|Response)?\.json$/.exec(f);
      const schema = JSON.parse(readFileSync(join(folder, f), 'utf8').replace(/^\uFEFF/, ''));
      out.push({ version: v, action: m[1], request: m[2] !== 'Response', schema });
    }
  }
  for (const s of JSON.parse(readFileSync(join(root, 'schemas', 'ocpp', 'ocpp1_6.json'), 'utf8'))) {
    const m = /^urn:(\w+)\.(req|conf)$/.exec(s.$id);
    out.push({ version: '1.6', action: m[1], request: m[2] === 'req', schema: s });
  }
  return out;
}

const resolve = (node, defs) => {
  while (node && node.$ref) node = defs[node.$ref.split('/').pop()];
  return node;
};

function sample(node, defs, full, seed) {
  node = resolve(node, defs);
  if (node.type === 'object') {
    const o = {};
    const req = new Set(node.required ?? []);
    Object.entries(node.properties ?? {}).forEach(([k, sub], i) => {
      if (full || req.has(k)) o[k] = sample(sub, defs, full, seed + i);
    });
    return o;
  }
  if (node.type === 'array') {
    let n = node.minItems > 0 ? node.minItems : full ? 2 : 0;
    if (node.maxItems !== undefined) n = Math.min(n, node.maxItems);
    return Array.from({ length: n }, (_, i) => sample(node.items, defs, full, seed + i));
  }
  if (node.enum) return node.enum[seed % node.enum.length];
  if (node.type === 'string') {
    if (node.format === 'date-time') return '2026-11-23T10:00:00.000+01:00';
    if (node.format === 'uri') return 'https://example.org/x';
    // exactly maxLength characters, some of them two bytes in UTF-8
    if (node.maxLength !== undefined) return 'é'.repeat(Math.min(node.maxLength, 3));
    return 'free text';
  }
  if (node.type === 'integer' || node.type === 'number') {
    let x = node.type === 'integer' ? seed + 1 : node.multipleOf ? 16.5 : 230.25;
    if (node.maximum !== undefined) x = Math.min(x, node.maximum);
    if (node.minimum !== undefined) x = Math.max(x, node.minimum);
    return x;
  }
  if (node.type === 'boolean') return seed % 2 === 0;
  return { any: [seed, 'json'] }; // no type: any value
}

// Invalid variants of a valid `value` at `path` (an array of keys), each a
// function that applies one fault to a deep copy of the root payload.
function variants(node, defs, value, path, out) {
  node = resolve(node, defs);
  const set = (fn, lenient) => out.push({ path, fn, lenient });
  if (node.type === 'object') {
    if (path.length) set(() => 'not an object');
    for (const k of node.required ?? []) out.push({ path, fn: (o) => { delete o[k]; return o; } });
    if (node.additionalProperties === false)
      out.push({ path, fn: (o) => ({ ...o, zzUnknownMember: 1 }) });
    for (const [k, sub] of Object.entries(node.properties ?? {}))
      if (value[k] !== undefined) variants(sub, defs, value[k], [...path, k], out);
    return;
  }
  if (node.type === 'array') {
    set(() => ({ not: 'an array' }));
    if (node.minItems > 0) set(() => []);
    if (node.maxItems !== undefined)
      set((a) => Array.from({ length: node.maxItems + 1 }, () => structuredClone(a[0] ?? sample(node.items, defs, false, 0))));
    value.forEach((item, i) => variants(node.items, defs, item, [...path, i], out));
    return;
  }
  if (node.enum) {
    set(() => 'NotAnAllowedValue');
    set(() => 7);
    return;
  }
  if (node.type === 'string') {
    set(() => 7);
    if (node.maxLength !== undefined) set(() => 'x'.repeat(node.maxLength + 1));
    if (node.format === 'date-time') {
      set(() => '2026-13-01T00:00:00Z');
      // RFC 3339 section 5.6 (JSON Schema's date-time) wants a "T" and an offset;
      // ajv-formats 2.1.1 takes a space and (a bug: `undefined !== ""`) no offset.
      // borne keeps to the RFC: these two must be rejected by borne, whatever ajv says.
      set(() => '2026-11-23 10:00:00Z', 'space');
      set(() => '2026-11-23T10:00:00', 'no offset');
    }
    return;
  }
  if (node.type === 'integer' || node.type === 'number') {
    set(() => 'a string');
    if (node.type === 'integer') set(() => 1.5);
    if (node.minimum !== undefined) set(() => node.minimum - 1);
    if (node.maximum !== undefined) set(() => node.maximum + 1);
    if (node.multipleOf !== undefined) set((x) => x + node.multipleOf / 2);
    return;
  }
  if (node.type === 'boolean') set(() => 'true');
}

function applyAt(payload, path, fn) {
  const copy = structuredClone(payload);
  if (!path.length) return fn(copy);
  let parent = copy;
  for (const k of path.slice(0, -1)) parent = parent[k];
  const last = path[path.length - 1];
  parent[last] = fn(parent[last]);
  return copy;
}

// borne's path: a.b[0].c
const bornePath = (keys) =>
  keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : i ? `.${k}` : k)).join('');

function ajvVerdict(validate, payload, version) {
  if (validate(payload)) return { ok: true };
  const e = validate.errors[0];
  const keys = e.instancePath.split('/').slice(1).map((k) => (/^\d+$/.test(k) ? Number(k) : k.replace(/~1/g, '/').replace(/~0/g, '~')));
  if (e.keyword === 'required') keys.push(e.params.missingProperty);
  if (e.keyword === 'additionalProperties') keys.push(e.params.additionalProperty);
  const kind = {
    required: 'Occurrence', minItems: 'Occurrence', maxItems: 'Occurrence', type: 'Type',
  }[e.keyword] ?? 'Property';
  // an unknown member breaks the message's structure: FormationViolation in 1.6 (OCPP-J 4.2.3),
  // FormatViolation in 2.x; the other kinds are constraint violations
  const code = e.keyword === 'additionalProperties'
    ? (version === '1.6' ? 'FormationViolation' : 'FormatViolation')
    : kind === 'Occurrence'
      ? (version === '1.6' ? 'OccurenceConstraintViolation' : 'OccurrenceConstraintViolation')
      : `${kind}ConstraintViolation`;
  return { ok: false, code, path: bornePath(keys), keyword: e.keyword };
}

function makeAjv(version) {
  const ajv = new Ajv({ strict: false, allErrors: false });
  ajv.addMetaSchema(draft6);
  addFormats(ajv, ['date-time', 'uri']);
  return ajv;
}

const ajvs = { '1.6': makeAjv('1.6'), '2.0.1': makeAjv('2.0.1'), '2.1': makeAjv('2.1') };
const cases = [];
const lenient = {};
for (const m of loadMessages()) {
  const { $id, ...schema } = m.schema; // compile each on its own, no $id clashes
  const validate = ajvs[m.version].compile(schema);
  const defs = m.schema.definitions ?? {};
  for (const full of [false, true]) {
    const good = sample(m.schema, defs, full, 0);
    const vs = [{ payload: good, what: full ? 'full' : 'minimal' }];
    if (full) {
      const faults = [];
      variants(m.schema, defs, good, [], faults);
      for (const f of faults)
        vs.push({ payload: applyAt(good, f.path, f.fn), lenient: f.lenient, path: f.path,
          what: `fault at ${bornePath(f.path) || '(root)'}` });
    }
    for (const v of vs) {
      let expect = ajvVerdict(validate, v.payload, m.version);
      if (v.lenient && expect.ok) {
        lenient[v.lenient] = (lenient[v.lenient] ?? 0) + 1;
        expect = { ok: false, code: 'PropertyConstraintViolation', path: bornePath(v.path), keyword: 'format (RFC 3339)' };
      }
      cases.push({ ...m, payload: v.payload, what: v.what, expect });
    }
  }
}

const input = cases
  .map((c) => JSON.stringify({ v: c.version, action: c.action, request: c.request, payload: c.payload }))
  .join('\n') + '\n';
const run = spawnSync(binary, [...binaryArgs, '--validate'], { input, maxBuffer: 1 << 28, encoding: 'utf8' });
if (run.status !== 0) throw new Error(`${binary} --validate failed: ${run.stderr}`);
const lines = run.stdout.split('\n');
let mismatches = 0;
const perVersion = {};
cases.forEach((c, i) => {
  const got = lines[i] ?? '';
  const b = got === 'ok' ? { ok: true } : { ok: false, code: got.split(' ')[0], text: got.slice(got.indexOf(' ') + 1) };
  const e = c.expect;
  let bad = b.ok !== e.ok;
  if (!bad && !e.ok) bad = b.code !== e.code || !b.text.startsWith(e.path ? `${e.path}: ` : '');
  perVersion[c.version] = perVersion[c.version] ?? { cases: 0, invalid: 0 };
  perVersion[c.version].cases++;
  if (!e.ok) perVersion[c.version].invalid++;
  if (bad && mismatches++ < 40)
    console.error(`${c.version} ${c.action} ${c.request ? 'request' : 'response'} (${c.what}): ` +
      `ajv ${e.ok ? 'ok' : `${e.code} at ${e.path} (${e.keyword})`}, borne ${got}\n  ${JSON.stringify(c.payload).slice(0, 300)}`);
});
for (const [v, n] of Object.entries(perVersion))
  console.log(`${v}: ${n.cases} payloads (${n.invalid} invalid) checked by ajv and borne`);
if (mismatches) {
  console.error(`${mismatches} disagreements`);
  process.exit(1);
}
// A valid payload that ajv rejected would make every fault case vacuous: the
// minimal and full samples must all be valid.
const badSamples = cases.filter((c) => (c.what === 'minimal' || c.what === 'full') && !c.expect.ok);
if (badSamples.length) {
  console.error(`the sampler built ${badSamples.length} invalid "valid" payloads, e.g. ${badSamples[0].action}`);
  process.exit(1);
}
for (const [what, n] of Object.entries(lenient))
  console.log(`date-time with ${what}: ajv-formats 2.1.1 accepts, borne rejects (RFC 3339): ${n} payloads`);
console.log('borne and ajv agree on every payload');
