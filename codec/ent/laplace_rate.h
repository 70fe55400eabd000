/*
 * The training twin of laplace_int: the rate in bits of an integer symbol x
 * in [lo, hi] under a discretised Laplace (mean mu, scale 2^log2b, the tails
 * folded into lo and hi), in double, with its derivatives in mu and log2b.
 * The probability is floored at 2^-RANS_PROB_BITS, the coder's smallest
 * frequency, so that outliers cost in training what they cost in the stream.
 */
#ifndef E2EC_ENT_LAPLACE_RATE_H
#define E2EC_ENT_LAPLACE_RATE_H

/* Returns -log2 P(x); *dmu and *dlog2b get the rate's derivatives (0 where
 * the floor holds). log2b is used as given: the caller clamps it to the range
 * the integer model allows. */
double laplace_rate(double x, double lo, double hi, double mu, double log2b, double *dmu,
                    double *dlog2b);

#endif
