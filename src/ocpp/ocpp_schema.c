/*
 * Walks the generated schema tables (see ocpp_schema.h).
 */
#include "ocpp/ocpp_schema.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_MAX_LEN 160

/* ---------- the table a node is in (see ocpp_schema.h) ---------- */

static const char *table_of(const ocpp_schema_node *n) {
  return (const char *)(n - n->self) - sizeof(ocpp_schema_table_hdr);
}

static const ocpp_schema_table_hdr *hdr_of(const ocpp_schema_node *n) {
  return (const ocpp_schema_table_hdr *)(const void *)table_of(n);
}

static const ocpp_schema_node *node_at(const ocpp_schema_node *n, size_t i) {
  return n - n->self + i;
}

static const char *string_at(const ocpp_schema_node *n, uint32_t offset) {
  return table_of(n) + hdr_of(n)->strings + offset;
}

static const ocpp_schema_prop *props_of(const ocpp_schema_node *n) {
  return (const ocpp_schema_prop *)(const void *)(table_of(n) + hdr_of(n)->props) + n->first;
}

static const char *prop_name(const ocpp_schema_node *n, const ocpp_schema_prop *p) {
  return string_at(n, p->name);
}

static const ocpp_schema_node *prop_node(const ocpp_schema_node *n, const ocpp_schema_prop *p) {
  return node_at(n, p->node);
}

static const char *enum_value(const ocpp_schema_node *n, size_t i) {
  const uint32_t *words = (const uint32_t *)(const void *)(table_of(n) + hdr_of(n)->words);
  return string_at(n, words[n->first + i]);
}

ocpp_schema_limits ocpp_schema_number_limits(const ocpp_schema_node *n) {
  ocpp_schema_limits none = {0, 0, 0};
  if (!(n->flags & OCPP_SCHEMA_LIMITS)) return none;
  return ((const ocpp_schema_limits *)(const void *)(table_of(n) + hdr_of(n)->limits))[n->first];
}

ocpp_schema_member_info ocpp_schema_member_at(const ocpp_schema_node *object, size_t i) {
  const ocpp_schema_prop *p = &props_of(object)[i];
  return (ocpp_schema_member_info){prop_name(object, p), prop_node(object, p), p->required != 0};
}

const ocpp_schema_node *ocpp_schema_items(const ocpp_schema_node *array) {
  return node_at(array, array->first);
}

const char *ocpp_schema_enum_value(const ocpp_schema_node *e, size_t i) {
  return e->type == OCPP_T_ENUM && i < e->count ? enum_value(e, i) : NULL;
}

/* Where a value is in the payload: a chain of members and indexes up to the
 * payload, spelled as text ("meterValue[0].sampledValue") only when a value
 * fails: a valid payload, every call's case, formats nothing. */
typedef struct path_seg {
  const struct path_seg *up;
  const char *name; /* a member, or NULL: an index */
  size_t index;
} path_seg;

static void path_append(const path_seg *at, char *out) {
  if (at->up) path_append(at->up, out);
  size_t len = strlen(out);
  if (at->name)
    snprintf(out + len, PATH_MAX_LEN - len, "%s%s", len ? "." : "", at->name);
  else
    snprintf(out + len, PATH_MAX_LEN - len, "[%zu]", at->index);
}

/* The kind and text; the code is spelled by the version's generated
 * functions (ocpp_dialect_spell), this walker knows no version. */
static int fail(ocpp_error *err, ocpp_error_kind kind, const path_seg *at, const char *fmt, ...) {
  if (!err) return -1;
  err->kind = kind;
  err->code[0] = 0;
  char why[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  char path[PATH_MAX_LEN] = "";
  if (at) path_append(at, path);
  snprintf(err->text, sizeof err->text, "%s%s%s", path, path[0] ? ": " : "", why);
  return -1;
}

static bool digits(const char *s, int n) {
  for (int i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i])) return false;
  return true;
}

