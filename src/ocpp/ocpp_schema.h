/*
 * Table-driven JSON schema checks and typed (de)coding for OCPP messages.
 *
 * tools/ocpp-gen/ocpp_gen.py reads the official OCPP JSON schemas
 * (schemas/ocpp/) and emits, per message, a tree of ocpp_schema_node entries
 * (in one pointer-free table per version, below) and a C struct whose
 * members the table locates with offsetof. This file
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
  OCPP_T_ENUM,    /* a string of a fixed set: int (index of the value) in the struct */
  OCPP_T_INTEGER, /* int64_t */
  OCPP_T_NUMBER,  /* double */
  OCPP_T_BOOLEAN, /* bool */
  OCPP_T_ANY,     /* a member without a type (2.x DataTransfer.data): json_t *, owned */
} ocpp_schema_type;

typedef enum { OCPP_FMT_NONE, OCPP_FMT_DATE_TIME, OCPP_FMT_URI } ocpp_schema_format;

/* The tables are pointer-free so that they stay in .rodata: shared and clean,
 * nothing for the dynamic loader to relocate at start. A version's table is
 * one const struct (generated: <version>_schema_table) that begins with an
 * ocpp_schema_table_hdr followed by its array of nodes; a node finds its
 * table from its own index (`self`), the members of an object, the values of
 * an enum and the limits of a number are indexes into the table's arrays,
 * names are offsets into its string pool. Structurally identical nodes are
 * stored once per version. */
typedef struct {
  uint32_t props, words, limits, strings; /* byte offsets from the table's start */
} ocpp_schema_table_hdr;

typedef struct ocpp_schema_node ocpp_schema_node;

typedef struct {
  uint32_t name;         /* offset in the string pool */
  uint32_t offset;       /* of the member in the parent struct */
  uint32_t has_offset;   /* of `bool has_<name>`, for optional members */
  uint32_t count_offset; /* arrays: of `size_t <name>_count` */
  uint16_t node;         /* index in the table's nodes */
  uint8_t required;
} ocpp_schema_prop;

typedef struct {
  double minimum, maximum, multiple_of; /* multiple_of 0: none */
} ocpp_schema_limits;

enum {
  OCPP_SCHEMA_ADDITIONAL = 1, /* objects: additionalProperties */
  OCPP_SCHEMA_MINIMUM = 2,    /* numbers: limits.minimum applies */
  OCPP_SCHEMA_MAXIMUM = 4,    /* numbers: limits.maximum applies */
  OCPP_SCHEMA_LIMITS = 8,     /* numbers: `first` is an index into the limits */
};

struct ocpp_schema_node {
  uint8_t type;   /* ocpp_schema_type */
  uint8_t format; /* strings: ocpp_schema_format */
  uint8_t flags;  /* OCPP_SCHEMA_* */
  uint16_t self;  /* this node's index in its table's nodes */
  uint16_t count; /* objects: members; enums: values */
  uint32_t first; /* objects: first member; enums: first value; arrays: the items' node;
                     numbers: limits (with OCPP_SCHEMA_LIMITS) */
  uint32_t size;  /* sizeof the struct (objects) or of the value */
  int32_t min_items, max_items; /* arrays; -1: none */
  int32_t max_length;           /* strings; -1: none (stored as an allocated char *) */
};

/* Reading a node's parts (for walkers outside this file, e.g. the tests). */
typedef struct {
  const char *name;
  const ocpp_schema_node *node;
  bool required;
} ocpp_schema_member_info;
/* Member i (< node->count) of an object node. */
ocpp_schema_member_info ocpp_schema_member_at(const ocpp_schema_node *object, size_t i);
/* The node of an array's items. */
const ocpp_schema_node *ocpp_schema_items(const ocpp_schema_node *array);
/* Value i of an enum node; NULL past its last one. */
const char *ocpp_schema_enum_value(const ocpp_schema_node *e, size_t i);
/* A number's limits (all 0 when it has none); which of minimum and maximum
 * apply: node->flags & OCPP_SCHEMA_MINIMUM, & OCPP_SCHEMA_MAXIMUM. */
ocpp_schema_limits ocpp_schema_number_limits(const ocpp_schema_node *n);

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
