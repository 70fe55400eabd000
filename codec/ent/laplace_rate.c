/* Discretised Laplace rate and its gradient (see laplace_rate.h). */
#include "laplace_rate.h"

#include <math.h>

/* P(x) is a difference of the CDF F at the cell's edges: F(t) = e^((t-mu)/b)/2
 * below mu, 1 - e^(-(t-mu)/b)/2 above. Each edge is carried as its tail mass
 * toward mu's side so that cells far in a tail keep their precision. */
double laplace_rate(double x, double lo, double hi, double mu, double log2b, double *dmu,
                    double *dlog2b) {
    const double floor_p = 1.0 / 65536.0;
    double b = exp2(log2b), u = x + 0.5, l = x - 0.5;
    /* the density f(t) = e^(-|t-mu|/b) / (2b) at each edge; an open end has none */
    int has_u = x < hi, has_l = x > lo;
    double fu = has_u ? exp(-fabs(u - mu) / b) / (2 * b) : 0.0;
    double fl = has_l ? exp(-fabs(l - mu) / b) / (2 * b) : 0.0;
    /* F(u) and 1 - F(l) as tails: P = F(u) - F(l) */
    double Fu = !has_u ? 1.0 : u < mu ? b * fu : 1.0 - b * fu;
    double Fl = !has_l ? 0.0 : l < mu ? b * fl : 1.0 - b * fl;
    double p;
    if (has_u && has_l && l >= mu) p = b * (fl - fu);      /* both above mu */
    else if (has_u && has_l && u <= mu) p = b * (fu - fl); /* both below */
    else p = Fu - Fl;
    if (p <= floor_p) {
        *dmu = *dlog2b = 0.0;
        return 16.0;
    }
    /* dF(t)/dmu = -f(t), dF(t)/dlog2b = -ln2 (t - mu) f(t) */
    double dp_dmu = -fu + fl, dp_dlb = -M_LN2 * ((u - mu) * fu - (l - mu) * fl);
    double dr_dp = -1.0 / (p * M_LN2);
    *dmu = dr_dp * dp_dmu;
    *dlog2b = dr_dp * dp_dlb;
    return -log2(p);
}