static int num2(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

/* RFC 3339 section 5.6: full-date "T" full-time, fractions optional, time
 * offset Z or +hh:mm. */
bool ocpp_schema_is_date_time(const char *s) {
  if (strlen(s) < 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
      !digits(s + 8, 2) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2) || s[13] != ':' ||
      !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
    return false;
  int month = num2(s + 5), day = num2(s + 8), hour = num2(s + 11), minute = num2(s + 14),
      second = num2(s + 17);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return false;
  const char *p = s + 19;
  if (*p == '.') {
    p++;
    if (!isdigit((unsigned char)*p)) return false;
    while (isdigit((unsigned char)*p)) p++;
  }
  if ((*p == 'Z' || *p == 'z') && p[1] == 0) return true;
  if ((*p == '+' || *p == '-') && digits(p + 1, 2) && p[3] == ':' && digits(p + 4, 2) && p[6] == 0)
    return num2(p + 1) <= 23 && num2(p + 4) <= 59;
  return false;
}

/* An absolute URI (RFC 3986): a scheme, ':', then no spaces or controls. */
static bool is_uri(const char *s) {
  if (!isalpha((unsigned char)s[0])) return false;
  const char *p = s;
  while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.') p++;
  if (*p != ':') return false;
  for (; *p; p++)
    if ((unsigned char)*p <= ' ' || *p == 0x7f) return false;
  return true;
}

static const char *type_name(ocpp_schema_type t) {
  static const char *const names[] = {"an object",  "an array", "a string",  "a string",
                                      "an integer", "a number", "a boolean", "any value"};
  return names[t];
}

static size_t utf8_length(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) n++;
  return n;
}

static int check(const ocpp_schema_node *n, const json_t *v, const path_seg *path, ocpp_error *err);

static int check_object(const ocpp_schema_node *n, const json_t *v, const path_seg *path,
                        ocpp_error *err) {
  const ocpp_schema_prop *props = props_of(n);
  size_t found = 0;
  for (size_t i = 0; i < n->count; i++) {
    const ocpp_schema_prop *p = &props[i];
    const char *name = prop_name(n, p);
    const json_t *m = json_object_get(v, name);
    found += m != NULL;
    if (!m) {
      if (p->required) {
        path_seg sub = {.up = path, .name = name};
        return fail(err, OCPP_ERR_OCCURRENCE_CONSTRAINT, &sub, "required member missing");
      }
      continue;
    }
    path_seg sub = {.up = path, .name = name};
    if (check(prop_node(n, p), m, &sub, err) != 0) return -1;
  }
  /* every member one of the properties (a key is there once): none unknown */
  if (!(n->flags & OCPP_SCHEMA_ADDITIONAL) && found != json_object_size(v)) {
    const char *key;
    const json_t *m;
    json_object_foreach((json_t *)v, key, m) {
      bool known = false;
      for (size_t i = 0; i < n->count && !known; i++) known = !strcmp(prop_name(n, &props[i]), key);
      if (!known) {
        path_seg sub = {.up = path, .name = key};
        /* OCPP-J 1.6 4.2.3: a payload that does not conform to the PDU's
         * structure is a formation (2.0.1: format) violation, not a value
         * out of its constraints */
        return fail(err, OCPP_ERR_FORMAT, &sub, "unknown member");
      }
    }
  }
  return 0;
}

