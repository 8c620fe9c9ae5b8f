#!/usr/bin/env python3
"""Generate C message types, schema tables and validators from the official
OCPP JSON schemas: either one file holding an array of schemas with
"$id": "urn:<Action>.req" / "urn:<Action>.conf" (schemas/ocpp/ocpp1_6.json), or
a folder of the OCA's per-message files <Action>Request.json /
<Action>Response.json (schemas/ocpp/v2.0.1/, v2.1/: draft-06, "$ref" to
"#/definitions/...", customData). A 2.1 SEND message (NotifyPeriodicEventStream)
has a request and no response: its response schema is NULL.

usage: ocpp_gen.py SCHEMA.json|SCHEMA_DIR PREFIX OUT_DIR
  writes OUT_DIR/PREFIX_messages.h and OUT_DIR/PREFIX_messages.c

Naming (also in the generated header and docs/ocpp16.md):
  - a message is <prefix>_<Action>Request / <prefix>_<Action>Response;
  - a nested object is <message>_<member path> (array items take the
    array member's name), an enum <message>_<member path>_e with values
    <message>_<member path>_<Value> (non-alphanumerics become '_');
  - members keep the schema's camelCase names; an optional member has
    `bool has_<name>`; an array is `T *<name>; size_t <name>_count`;
  - strings with maxLength are char[maxLength * 4 + 1] (UTF-8: maxLength
    counts characters, and a character takes up to 4 bytes, so every valid
    string decodes whole); strings without maxLength are `char *`, owned;
    integers int64_t, numbers double; a member without a type (any JSON
    value) an owned json_t *.
Python 3 standard library only: it runs at build time on Debian's python3.
"""
import json
import os
import re
import sys


# Keywords the generator understands or that carry no constraint (annotations);
# anything else in a schema stops the build rather than being silently ignored.
KNOWN_KEYWORDS = {
    '$schema', '$id', 'id', 'comment', 'description', 'javaType', 'default', 'title',
    'type', 'properties', 'required', 'additionalProperties', 'definitions', 'enum',
    'maxLength', 'format', 'items', 'minItems', 'maxItems', 'additionalItems',
    'multipleOf', 'minimum', 'maximum', '$ref',
}


def load_messages(src):
    """{action: {'req': schema, 'conf': schema}} from an array file or a folder."""
    messages = {}
    if os.path.isdir(src):
        for fname in sorted(os.listdir(src)):
            if not fname.endswith('.json'):
                continue
            m = re.fullmatch(r'(\w+?)(Request|Response)\.json', fname) or \
                re.fullmatch(r'(NotifyPeriodicEventStream)\.json', fname)
            if not m:
                raise SystemExit(f'ocpp_gen: unexpected schema file {fname}')
            kind = 'conf' if m.lastindex == 2 and m.group(2) == 'Response' else 'req'
            with open(os.path.join(src, fname), encoding='utf-8-sig') as f:
                messages.setdefault(m.group(1), {})[kind] = json.load(f)
        return messages
    with open(src, encoding='utf-8') as f:
        schemas = json.load(f)
    for s in schemas:
        m = re.fullmatch(r'urn:(\w+)\.(req|conf)', s['$id'])
        if not m:
            raise SystemExit(f'ocpp_gen: unexpected $id {s["$id"]}')
        messages.setdefault(m.group(1), {})[m.group(2)] = s
    return messages


# Messages that have no response (OCPP 2.1 SEND frames).
SEND_ONLY = {'NotifyPeriodicEventStream'}


def c_ident(text):
    s = re.sub(r'[^A-Za-z0-9_]', '_', text)
    return ('_' + s) if s[0].isdigit() else s


def c_string(text):
    """A C string literal of `text` (UTF-8), octal escapes for anything unusual."""
    out = []
    for b in text.encode('utf-8'):
        ch = chr(b)
        if ch in '"\\?':
            out.append('\\' + ch)
        elif 0x20 <= b < 0x7f:
            out.append(ch)
        else:
            out.append(f'\\{b:03o}')
    return '"' + ''.join(out) + '"'


