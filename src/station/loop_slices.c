/*
 * A queue of work run in slices of the loop's turns (loop_slices.h).
 */
#include "station/loop_slices.h"

static struct {
  uv_loop_t *loop;
  uv_check_t check; /* runs a slice after the turn's poll */
  uv_idle_t idle;   /* while work is queued: the poll does not wait */
  loop_slice *head, *tail;
  size_t count;
  uint64_t budget_ns;
  uint64_t turns;
  bool running; /* the handles are on, work queued */
  bool held;    /* loop_slices_hold */
} q;

static void idle_noop(uv_idle_t *h) { (void)h; }
static void slice_cb(uv_check_t *h);

static void halt(void) {
  if (!q.running) return;
  uv_idle_stop(&q.idle);
  uv_check_stop(&q.check);
  q.running = false;
}

/* The handles on while work is queued and the slices are not held. */
static void run_handles(void) {
  if (q.running || q.held || !q.head) return;
  uv_check_start(&q.check, slice_cb);
  uv_idle_start(&q.idle, idle_noop);
  q.running = true;
}

void loop_slices_hold(bool held) {
  if (!q.loop || q.held == held) return;
  q.held = held;
  if (held)
    halt();
  else
    run_handles();
}

static loop_slice *pop(void) {
  loop_slice *it = q.head;
  if (!it) return NULL;
  q.head = it->next;
  if (q.head)
    q.head->prev = NULL;
  else
    q.tail = NULL;
  it->next = NULL;
  it->queued = false;
  q.count--;
  return it;
}

static void slice_cb(uv_check_t *h) {
  (void)h;
  uint64_t start = uv_hrtime();
  q.turns++;
  loop_slice *it;
  /* at least one item per turn, then as many as the budget allows */
  do {
    if (!(it = pop())) break;
    it->run(it);
  } while (q.head && uv_hrtime() - start < q.budget_ns);
  if (!q.head) halt();
}

int loop_slices_start(uv_loop_t *loop, unsigned budget_us) {
  if (q.loop) return q.loop == loop ? 0 : -1;
  if (uv_check_init(loop, &q.check) != 0) return -1;
  if (uv_idle_init(loop, &q.idle) != 0) {
    uv_close((uv_handle_t *)&q.check, NULL);
    return -1;
  }
  /* active only while work is queued: queued work keeps the loop alive */
  q.loop = loop;
  q.budget_ns = (uint64_t)budget_us * 1000u;
  q.turns = 0;
  q.held = false;
  return 0;
}

bool loop_slices_add(uv_loop_t *loop, loop_slice *item, loop_slice_fn run) {
  if (!q.loop || q.loop != loop) return false;
  item->run = run;
  if (item->queued) return true;
  item->next = NULL;
  item->prev = q.tail;
  item->queued = true;
  if (q.tail)
    q.tail->next = item;
  else
    q.head = item;
  q.tail = item;
  q.count++;
  run_handles();
  return true;
}

void loop_slices_cancel(loop_slice *item) {
  if (!item->queued) return;
  if (item->prev)
    item->prev->next = item->next;
  else
    q.head = item->next;
  if (item->next)
    item->next->prev = item->prev;
  else
    q.tail = item->prev;
  q.count--;
  item->next = item->prev = NULL;
  item->queued = false;
  if (!q.head) halt();
}

size_t loop_slices_pending(void) { return q.count; }

uint64_t loop_slices_turns(void) { return q.turns; }

void loop_slices_stop(void) {
  if (!q.loop) return;
  loop_slice *it;
  while ((it = pop())) it->run(it);
  halt();
  uv_close((uv_handle_t *)&q.check, NULL);
  uv_close((uv_handle_t *)&q.idle, NULL);
  q.loop = NULL;
}
