#include "mlp.h"

#include <string.h>

#include "gelu.h"
#include "linear.h"

void mlp_forward(float *out, float *pre, float *post, const float *in, const float *w1,
                 const float *b1, const float *w2, const float *b2, int n, int cin, int ch,
                 int cout) {
    linear_forward(pre, in, w1, b1, n, cin, ch);
    gelu_forward(post, pre, (size_t)n * ch);
    linear_forward(out, post, w2, b2, n, ch, cout);
}

size_t mlp_scratch_size(int n, int ch) { return 2 * (size_t)n * ch; }

void mlp_backward(float *din, float *dw1, float *db1, float *dw2, float *db2, const float *dout,
                  const float *in, const float *pre, const float *post, const float *w1,
                  const float *w2, int n, int cin, int ch, int cout, float *scratch) {
    size_t nh = (size_t)n * ch;
    float *dpost = scratch, *dpre = scratch + nh;
    memset(scratch, 0, 2 * nh * sizeof *scratch);
    linear_backward(dpost, dw2, db2, dout, post, w2, n, ch, cout);
    gelu_backward(dpre, dpost, pre, nh);
    linear_backward(din, dw1, db1, dpre, in, w1, n, cin, ch);
}