static int check(const ocpp_schema_node *n, const json_t *v, const path_seg *path,
                 ocpp_error *err) {
  bool type_ok;
  switch (n->type) {
  case OCPP_T_OBJECT:
    type_ok = json_is_object(v);
    break;
  case OCPP_T_ARRAY:
    type_ok = json_is_array(v);
    break;
  case OCPP_T_STRING:
  case OCPP_T_ENUM:
    type_ok = json_is_string(v);
    break;
  case OCPP_T_INTEGER:
    /* JSON Schema: 3.0 is an integer too */
    type_ok =
        json_is_integer(v) || (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
                               fabs(json_real_value(v)) < 9.0e15);
    break;
  case OCPP_T_NUMBER:
    type_ok = json_is_number(v);
    break;
  case OCPP_T_ANY:
    type_ok = true;
    break;
  default:
    type_ok = json_is_boolean(v);
    break;
  }
  if (!type_ok)
    return fail(err, OCPP_ERR_TYPE_CONSTRAINT, path, "must be %s",
                type_name((ocpp_schema_type)n->type));
  switch (n->type) {
  case OCPP_T_OBJECT:
    return check_object(n, v, path, err);
  case OCPP_T_ARRAY: {
    size_t count = json_array_size(v);
    if (n->min_items >= 0 && count < (size_t)n->min_items)
      return fail(err, OCPP_ERR_OCCURRENCE_CONSTRAINT, path, "at least %ld items",
                  (long)n->min_items);
    if (n->max_items >= 0 && count > (size_t)n->max_items)
      return fail(err, OCPP_ERR_OCCURRENCE_CONSTRAINT, path, "at most %ld items",
                  (long)n->max_items);
    for (size_t i = 0; i < count; i++) {
      path_seg sub = {.up = path, .index = i};
      if (check(ocpp_schema_items(n), json_array_get(v, i), &sub, err) != 0) return -1;
    }
    return 0;
  }
  case OCPP_T_STRING: {
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v))
      return fail(err, OCPP_ERR_PROPERTY_CONSTRAINT, path, "contains a NUL character");
    if (n->max_length >= 0 && utf8_length(s) > (size_t)n->max_length)
      return fail(err, OCPP_ERR_PROPERTY_CONSTRAINT, path, "longer than %ld characters",
                  (long)n->max_length);
    if (n->format == OCPP_FMT_DATE_TIME && !ocpp_schema_is_date_time(s))
      return fail(err, OCPP_ERR_PROPERTY_CONSTRAINT, path, "not an RFC 3339 date-time");
    if (n->format == OCPP_FMT_URI && !is_uri(s))
      return fail(err, OCPP_ERR_PROPERTY_CONSTRAINT, path, "not a URI");
    return 0;
  }
  case OCPP_T_ENUM: {
    const char *s = json_string_value(v);
    for (size_t i = 0; i < n->count; i++)
      if (!strcmp(enum_value(n, i), s)) return 0;
    return fail(err, OCPP_ERR_PROPERTY_CONSTRAINT, path, "`%.40s` is not an allowed value", s);
  }
  case OCPP_T_INTEGER:
  case OCPP_T_NUMBER: {
    if (!(n->flags & OCPP_SCHEMA_LIMITS)) return 0;
    double d = json_number_value(v);
    ocpp_schema_limits l = ocpp_schema_number_limits(n);
    if ((n->flags & OCPP_SCHEMA_MINIMUM) && d < l.minimum)
      return fail(err, OCPP_ERR_PROPERTY_CONSTRAINT, path, "below %g", l.minimum);
    if ((n->flags & OCPP_SCHEMA_MAXIMUM) && d > l.maximum)
      return fail(err, OCPP_ERR_PROPERTY_CONSTRAINT, path, "above %g", l.maximum);
    if (l.multiple_of > 0) {
      double q = d / l.multiple_of;
      if (fabs(q - round(q)) > 1e-6)
        return fail(err, OCPP_ERR_PROPERTY_CONSTRAINT, path, "not a multiple of %g", l.multiple_of);
    }
    return 0;
  }
  default:
    return 0;
  }
}

int ocpp_schema_validate(const ocpp_schema_node *node, const json_t *v, ocpp_error *err) {
  if (node->type == OCPP_T_OBJECT && !json_is_object(v))
    return fail(err, OCPP_ERR_FORMAT, NULL, "the payload must be a JSON object");
  return check(node, v, NULL, err);
}

/* ---------- decode / encode / free (only on validated values) ---------- */

static void decode_value(const ocpp_schema_node *n, const json_t *v, void *at);

static void decode_object(const ocpp_schema_node *n, const json_t *v, char *base) {
  const ocpp_schema_prop *props = props_of(n);
  for (size_t i = 0; i < n->count; i++) {
    const ocpp_schema_prop *p = &props[i];
    const json_t *m = json_object_get(v, prop_name(n, p));
    if (!m) continue;
    if (!p->required) *(bool *)(base + p->has_offset) = true;
    const ocpp_schema_node *pn = prop_node(n, p);
    if (pn->type == OCPP_T_ARRAY) {
      const ocpp_schema_node *in = ocpp_schema_items(pn);
      size_t count = json_array_size(m);
      size_t elem = in->size;
      char *items = count ? calloc(count, elem) : NULL;
      for (size_t k = 0; k < count && items; k++)
        decode_value(in, json_array_get(m, k), items + k * elem);
      *(void **)(base + p->offset) = items;
      *(size_t *)(base + p->count_offset) = items ? count : 0;
    } else {
      decode_value(pn, m, base + p->offset);
    }
  }
}

static void decode_value(const ocpp_schema_node *n, const json_t *v, void *at) {
  switch (n->type) {
  case OCPP_T_OBJECT:
    decode_object(n, v, at);
    break;
  case OCPP_T_STRING:
    if (n->max_length >= 0)
      snprintf(at, n->size, "%s", json_string_value(v));
    else
      *(char **)at = strdup(json_string_value(v));
    break;
  case OCPP_T_ENUM:
    for (size_t i = 0; i < n->count; i++)
      if (!strcmp(enum_value(n, i), json_string_value(v))) *(int *)at = (int)i;
    break;
  case OCPP_T_INTEGER:
    /* exact for every JSON integer (a double has 53 bits); 3.0 is one too */
    *(int64_t *)at =
        json_is_integer(v) ? (int64_t)json_integer_value(v) : (int64_t)json_real_value(v);
    break;
  case OCPP_T_NUMBER:
    *(double *)at = json_number_value(v);
    break;
  case OCPP_T_BOOLEAN:
    *(bool *)at = json_is_true(v);
    break;
  case OCPP_T_ANY:
    *(json_t **)at = json_deep_copy(v);
    break;
  default:
    break; /* arrays only appear as members */
  }
}

