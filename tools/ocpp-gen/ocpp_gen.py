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


class Gen:
    def __init__(self, prefix):
        self.prefix = prefix
        self.types = []   # C type definitions, dependencies first
        self.tables = []  # C table definitions, dependencies first
        self.counter = 0

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

    def fresh(self, base):
        self.counter += 1
        return f'{self.prefix}_n{self.counter}_{c_ident(base)[:40]}'

    # Returns (c_type, array_suffix, table_name) for one schema node.
    def node(self, schema, defs, cname, path, depth=0):
        schema = self.resolve(schema, defs)
        if depth > 24:
            raise SystemExit(f'ocpp_gen: {cname}: nesting too deep (a recursive schema?)')
        for key in schema:
            if key not in KNOWN_KEYWORDS:
                raise SystemExit(f'ocpp_gen: {cname}: unsupported schema keyword {key!r}')
        t = schema.get('type')
        table = self.fresh(path or cname)
        if t == 'object':
            props = schema.get('properties', {})
            required = set(schema.get('required', []))
            members, prop_rows = [], []
            for name, sub in props.items():
                sub_r = self.resolve(sub, defs)
                sub_c = f'{cname}_{c_ident(name)}'
                if sub_r.get('type') == 'array':
                    item_type, item_suffix, item_table = self.node(sub_r['items'], defs, sub_c, name, depth + 1)
                    if item_suffix:
                        # array of fixed strings: a struct wrapper keeps pointer arithmetic simple
                        wrap = f'{sub_c}_item'
                        self.types.append(f'typedef struct {{ char value{item_suffix}; }} {wrap};')
                        item_type = wrap
                    arr_table = self.fresh(name + '_array')
                    self.tables.append(
                        f'static const ocpp_schema_node {arr_table} = {{.type = OCPP_T_ARRAY, '
                        f'.items = &{item_table}, .min_items = {sub_r.get("minItems", -1)}, '
                        f'.max_items = {sub_r.get("maxItems", -1)}, .max_length = -1}};')
                    members.append(f'  {item_type} *{name};')
                    members.append(f'  size_t {name}_count;')
                    sub_table = arr_table
                    count_off = f'offsetof({cname}, {name}_count)'
                else:
                    sub_type, sub_suffix, sub_table = self.node(sub, defs, sub_c, name, depth + 1)
                    members.append(f'  {sub_type} {name}{sub_suffix};')
                    count_off = '0'
                req = name in required
                has_off = '0'
                if not req:
                    members.append(f'  bool has_{name};')
                    has_off = f'offsetof({cname}, has_{name})'
                prop_rows.append(f'    {{"{name}", &{sub_table}, {"true" if req else "false"}, '
                                 f'offsetof({cname}, {name}), {has_off}, {count_off}}},')
            if not members:
                members.append('  char empty_; /* the message has no members */')
            self.types.append('typedef struct {\n' + '\n'.join(members) + f'\n}} {cname};')
            props_table = 'NULL'
            if prop_rows:
                props_table = table + '_props'
                self.tables.append(f'static const ocpp_schema_prop {props_table}[] = {{\n' +
                                   '\n'.join(prop_rows) + '\n};')
            additional = schema.get('additionalProperties', True) is not False
            self.tables.append(
                f'static const ocpp_schema_node {table} = {{.type = OCPP_T_OBJECT, '
                f'.props = {props_table}, .prop_count = {len(prop_rows)}, '
                f'.additional = {"true" if additional else "false"}, .size = sizeof({cname}), '
                f'.min_items = -1, .max_items = -1, .max_length = -1}};')
            return cname, '', table
        if t == 'string' and 'enum' in schema:
            ename = f'{cname}_e'
            values = schema['enum']
            self.types.append('typedef enum {\n' + '\n'.join(
                f'  {cname}_{c_ident(v)} = {i},' for i, v in enumerate(values)) + f'\n}} {ename};\n'
                f'/* The schema\'s string for v; NULL when v is not one of the values. */\n'
                f'const char *{ename}_name({ename} v);')
            names = table + '_names'
            self.tables.append(f'static const char *const {names}[] = {{' +
                               ', '.join(json.dumps(v) for v in values) + '};')
            self.tables.append(f'const char *{ename}_name({ename} v) {{\n'
                               f'  return (unsigned)v < {len(values)}u ? {names}[v] : NULL;\n}}')
            self.tables.append(
                f'static const ocpp_schema_node {table} = {{.type = OCPP_T_ENUM, .size = sizeof(int), '
                f'.enums = {names}, .enum_count = {len(values)}, .min_items = -1, '
                f'.max_items = -1, .max_length = -1}};')
            return ename, '', table
        if t == 'string':
            fmt = {'date-time': 'OCPP_FMT_DATE_TIME', 'uri': 'OCPP_FMT_URI'}.get(
                schema.get('format') if isinstance(schema.get('format'), str) else None,
                'OCPP_FMT_NONE')
            ml = schema.get('maxLength')
            if ml is not None:
                self.tables.append(
                    f'static const ocpp_schema_node {table} = {{.type = OCPP_T_STRING, '
                    f'.size = {ml} * 4 + 1, .max_length = {ml}, .format = {fmt}, .min_items = -1, '
                    f'.max_items = -1}};')
                return 'char', f'[{ml} * 4 + 1]', table
            self.tables.append(
                f'static const ocpp_schema_node {table} = {{.type = OCPP_T_STRING, '
                f'.size = sizeof(char *), .max_length = -1, .format = {fmt}, .min_items = -1, '
                f'.max_items = -1}};')
            return 'char *', '', table
        if t in ('integer', 'number'):
            extra = ''
            if 'multipleOf' in schema:
                extra += f', .multiple_of = {schema["multipleOf"]!r}'
            if 'minimum' in schema:
                extra += f', .has_minimum = true, .minimum = {schema["minimum"]!r}'
            if 'maximum' in schema:
                extra += f', .has_maximum = true, .maximum = {schema["maximum"]!r}'
            ctype = 'int64_t' if t == 'integer' else 'double'
            kind = 'OCPP_T_INTEGER' if t == 'integer' else 'OCPP_T_NUMBER'
            self.tables.append(
                f'static const ocpp_schema_node {table} = {{.type = {kind}, .size = sizeof({ctype}), '
                f'.min_items = -1, .max_items = -1, .max_length = -1{extra}}};')
            return ctype, '', table
        if t == 'boolean':
            self.tables.append(
                f'static const ocpp_schema_node {table} = {{.type = OCPP_T_BOOLEAN, '
                f'.size = sizeof(bool), .min_items = -1, .max_items = -1, .max_length = -1}};')
            return 'bool', '', table
        if t is None and not any(k in schema for k in ('properties', 'items', 'enum', 'maxLength')):
            # no type and no constraint (2.x DataTransfer.data): any JSON value, kept as json_t *
            self.tables.append(
                f'static const ocpp_schema_node {table} = {{.type = OCPP_T_ANY, '
                f'.size = sizeof(json_t *), .min_items = -1, .max_items = -1, .max_length = -1}};')
            return 'json_t *', '', table
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
            _, _, table = g.node(s, s.get('definitions', {}), cname, '')
            roots[(a, suffix)] = (cname, table)
    P = prefix.upper()
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
          '']
    for (a, suffix), (cname, _) in roots.items():
        h.append(f'extern const ocpp_schema_node *const {cname}_schema;')
        h.append(f'int {cname}_decode(const json_t *v, {cname} *out, ocpp_error *err);')
        h.append(f'json_t *{cname}_encode(const {cname} *in);')
        h.append(f'void {cname}_free({cname} *obj);')
    h += ['', '#endif', '']
    c = [f'/* Generated by tools/ocpp-gen/ocpp_gen.py from {src.split("/")[-1]}: do not edit. */',
         f'#include "{prefix}_messages.h"', '', '#include <string.h>', '']
    c += g.tables
    c += ['', f'static const char *const action_names[] = {{']
    c += [f'    "{a}",' for a in actions]
    c += ['};', '']
    c += [f'static const ocpp_schema_node *const request_schemas[] = {{']
    c += [f'    &{roots[(a, "Request")][1]},' for a in actions]
    c += ['};', f'static const ocpp_schema_node *const response_schemas[] = {{']
    c += [f'    &{roots[(a, "Response")][1]},' if (a, 'Response') in roots else '    NULL, /* SEND: no response */'
          for a in actions]
    c += ['};', '']
    for (a, suffix), (cname, table) in roots.items():
        c += [f'const ocpp_schema_node *const {cname}_schema = &{table};',
              f'int {cname}_decode(const json_t *v, {cname} *out, ocpp_error *err) {{',
              f'  int rc = ocpp_schema_decode(&{table}, v, out, err);',
              f'  if (rc != 0) ocpp_dialect_spell(&{prefix}_dialect, err);', '  return rc;', '}',
              f'json_t *{cname}_encode(const {cname} *in) {{ return ocpp_schema_encode(&{table}, in); }}',
              f'void {cname}_free({cname} *obj) {{ ocpp_schema_free(&{table}, obj); }}']
    c += ['',
          f'const char *{prefix}_action_name({prefix}_action a) {{',
          f'  return (unsigned)a < {P}_ACTION_COUNT ? action_names[a] : "";', '}', '',
          f'int {prefix}_action_parse(const char *name, {prefix}_action *out) {{',
          f'  for (int i = 0; name && i < {P}_ACTION_COUNT; i++)',
          '    if (!strcmp(action_names[i], name)) {',
          f'      *out = ({prefix}_action)i;', '      return 0;', '    }', '  return -1;', '}', '',
          f'bool {prefix}_action_known(const char *name) {{',
          f'  {prefix}_action a;', f'  return {prefix}_action_parse(name, &a) == 0;', '}', '',
          f'const ocpp_schema_node *{prefix}_schema(const char *action, bool request) {{',
          f'  {prefix}_action a;',
          f'  if ({prefix}_action_parse(action, &a) != 0) return NULL;',
          '  return request ? request_schemas[a] : response_schemas[a];', '}', '',
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
    c.insert(3, '#include <stdio.h>')
    with open(f'{out}/{prefix}_messages.h', 'w', encoding='utf-8') as f:
        f.write('\n'.join(h))
    with open(f'{out}/{prefix}_messages.c', 'w', encoding='utf-8') as f:
        f.write('\n'.join(c))


if __name__ == '__main__':
    main()
