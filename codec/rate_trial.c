/* One trial of e2ec_encode_target's search (rate_search.h): a whole encode,
 * decoded and measured as a user's decoder would. */
#include "rate_search.h"

double rc_bpp(const rc_search *s, const rc_trial *t) { return 8.0 * (double)t->bytes / s->voxels; }

e2ec_status rc_run_trial(rc_search *s, double x) {
    rc_trial *t = &s->t[s->count];
    e2ec_status st = e2ec_encode(s->in, &s->p, &t->stream, &t->bytes);
    if (st) return st;
    e2ec_volume out = {0};
    e2ec_metrics m;
    e2ec_decode_options o = {s->p.threads, s->p.max_memory};
    st = e2ec_decode_opt(t->stream, t->bytes, &o, &out);
    if (!st) st = e2ec_compare(s->in, &out, s->p.threads, &m);
    e2ec_volume_free(&out);
    if (st) {
        e2ec_free(t->stream);
        return st;
    }
    t->width = s->p.siren_width, t->lambda = s->p.grid_lambda;
    t->x = x;
    t->psnr = m.psnr;
    s->count++;
    return E2EC_OK;
}
