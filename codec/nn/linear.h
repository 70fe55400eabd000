/* Fully connected layer: out[n][o] = sum_i in[n][i] * w[o][i] + b[o]. */
#ifndef E2EC_NN_LINEAR_H
#define E2EC_NN_LINEAR_H

/* w is [cout][cin] (PyTorch layout), b is [cout] or NULL. */
void linear_forward(float *out, const float *in, const float *w, const float *b,
                    int n, int cin, int cout);
/* dw, db accumulate; din (may be NULL) accumulates. */
void linear_backward(float *din, float *dw, float *db, const float *dout,
                     const float *in, const float *w, int n, int cin, int cout);

#endif
