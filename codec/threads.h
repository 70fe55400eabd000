/* Per-call thread counts without global state: OpenMP's thread-count ICV
 * belongs to the calling thread, so setting it for the length of a call and
 * restoring it after leaves other threads (and the caller) untouched. */
#ifndef E2EC_THREADS_H
#define E2EC_THREADS_H

#include <omp.h>

static inline int threads_enter(int threads) {
    int saved = omp_get_max_threads();
    if (threads > 0) omp_set_num_threads(threads);
    return saved;
}
static inline void threads_leave(int saved) { omp_set_num_threads(saved); }

#endif
