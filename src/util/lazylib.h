/*
 * Shared libraries opened at their first use (dlopen) instead of linked
 * (issue 15). A library that only some configurations need (libmodbus for a
 * Modbus meter or server, libmosquitto for MQTT, libqrencode for a QR code,
 * libgpiod for the Linux HAL's GPIO lines, libpcsclite for a PC/SC reader)
 * costs every station its mapping, its relocations (private dirty pages) and
 * its start-up time when it is linked; opened lazily, only the stations that
 * use it pay, once.
 *
 * One library is one lazylib: its file (the soname), its Debian package (for
 * the error), the names of the functions borne calls and a slot per name. A
 * wrapper file (util/lazy_<lib>.c, hal/lazy_*.c, ...) defines those functions
 * under their own names with LAZYLIB_WRAPPERS, so that the callers keep
 * calling modbus_connect() etc. unchanged: the wrapper loads the library at
 * the first call and forwards. The library's types and constants still come
 * from its header at build time; the library is not linked.
 *
 * Never unloaded (no dlclose): the libraries keep global state (libmosquitto's
 * lib_init, OpenSSL's handlers installed by it) that must not point into
 * unmapped code. A library that cannot be loaded (not installed, too old)
 * makes each wrapper return its failure value with errno = ENOSYS; the next
 * call tries again. Thread-safe (Modbus polling runs on libuv's pool).
 */
#ifndef BORNE_UTIL_LAZYLIB_H
#define BORNE_UTIL_LAZYLIB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
  const char *file;         /* soname: "libmodbus.so.5" */
  const char *package;      /* Debian package, for the error: "libmodbus5" */
  const char *const *names; /* functions resolved with dlsym */
  void **fns;               /* one slot per name */
  size_t count;
  pthread_mutex_t lock;
  atomic_bool loaded;
  const char *file_override; /* tests: another file to open (lazylib_set_file) */
} lazylib;

/* Load the library and every function (once); true when loaded. false with
 * the reason in why ("cannot load libmodbus.so.5 (Debian package libmodbus5):
 * ..."); nothing kept, the next call tries again. why may be NULL. */
bool lazylib_load(lazylib *l, char *why, size_t whylen);
/* Whether it is loaded (no attempt). */
bool lazylib_loaded(lazylib *l);
/* The function in slot idx, the library loaded first if needed; NULL when it
 * cannot be loaded (errno = ENOSYS, the reason logged as an error). */
void *lazylib_fn(lazylib *l, size_t idx);
/* Tests only: open `file` instead (NULL: the soname). No effect once loaded. */
void lazylib_set_file(lazylib *l, const char *file);

/* The libraries borned opens this way (util/lazy_<name>.c). */
extern lazylib lazy_gpiod, lazy_modbus, lazy_mosquitto, lazy_pcsc, lazy_qrencode;

/* A wrapper file lists its functions as
 *   #define FNS(F, V) \
 *     F(int, modbus_connect, (modbus_t * ctx), (ctx), -1) \
 *     V(modbus_free, (modbus_t * ctx), (ctx))
 * (F: returns a value, with the value returned when the library is missing;
 * V: returns nothing) and then writes
 *   LAZYLIB_DEFINE(lazy_modbus, "libmodbus.so.5", "libmodbus5", FNS)
 * which defines `lazylib lazy_modbus` and every function of the list. */
#define LAZYLIB_IDX_F(ret, name, params, args, fail) lazylib_idx_##name,
#define LAZYLIB_IDX_V(name, params, args) lazylib_idx_##name,
#define LAZYLIB_NAME_F(ret, name, params, args, fail) #name,
#define LAZYLIB_NAME_V(name, params, args) #name,
#define LAZYLIB_WRAP_F(ret, name, params, args, fail)                                              \
  ret name params {                                                                                \
    void *p_ = lazylib_fn(&LAZYLIB_SELF, lazylib_idx_##name);                                      \
    if (!p_) return fail;                                                                          \
    ret(*f_) params;                                                                               \
    memcpy(&f_, &p_, sizeof f_); /* POSIX: dlsym's pointer holds the function's address */         \
    return f_ args;                                                                                \
  }
#define LAZYLIB_WRAP_V(name, params, args)                                                         \
  void name params {                                                                               \
    void *p_ = lazylib_fn(&LAZYLIB_SELF, lazylib_idx_##name);                                      \
    if (!p_) return;                                                                               \
    void(*f_) params;                                                                              \
    memcpy(&f_, &p_, sizeof f_);                                                                   \
    f_ args;                                                                                       \
  }
/* LAZYLIB_SELF must be #defined to the lazylib's name before LAZYLIB_DEFINE. */
#define LAZYLIB_DEFINE(var, file_, package_, FNS)                                                  \
  enum { FNS(LAZYLIB_IDX_F, LAZYLIB_IDX_V) lazylib_count_ };                                       \
  static const char *const var##_names[] = {FNS(LAZYLIB_NAME_F, LAZYLIB_NAME_V)};                  \
  static void *var##_fns[lazylib_count_];                                                          \
  lazylib var = {.file = file_,                                                                    \
                 .package = package_,                                                              \
                 .names = var##_names,                                                             \
                 .fns = var##_fns,                                                                 \
                 .count = lazylib_count_,                                                          \
                 .lock = PTHREAD_MUTEX_INITIALIZER};                                               \
  FNS(LAZYLIB_WRAP_F, LAZYLIB_WRAP_V)

#endif