int ocpp_schema_decode(const ocpp_schema_node *node, const json_t *v, void *out, ocpp_error *err) {
  memset(out, 0, node->size);
  if (ocpp_schema_validate(node, v, err) != 0) return -1;
  decode_value(node, v, out);
  return 0;
}

static json_t *encode_value(const ocpp_schema_node *n, const void *at);

static json_t *encode_object(const ocpp_schema_node *n, const char *base) {
  json_t *o = json_object();
  const ocpp_schema_prop *props = props_of(n);
  for (size_t i = 0; i < n->count; i++) {
    const ocpp_schema_prop *p = &props[i];
    if (!p->required && !*(const bool *)(base + p->has_offset)) continue;
    json_t *m;
    const ocpp_schema_node *pn = prop_node(n, p);
    if (pn->type == OCPP_T_ARRAY) {
      const ocpp_schema_node *in = ocpp_schema_items(pn);
      m = json_array();
      const char *items = *(char *const *)(base + p->offset);
      size_t count = *(const size_t *)(base + p->count_offset);
      for (size_t k = 0; k < count && m; k++) {
        json_t *e = encode_value(in, items + k * in->size);
        if (!e || json_array_append_new(m, e) != 0) {
          json_decref(m);
          m = NULL;
        }
      }
    } else {
      m = encode_value(pn, base + p->offset);
    }
    if (!m) {
      json_decref(o);
      return NULL;
    }
    json_object_set_new(o, prop_name(n, p), m);
  }
  return o;
}

static json_t *encode_value(const ocpp_schema_node *n, const void *at) {
  switch (n->type) {
  case OCPP_T_OBJECT:
    return encode_object(n, at);
  case OCPP_T_STRING: {
    const char *s = n->max_length >= 0 ? (const char *)at : *(char *const *)at;
    return json_string(s ? s : "");
  }
  case OCPP_T_ENUM: {
    int i = *(const int *)at;
    return i >= 0 && (size_t)i < n->count ? json_string(enum_value(n, (size_t)i)) : NULL;
  }
  case OCPP_T_INTEGER:
    return json_integer((json_int_t) * (const int64_t *)at);
  case OCPP_T_NUMBER:
    return json_real(*(const double *)at);
  case OCPP_T_BOOLEAN:
    return json_boolean(*(const bool *)at);
  case OCPP_T_ANY: {
    json_t *any = *(json_t *const *)at;
    return any ? json_deep_copy(any) : json_null();
  }
  default:
    return NULL;
  }
}

json_t *ocpp_schema_encode(const ocpp_schema_node *node, const void *in) {
  return encode_value(node, in);
}

static void free_value(const ocpp_schema_node *n, void *at);

static void free_object(const ocpp_schema_node *n, char *base) {
  const ocpp_schema_prop *props = props_of(n);
  for (size_t i = 0; i < n->count; i++) {
    const ocpp_schema_prop *p = &props[i];
    const ocpp_schema_node *pn = prop_node(n, p);
    if (pn->type == OCPP_T_ARRAY) {
      const ocpp_schema_node *in = ocpp_schema_items(pn);
      char *items = *(char **)(base + p->offset);
      size_t count = *(size_t *)(base + p->count_offset);
      for (size_t k = 0; k < count; k++) free_value(in, items + k * in->size);
      free(items);
      *(char **)(base + p->offset) = NULL;
      *(size_t *)(base + p->count_offset) = 0;
    } else {
      free_value(pn, base + p->offset);
    }
  }
}

static void free_value(const ocpp_schema_node *n, void *at) {
  if (n->type == OCPP_T_OBJECT) {
    free_object(n, at);
  } else if (n->type == OCPP_T_STRING && n->max_length < 0) {
    free(*(char **)at);
    *(char **)at = NULL;
  } else if (n->type == OCPP_T_ANY) {
    json_decref(*(json_t **)at);
    *(json_t **)at = NULL;
  }
}

void ocpp_schema_free(const ocpp_schema_node *node, void *obj) {
  if (obj) free_value(node, obj);
}

const ocpp_schema_node *ocpp_schema_member(const ocpp_schema_node *object, const char *name) {
  if (!object || object->type != OCPP_T_OBJECT) return NULL;
  const ocpp_schema_prop *props = props_of(object);
  for (size_t i = 0; i < object->count; i++)
    if (strcmp(prop_name(object, &props[i]), name) == 0) return prop_node(object, &props[i]);
  return NULL;
}
