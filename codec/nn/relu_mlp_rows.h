/*
 * The kernels of relu_mlp.c on a block of rows, compiled once per ISA: the
 * includer defines ROWS(name), the instance's name, and ROWS_ATTR, its target
 * attribute. No include guard: relu_mlp.c includes this twice.
 *
 * Rows go RELU_MLP_LANES at a time, one row a lane of a vector (GCC vector
 * extensions: two SSE registers in the baseline build, one AVX2 register in
 * the other); the weights are broadcast. Each lane computes its row as
 * scalar code would, each output its bias plus its inputs' products added in
 * ascending input order, so the two builds agree bit for bit (the file is
 * built with -ffp-contract=off: no product is fused into an add).
 */

/* x[0..cin) of rows r[0..LANES) of in, a vector per input (rows past n: 0). */
ROWS_ATTR static inline void ROWS(load)(mlp_vec *x, const float *restrict in, int i, int n, int cin) {
    for (int c = 0; c < cin; c++) {
        mlp_vec v = {0};
        for (int l = 0; l < RELU_MLP_LANES && i + l < n; l++) v[l] = in[(size_t)(i + l) * cin + c];
        x[c] = v;
    }
}

/* y[o] = b[o] + sum_k W[o][k] x[k] (ReLU'd when relu), W [out][in]. */
ROWS_ATTR static inline void ROWS(layer)(mlp_vec *restrict y, const float *restrict wm,
                                         const float *restrict b, const mlp_vec *restrict x, int in,
                                         int out, int relu) {
    const mlp_vec zero = {0};
    for (int o = 0; o < out; o++) {
        mlp_vec acc = zero + b[o];
        const float *restrict wo = wm + (size_t)o * in;
        for (int k = 0; k < in; k++) acc += wo[k] * x[k];
        y[o] = relu ? (mlp_vec)((mlp_mask)acc & (acc > zero)) : acc;
    }
}

/* The forward of rows [i0, i1) (i0 a multiple of the lanes): h1, h2 kept
 * lane-major for the backward, out row-major. */
ROWS_ATTR static void ROWS(forward)(const relu_mlp_acts *a, const float *restrict w,
                                    const float *restrict in, int i0, int i1) {
    const int cin = a->cin, h = a->h, cout = a->cout;
    const relu_mlp_view v = relu_mlp_view_of(w, cin, h, cout);
    mlp_vec x[RELU_MLP_MAX_WIDTH], y[RELU_MLP_MAX_WIDTH];
    for (int i = i0; i < i1; i += RELU_MLP_LANES) {
        mlp_vec *h1 = (mlp_vec *)a->h1 + (size_t)(i / RELU_MLP_LANES) * h;
        mlp_vec *h2 = (mlp_vec *)a->h2 + (size_t)(i / RELU_MLP_LANES) * h;
        ROWS(load)(x, in, i, i1, cin);
        ROWS(layer)(h1, v.w1, v.b1, x, cin, h, 1);
        ROWS(layer)(h2, v.w2, v.b2, h1, h, h, 1);
        ROWS(layer)(y, v.w3, v.b3, h2, h, cout, 0);
        for (int o = 0; o < cout; o++)
            for (int l = 0; l < RELU_MLP_LANES && i + l < i1; l++) a->out[(size_t)(i + l) * cout + o] = y[o][l];
    }
}

/* g [out][in] += d[out] x[in] and gb += d, lane by lane. */
ROWS_ATTR static inline void ROWS(outer)(mlp_vec *restrict g, mlp_vec *restrict gb,
                                         const mlp_vec *restrict d, const mlp_vec *restrict x, int out,
                                         int in) {
    for (int o = 0; o < out; o++) {
        mlp_vec *restrict go = g + (size_t)o * in;
        for (int k = 0; k < in; k++) go[k] += d[o] * x[k];
        gb[o] += d[o];
    }
}

/* t[k] = sum_o W[o][k] d[o] (ascending o), zero where the ReLU cut the
 * layer's input h (h NULL: the network's inputs, no ReLU); W [out][in]. */
ROWS_ATTR static inline void ROWS(back)(mlp_vec *restrict t, const float *restrict wm,
                                        const mlp_vec *restrict d, const mlp_vec *restrict h, int out,
                                        int in) {
    const mlp_vec zero = {0};
    for (int k = 0; k < in; k++) {
        mlp_vec acc = zero;
        for (int o = 0; o < out; o++) acc += wm[(size_t)o * in + k] * d[o];
        t[k] = h ? (mlp_vec)((mlp_mask)acc & (h[k] > zero)) : acc;
    }
}

/* The backward of rows [i0, i1) (i0 a multiple of the lanes): g (the
 * parameters' gradient, a vector per parameter, one lane per row lane) +=
 * theirs, din += theirs. */
ROWS_ATTR static void ROWS(backward)(const relu_mlp_acts *a, const float *restrict w,
                                     mlp_vec *restrict g, const float *restrict in,
                                     const float *restrict dout, float *restrict din, int i0, int i1) {
    const int cin = a->cin, h = a->h, cout = a->cout;
    const relu_mlp_view v = relu_mlp_view_of(w, cin, h, cout);
    mlp_vec *g1 = g, *gb1 = g1 + (size_t)h * cin, *g2 = gb1 + h, *gb2 = g2 + (size_t)h * h;
    mlp_vec *g3 = gb2 + h, *gb3 = g3 + (size_t)cout * h;
    mlp_vec x[RELU_MLP_MAX_WIDTH], d[RELU_MLP_MAX_WIDTH], t2[RELU_MLP_MAX_WIDTH], t1[RELU_MLP_MAX_WIDTH];
    for (int i = i0; i < i1; i += RELU_MLP_LANES) {
        const mlp_vec *h1 = (const mlp_vec *)a->h1 + (size_t)(i / RELU_MLP_LANES) * h;
        const mlp_vec *h2 = (const mlp_vec *)a->h2 + (size_t)(i / RELU_MLP_LANES) * h;
        ROWS(load)(x, in, i, i1, cin);
        ROWS(load)(d, dout, i, i1, cout);
        ROWS(outer)(g3, gb3, d, h2, cout, h);
        ROWS(back)(t2, v.w3, d, h2, cout, h);
        ROWS(outer)(g2, gb2, t2, h1, h, h);
        ROWS(back)(t1, v.w2, t2, h1, h, h);
        ROWS(outer)(g1, gb1, t1, x, h, cin);
        if (din) {
            ROWS(back)(x, v.w1, t1, NULL, h, cin);
            for (int c = 0; c < cin; c++)
                for (int l = 0; l < RELU_MLP_LANES && i + l < i1; l++) din[(size_t)(i + l) * cin + c] += x[c][l];
        }
    }
}
