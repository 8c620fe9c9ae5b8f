/* Shared libraries opened at their first use (see lazylib.h). */
#include "util/lazylib.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/log.h"

bool lazylib_loaded(lazylib *l) { return atomic_load_explicit(&l->loaded, memory_order_acquire); }

void lazylib_set_file(lazylib *l, const char *file) {
  pthread_mutex_lock(&l->lock);
  if (!atomic_load(&l->loaded)) l->file_override = file;
  pthread_mutex_unlock(&l->lock);
}

bool lazylib_load(lazylib *l, char *why, size_t whylen) {
  if (why && whylen) why[0] = '\0';
  if (lazylib_loaded(l)) return true;
  pthread_mutex_lock(&l->lock);
  if (atomic_load(&l->loaded)) {
    pthread_mutex_unlock(&l->lock);
    return true;
  }
  const char *file = l->file_override ? l->file_override : l->file;
  char detail[300] = "";
  void *h = dlopen(file, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char *e = dlerror();
    snprintf(detail, sizeof detail, "%s", e ? e : file);
  }
  for (size_t i = 0; h && i < l->count; i++) {
    void *p = dlsym(h, l->names[i]);
    if (!p) {
      snprintf(detail, sizeof detail, "it has no %s (too old?)", l->names[i]);
      dlclose(h); /* nothing of it ran yet */
      h = NULL;
      break;
    }
    l->fns[i] = p;
  }
  if (h) atomic_store_explicit(&l->loaded, true, memory_order_release);
  pthread_mutex_unlock(&l->lock);
  if (!h && why)
    snprintf(why, whylen, "cannot load %s (Debian package %s): %s", l->file, l->package, detail);
  return h != NULL;
}

void *lazylib_fn(lazylib *l, size_t idx) {
  if (!lazylib_loaded(l)) {
    char why[400];
    if (!lazylib_load(l, why, sizeof why)) {
      log_error("lazylib", "%s", why);
      errno = ENOSYS;
      return NULL;
    }
  }
  return l->fns[idx];
}