class Gen:
    """Collects one version's types and its pointer-free schema table.

    The table (one const struct per version, in .rodata: nothing to relocate
    at start) holds every node in one array, the members of the objects in
    another (a node refers to nodes and members by index), the enum values
    as offsets into one pool of NUL-terminated strings that also holds the
    member and action names, and the number limits. Structurally identical
    nodes (the same members, types and constraints, which give the same C
    layout) are stored once, whatever message they belong to."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.types = []     # C type definitions, dependencies first
        self.enum_fns = []  # the <enum>_name functions (after the table)
        self.nodes = []     # initializers of the nodes array
        self.node_keys = {}
        self.props = []     # initializers of the members array
        self.prop_keys = {}
        self.words = []     # string offsets of the enum values
        self.word_keys = {}
        self.limits = []    # initializers of the limits array
        self.limit_keys = {}
        self.pool = []      # strings in the pool, in order
        self.pool_at = {}
        self.pool_size = 0

    def string(self, text):
        if text not in self.pool_at:
            self.pool_at[text] = self.pool_size
            self.pool.append(text)
            self.pool_size += len(text.encode('utf-8')) + 1
        return self.pool_at[text]

    def add_node(self, key, fields):
        if key in self.node_keys:
            return self.node_keys[key]
        idx = len(self.nodes)
        if idx > 0xFFFF:
            raise SystemExit('ocpp_gen: more than 65536 schema nodes')
        self.node_keys[key] = idx
        self.nodes.append(f'{{.self = {idx}, {fields}}}')
        return idx

    def resolve(self, node, defs):
        seen = 0
        while '$ref' in node:
            ref = node['$ref']
            if not ref.startswith('#/definitions/'):
                raise SystemExit(f'ocpp_gen: unsupported $ref {ref!r}')
            name = ref.split('/')[-1]
            if name not in defs:
                raise SystemExit(f'ocpp_gen: $ref to a missing definition {ref!r}')
            node = defs[name]
            seen += 1
            if seen > 16:
                raise SystemExit(f'ocpp_gen: $ref loop at {ref!r}')
        return node

    # Returns (c_type, array_suffix, node_index) for one schema node.
    def node(self, schema, defs, cname, depth=0):
        schema = self.resolve(schema, defs)
        if depth > 24:
            raise SystemExit(f'ocpp_gen: {cname}: nesting too deep (a recursive schema?)')
        for key in schema:
            if key not in KNOWN_KEYWORDS:
                raise SystemExit(f'ocpp_gen: {cname}: unsupported schema keyword {key!r}')
        t = schema.get('type')
        if t == 'object':
            props = schema.get('properties', {})
            required = set(schema.get('required', []))
            members, rows, shape = [], [], []
            for name, sub in props.items():
                sub_r = self.resolve(sub, defs)
                sub_c = f'{cname}_{c_ident(name)}'
                if sub_r.get('type') == 'array':
                    item_type, item_suffix, item_idx = self.node(sub_r['items'], defs, sub_c, depth + 1)
                    if item_suffix:
                        # array of fixed strings: a struct wrapper keeps pointer arithmetic simple
                        wrap = f'{sub_c}_item'
                        self.types.append(f'typedef struct {{ char value{item_suffix}; }} {wrap};')
                        item_type = wrap
                    mn, mx = sub_r.get('minItems', -1), sub_r.get('maxItems', -1)
                    sub_idx = self.add_node(
                        ('array', item_idx, mn, mx),
                        f'.type = OCPP_T_ARRAY, .first = {item_idx}, .min_items = {mn}, '
                        f'.max_items = {mx}, .max_length = -1')
                    members.append(f'  {item_type} *{name};')
                    members.append(f'  size_t {name}_count;')
                    count_off = f'offsetof({cname}, {name}_count)'
                else:
                    sub_type, sub_suffix, sub_idx = self.node(sub, defs, sub_c, depth + 1)
                    members.append(f'  {sub_type} {name}{sub_suffix};')
                    count_off = '0'
                req = name in required
                has_off = '0'
                if not req:
                    members.append(f'  bool has_{name};')
                    has_off = f'offsetof({cname}, has_{name})'
                shape.append((name, req, sub_idx))
                rows.append(f'{{.name = {self.string(name)}, .node = {sub_idx}, '
                            f'.required = {1 if req else 0}, .offset = offsetof({cname}, {name}), '
                            f'.has_offset = {has_off}, .count_offset = {count_off}}}')
            if not members:
                members.append('  char empty_; /* the message has no members */')
            self.types.append('typedef struct {\n' + '\n'.join(members) + f'\n}} {cname};')
            shape = tuple(shape)
            # the same members give the same C layout: offsets of the first type serve all
            if shape not in self.prop_keys:
                self.prop_keys[shape] = len(self.props)
                self.props.extend(rows)
            first = self.prop_keys[shape]
            additional = schema.get('additionalProperties', True) is not False
            idx = self.add_node(
                ('object', shape, additional),
                f'.type = OCPP_T_OBJECT, .flags = {"OCPP_SCHEMA_ADDITIONAL" if additional else "0"}, '
                f'.count = {len(rows)}, .first = {first}, .size = sizeof({cname}), '
                f'.min_items = -1, .max_items = -1, .max_length = -1')
            return cname, '', idx
        if t == 'string' and 'enum' in schema:
            ename = f'{cname}_e'
            values = tuple(schema['enum'])
            if values not in self.word_keys:
                self.word_keys[values] = len(self.words)
                self.words.extend(self.string(v) for v in values)
            first = self.word_keys[values]
            self.types.append('typedef enum {\n' + '\n'.join(
                f'  {cname}_{c_ident(v)} = {i},' for i, v in enumerate(values)) + f'\n}} {ename};\n'
                f'/* The schema\'s string for v; NULL when v is not one of the values. */\n'
                f'const char *{ename}_name({ename} v);')
            T = f'{self.prefix}_schema_tab'
            self.enum_fns.append(
                f'const char *{ename}_name({ename} v) {{\n'
                f'  return (unsigned)v < {len(values)}u ? {T}.strings + {T}.words[{first}u + (unsigned)v] : NULL;\n}}')
            idx = self.add_node(
                ('enum', first, len(values)),
                f'.type = OCPP_T_ENUM, .size = sizeof(int), .first = {first}, .count = {len(values)}, '
                f'.min_items = -1, .max_items = -1, .max_length = -1')
            return ename, '', idx
        if t == 'string':
            fmt = {'date-time': 'OCPP_FMT_DATE_TIME', 'uri': 'OCPP_FMT_URI'}.get(
                schema.get('format') if isinstance(schema.get('format'), str) else None,
                'OCPP_FMT_NONE')
            ml = schema.get('maxLength')
            if ml is not None:
                idx = self.add_node(
                    ('string', ml, fmt),
                    f'.type = OCPP_T_STRING, .size = {ml} * 4 + 1, .max_length = {ml}, '
                    f'.format = {fmt}, .min_items = -1, .max_items = -1')
                return 'char', f'[{ml} * 4 + 1]', idx
            idx = self.add_node(
                ('string', None, fmt),
                f'.type = OCPP_T_STRING, .size = sizeof(char *), .max_length = -1, '
                f'.format = {fmt}, .min_items = -1, .max_items = -1')
            return 'char *', '', idx
        if t in ('integer', 'number'):
            flags = []
            lim = (schema.get('minimum', 0), schema.get('maximum', 0), schema.get('multipleOf', 0))
            if 'minimum' in schema:
                flags.append('OCPP_SCHEMA_MINIMUM')
            if 'maximum' in schema:
                flags.append('OCPP_SCHEMA_MAXIMUM')
            first = 0
            if flags or 'multipleOf' in schema:
                if lim not in self.limit_keys:
                    self.limit_keys[lim] = len(self.limits)
                    self.limits.append(f'{{.minimum = {lim[0]!r}, .maximum = {lim[1]!r}, '
                                       f'.multiple_of = {lim[2]!r}}}')
                first = self.limit_keys[lim]
                flags.append('OCPP_SCHEMA_LIMITS')
            ctype = 'int64_t' if t == 'integer' else 'double'
            kind = 'OCPP_T_INTEGER' if t == 'integer' else 'OCPP_T_NUMBER'
            idx = self.add_node(
                (t, tuple(flags), first),
                f'.type = {kind}, .flags = {" | ".join(flags) or "0"}, .first = {first}, '
                f'.size = sizeof({ctype}), .min_items = -1, .max_items = -1, .max_length = -1')
            return ctype, '', idx
        if t == 'boolean':
            idx = self.add_node(('boolean',), '.type = OCPP_T_BOOLEAN, .size = sizeof(bool), '
                                '.min_items = -1, .max_items = -1, .max_length = -1')
            return 'bool', '', idx
        if t is None and not any(k in schema for k in ('properties', 'items', 'enum', 'maxLength')):
            # no type and no constraint (2.x DataTransfer.data): any JSON value, kept as json_t *
            idx = self.add_node(('any',), '.type = OCPP_T_ANY, .size = sizeof(json_t *), '
                                '.min_items = -1, .max_items = -1, .max_length = -1')
            return 'json_t *', '', idx
        raise SystemExit(f'ocpp_gen: {cname}: unsupported schema type {t!r}')


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    src, prefix, out = sys.argv[1:]
    src = src.rstrip('/')
    messages = load_messages(src)
    actions = sorted(messages)
    g = Gen(prefix)
    roots = {}
    for a in actions:
        for kind, suffix in (('req', 'Request'), ('conf', 'Response')):
            s = messages[a].get(kind)
            if s is None and kind == 'conf' and a in SEND_ONLY:
                continue
            if s is None:
                raise SystemExit(f'ocpp_gen: {a} has no .{kind} schema')
            cname = f'{prefix}_{a}{suffix}'
            _, _, idx = g.node(s, s.get('definitions', {}), cname)
            roots[(a, suffix)] = (cname, idx)
    action_at = [g.string(a) for a in actions]
    P = prefix.upper()
    T = f'{prefix}_schema_tab'
    guard = f'BORNE_GEN_{P}_MESSAGES_H'
    h = [f'/* Generated by tools/ocpp-gen/ocpp_gen.py from {src.split("/")[-1]}: do not edit.',
         ' *',
         f' * One struct per message, {prefix}_<Action>Request / {prefix}_<Action>Response; a nested',
         ' * object is <message>_<member path>, an enum <message>_<member path>_e with values',
         ' * <message>_<member path>_<Value>. Optional members have `bool has_<name>`, arrays',
         ' * `T *<name>; size_t <name>_count`, strings with maxLength `char[maxLength * 4 + 1]`',
         ' * (maxLength characters of UTF-8), others `char *` (owned: free with _free). See',
         ' * src/ocpp/ocpp_schema.h. */',
         f'#ifndef {guard}', f'#define {guard}', '',
         '#include <jansson.h>', '#include <stdbool.h>', '#include <stddef.h>', '#include <stdint.h>',
         '', '#include "ocpp/ocpp_error.h"', '#include "ocpp/ocpp_schema.h"', '#include "ocpp/ocpp_version.h"', '',
         'typedef enum {']
    h += [f'  {P}_{a},' for a in actions]
    h += [f'  {P}_ACTION_COUNT', f'}} {prefix}_action;', '']
    h += g.types
    h += ['',
          f'/* The schema table of this version (ocpp_schema.h): pointer-free, in .rodata. */',
          'typedef struct {',
          '  ocpp_schema_table_hdr hdr; /* first, then the nodes */',
          f'  ocpp_schema_node nodes[{len(g.nodes)}];',
          f'  ocpp_schema_prop props[{max(len(g.props), 1)}];',
          f'  uint32_t words[{max(len(g.words), 1)}];',
          f'  ocpp_schema_limits limits[{max(len(g.limits), 1)}];',
          f'  uint32_t actions[{len(actions)}];',
          f'  uint16_t requests[{len(actions)}], responses[{len(actions)}]; /* UINT16_MAX: none */',
          f'  char strings[{g.pool_size}];',
          f'}} {prefix}_schema_table;',
          f'extern const {prefix}_schema_table {T};',
          '',
          f'const char *{prefix}_action_name({prefix}_action a);',
          f'/* 0 and *out set when `name` is an action of this version, else -1. */',
          f'int {prefix}_action_parse(const char *name, {prefix}_action *out);',
          f'bool {prefix}_action_known(const char *name);',
          f'/* The schema of a request (request = true) or response; NULL for an unknown action',
          f' * (and for the response of a 2.1 SEND message, which has none). */',
          f'const ocpp_schema_node *{prefix}_schema(const char *action, bool request);',
          f'/* 0 when `payload` conforms; -1 with err (an unknown action: OCPP_ERR_NOT_IMPLEMENTED),',
          f' * its code spelled as {prefix}_dialect spells it (so are the _decode functions\'). */',
          f'int {prefix}_validate(const char *action, bool request, const json_t *payload, ocpp_error *err);',
          '',
          '/* <message>_schema: the message\'s node (a constant address, nothing to relocate). */']
    for (a, suffix), (cname, idx) in roots.items():
        h.append(f'#define {cname}_schema (&{T}.nodes[{idx}])')
        h.append(f'int {cname}_decode(const json_t *v, {cname} *out, ocpp_error *err);')
        h.append(f'json_t *{cname}_encode(const {cname} *in);')
        h.append(f'void {cname}_free({cname} *obj);')
    h += ['', '#endif', '']
    c = [f'/* Generated by tools/ocpp-gen/ocpp_gen.py from {src.split("/")[-1]}: do not edit. */',
         f'#include "{prefix}_messages.h"', '', '#include <stdio.h>', '#include <string.h>', '']
    c += [f'_Static_assert(offsetof({prefix}_schema_table, nodes) == sizeof(ocpp_schema_table_hdr),',
          '               "the nodes follow the header");', '']
    c += [f'const {prefix}_schema_table {T} = {{',
          f'    .hdr = {{.props = offsetof({prefix}_schema_table, props), '
          f'.words = offsetof({prefix}_schema_table, words),',
          f'            .limits = offsetof({prefix}_schema_table, limits), '
          f'.strings = offsetof({prefix}_schema_table, strings)}},',
          '    .nodes = {']
    c += [f'        {n},' for n in g.nodes]
    c += ['    },', '    .props = {']
    c += [f'        {r},' for r in g.props]
    c += ['    },', '    .words = {']
    for i in range(0, len(g.words), 12):
        c.append('        ' + ' '.join(f'{w},' for w in g.words[i:i + 12]))
    c += ['    },', '    .limits = {']
    c += [f'        {l},' for l in g.limits]
    c += ['    },', '    .actions = {' + ', '.join(str(x) for x in action_at) + '},']
    c += ['    .requests = {' + ', '.join(str(roots[(a, 'Request')][1]) for a in actions) + '},']
    c += ['    .responses = {' + ', '.join(
        str(roots[(a, 'Response')][1]) if (a, 'Response') in roots else 'UINT16_MAX'
        for a in actions) + '},']
    c += ['    .strings =']
    c += [f'        {c_string(t)} "\\0"' for t in g.pool[:-1]]
    c += [f'        {c_string(g.pool[-1])},', '};', '']
    c += g.enum_fns
    c += ['']
    for (a, suffix), (cname, idx) in roots.items():
        node = f'&{T}.nodes[{idx}]'
        c += [f'int {cname}_decode(const json_t *v, {cname} *out, ocpp_error *err) {{',
              f'  int rc = ocpp_schema_decode({node}, v, out, err);',
              f'  if (rc != 0) ocpp_dialect_spell(&{prefix}_dialect, err);', '  return rc;', '}',
              f'json_t *{cname}_encode(const {cname} *in) {{ return ocpp_schema_encode({node}, in); }}',
              f'void {cname}_free({cname} *obj) {{ ocpp_schema_free({node}, obj); }}']
    c += ['',
          f'const char *{prefix}_action_name({prefix}_action a) {{',
          f'  return (unsigned)a < {P}_ACTION_COUNT ? {T}.strings + {T}.actions[a] : "";', '}', '',
          f'int {prefix}_action_parse(const char *name, {prefix}_action *out) {{',
          f'  for (int i = 0; name && i < {P}_ACTION_COUNT; i++)',
          f'    if (!strcmp({T}.strings + {T}.actions[i], name)) {{',
          f'      *out = ({prefix}_action)i;', '      return 0;', '    }', '  return -1;', '}', '',
          f'bool {prefix}_action_known(const char *name) {{',
          f'  {prefix}_action a;', f'  return {prefix}_action_parse(name, &a) == 0;', '}', '',
          f'const ocpp_schema_node *{prefix}_schema(const char *action, bool request) {{',
          f'  {prefix}_action a;',
          f'  if ({prefix}_action_parse(action, &a) != 0) return NULL;',
          f'  uint16_t i = request ? {T}.requests[a] : {T}.responses[a];',
          f'  return i == UINT16_MAX ? NULL : &{T}.nodes[i];', '}', '',
          f'int {prefix}_validate(const char *action, bool request, const json_t *payload, ocpp_error *err) {{',
          f'  const ocpp_schema_node *s = {prefix}_schema(action, request);',
          '  if (!s) {',
          '    if (err) {',
          '      err->kind = OCPP_ERR_NOT_IMPLEMENTED;',
          f'      ocpp_dialect_spell(&{prefix}_dialect, err);',
          f'      if ({prefix}_action_known(action))',
          '        snprintf(err->text, sizeof err->text, "%.60s has no response (a SEND message)", action);',
          '      else',
          '        snprintf(err->text, sizeof err->text, "%.60s is not an action of this OCPP version", action ? action : "(none)");',
          '    }',
          '    return -1;', '  }',
          '  int rc = ocpp_schema_validate(s, payload, err);',
          f'  if (rc != 0) ocpp_dialect_spell(&{prefix}_dialect, err);', '  return rc;', '}', '']
    with open(f'{out}/{prefix}_messages.h', 'w', encoding='utf-8') as f:
        f.write('\n'.join(h))
    with open(f'{out}/{prefix}_messages.c', 'w', encoding='utf-8') as f:
        f.write('\n'.join(c))


if __name__ == '__main__':
    main()
