/*
 * Table-driven JSON schema checks and typed (de)coding for OCPP messages.
 *
 * tools/ocpp-gen/ocpp_gen.py reads the official OCPP JSON schemas
 * (schemas/ocpp/) and emits, per message, a tree of ocpp_schema_node tables
 * and a C struct whose members the tables locate with offsetof. This file
 * walks those tables: it validates a payload (the subset of JSON Schema
 * draft 7 the OCPP schemas use: type, properties, required,
 * additionalProperties, enum, maxLength, format date-time/uri, items,
 * minItems/maxItems, multipleOf, minimum/maximum; a member without a type
 * takes any JSON value), decodes a valid payload
 * into its struct, encodes a struct and frees what a decode allocated.
 *
 * Error kinds follow OCPP-J section 4.2.3 and the mapping of the reference
 * implementation (npm ocpp-rpc): a JSON type that does not match is
 * OCPP_ERR_TYPE_CONSTRAINT; a value outside its enum, too long, badly
 * formatted or an unknown member OCPP_ERR_PROPERTY_CONSTRAINT; a missing
 * required member or an array of the wrong size
 * OCPP_ERR_OCCURRENCE_CONSTRAINT; a payload that is not an object
 * OCPP_ERR_FORMAT. This walker knows no OCPP version: it fills err->kind and
 * err->text and leaves err->code empty; the generated <version>_validate and
 * _decode functions spell the code in their version (ocpp_version.h).
 */
#ifndef BORNE_OCPP_SCHEMA_H
#define BORNE_OCPP_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ocpp/ocpp_error.h"

typedef enum {
  OCPP_T_OBJECT,
  OCPP_T_ARRAY,
  OCPP_T_STRING,  /* char[max_length * 4 + 1] (UTF-8) in the struct, or char * without maxLength */
  OCPP_T_ENUM,    /* a string of a fixed set: int (index into enums) in the struct */
  OCPP_T_INTEGER, /* int64_t */
  OCPP_T_NUMBER,  /* double */
  OCPP_T_BOOLEAN, /* bool */
  OCPP_T_ANY,     /* a member without a type (2.x DataTransfer.data): json_t *, owned */
} ocpp_schema_type;

typedef enum { OCPP_FMT_NONE, OCPP_FMT_DATE_TIME, OCPP_FMT_URI } ocpp_schema_format;

typedef struct ocpp_schema_node ocpp_schema_node;

typedef struct {
  const char *name;
  const ocpp_schema_node *node;
  bool required;
  size_t offset;       /* of the member in the parent struct */
  size_t has_offset;   /* of `bool has_<name>`, for optional members */
  size_t count_offset; /* arrays: of `size_t <name>_count` */
} ocpp_schema_prop;

struct ocpp_schema_node {
  ocpp_schema_type type;
  /* objects */
  const ocpp_schema_prop *props;
  size_t prop_count;
  bool additional; /* additionalProperties */
  size_t size;     /* sizeof the struct (objects) or of one element (arrays: of items) */
  /* arrays */
  const ocpp_schema_node *items;
  long min_items, max_items; /* -1: none */
  /* strings */
  long max_length; /* -1: none (stored as an allocated char *) */
  ocpp_schema_format format;
  const char *const *enums;
  size_t enum_count;
  /* numbers */
  double multiple_of; /* 0: none */
  bool has_minimum, has_maximum;
  double minimum, maximum;
};

/* 0 when `v` conforms to `node`; else -1 with err (kind and "path: why"). */
int ocpp_schema_validate(const ocpp_schema_node *node, const json_t *v, ocpp_error *err);
/* Validates, then fills *out (a struct of node->size bytes, zeroed first).
 * On failure nothing is left allocated. */
int ocpp_schema_decode(const ocpp_schema_node *node, const json_t *v, void *out, ocpp_error *err);
/* A new JSON object from a struct; NULL if an enum index is out of range. */
json_t *ocpp_schema_encode(const ocpp_schema_node *node, const void *in);
/* Frees what decode allocated (strings without maxLength, arrays). */
void ocpp_schema_free(const ocpp_schema_node *node, void *obj);
/* The node of member `name` of an object node (a nested type of a message,
 * to decode or encode it on its own); NULL when there is none. */
const ocpp_schema_node *ocpp_schema_member(const ocpp_schema_node *object, const char *name);

/* RFC 3339 date-time as JSON Schema "date-time" means it. */
bool ocpp_schema_is_date_time(const char *s);

/* Defines `static bool pred(const char *s, size_t n)`: whether the n bytes at s
 * are one of a schema enum's values, read through the generated
 * <type>_e_name function (NULL past the last value), so no list of the
 * schema's words is typed again by hand. Needs <string.h>. */
#define OCPP_ENUM_MEMBER_FN(pred, name_fn)                                                         \
  static bool pred(const char *s, size_t n) {                                                      \
    const char *v;                                                                                 \
    for (int i = 0; s && (v = name_fn(i)) != NULL; i++)                                            \
      if (strlen(v) == n && strncmp(v, s, n) == 0) return true;                                    \
    return false;                                                                                  \
  }

#endif
