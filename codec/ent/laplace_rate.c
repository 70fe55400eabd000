/* Discretised Laplace rate and its gradient (see laplace_rate.h). */
#include "laplace_rate.h"

#include <math.h>

#include "rans.h"

/* P(x) is a difference of the CDF F at the cell's edges: F(t) = e^((t-mu)/b)/2
 * below mu, 1 - e^(-(t-mu)/b)/2 above. Each edge is carried as its tail mass
 * toward mu's side so that cells far in a tail keep their precision. */
double laplace_rate(double x, double lo, double hi, double mu, double log2b, double *dmu,
                    double *dlog2b) {
    const double floor_p = 1.0 / RANS_TOTAL;
    double b = exp2(log2b), u = x + 0.5, l = x - 0.5;
    /* the density f(t) = e^(-|t-mu|/b) / (2b) at each edge; an open end has none */
    int has_u = x < hi, has_l = x > lo;
    double fu = has_u ? exp(-fabs(u - mu) / b) / (2 * b) : 0.0;
    double fl = has_l ? exp(-fabs(l - mu) / b) / (2 * b) : 0.0;
    /* each edge's tail mass on its far side from mu is b f(t) (none past an
     * open end): P is a difference of tails on one side of mu, or one minus
     * the two tails when the cell holds mu, never a difference of two CDF
     * values near 1, which loses the bits of a far cell */
    double tl = b * fl, tu = b * fu, p;
    if (l >= mu && has_l) p = tl - tu;      /* above mu: upper tails */
    else if (u <= mu && has_u) p = tu - tl; /* below mu: lower tails */
    else p = 1.0 - tl - tu;                 /* the cell holds mu, or reaches an open end */
    if (p <= floor_p) {
        *dmu = *dlog2b = 0.0;
        return RANS_PROB_BITS;
    }
    /* dF(t)/dmu = -f(t), dF(t)/dlog2b = -ln2 (t - mu) f(t) */
    double dp_dmu = -fu + fl, dp_dlb = -M_LN2 * ((u - mu) * fu - (l - mu) * fl);
    double dr_dp = -1.0 / (p * M_LN2);
    *dmu = dr_dp * dp_dmu;
    *dlog2b = dr_dp * dp_dlb;
    return -log2(p);
}
