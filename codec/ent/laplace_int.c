/* Integer discretised Laplace (see laplace_int.h). */
#include "laplace_int.h"

/* 2^(-i/256) x 2^30 for i = 0..256, rounded (generated once with Python's
 * round(2**30 * 2**(-i / 256)); tests/test_rans.c checks it against exp2). */
static const uint32_t exp2_table[257] = {
    1073741824, 1070838486, 1067942999, 1065055341, 1062175491, 1059303428, 1056439131, 1053582579,
    1050733751, 1047892626, 1045059183, 1042233401, 1039415261, 1036604740, 1033801819, 1031006477,
    1028218693, 1025438448, 1022665720, 1019900489, 1017142735, 1014392438, 1011649578, 1008914134,
    1006186087, 1003465416, 1000752102, 998046124, 995347464, 992656100, 989972014, 987295185,
    984625594, 981963222, 979308048, 976660054, 974019220, 971385527, 968758955, 966139485,
    963527098, 960921775, 958323496, 955732243, 953147997, 950570738, 948000448, 945437108,
    942880699, 940331203, 937788600, 935252872, 932724001, 930201967, 927686753, 925178340,
    922676710, 920181844, 917693724, 915212331, 912737649, 910269657, 907808339, 905353676,
    902905651, 900464244, 898029440, 895601218, 893179563, 890764456, 888355878, 885953814,
    883558244, 881169153, 878786521, 876410331, 874040567, 871677210, 869320244, 866969651,
    864625413, 862287515, 859955938, 857630665, 855311680, 852998965, 850692504, 848392279,
    846098274, 843810471, 841528855, 839253408, 836984114, 834720956, 832463917, 830212982,
    827968132, 825729353, 823496627, 821269938, 819049271, 816834607, 814625932, 812423229,
    810226483, 808035676, 805850792, 803671817, 801498734, 799331526, 797170178, 795014675,
    792865000, 790721137, 788583072, 786450787, 784324269, 782203500, 780088465, 777979150,
    775875538, 773777614, 771685363, 769598769, 767517817, 765442492, 763372778, 761308661,
    759250125, 757197155, 755149737, 753107854, 751071493, 749040637, 747015274, 744995386,
    742980960, 740971982, 738968435, 736970306, 734977579, 732990241, 731008277, 729031671,
    727060411, 725094480, 723133865, 721178552, 719228525, 717283772, 715344277, 713410026,
    711481005, 709557200, 707638598, 705725183, 703816941, 701913860, 700015924, 698123120,
    696235434, 694352853, 692475362, 690602947, 688735596, 686873293, 685016026, 683163781,
    681316545, 679474303, 677637043, 675804750, 673977412, 672155015, 670337545, 668524990,
    666717336, 664914570, 663116678, 661323648, 659535466, 657752119, 655973594, 654199878,
    652430958, 650666822, 648907455, 647152846, 645402981, 643657847, 641917433, 640181724,
    638450708, 636724373, 635002706, 633285695, 631573326, 629865587, 628162466, 626463950,
    624770026, 623080683, 621395908, 619715688, 618040012, 616368866, 614702239, 613040119,
    611382493, 609729349, 608080675, 606436459, 604796689, 603161352, 601530438, 599903933,
    598281827, 596664106, 595050760, 593441776, 591837143, 590236848, 588640881, 587049229,
    585461881, 583878825, 582300049, 580725543, 579155293, 577589290, 576027521, 574469975,
    572916640, 571367506, 569822560, 568281792, 566745190, 565212742, 563684439, 562160268,
    560640218, 559124278, 557612438, 556104685, 554601009, 553101399, 551605844, 550114332,
    548626854, 547143398, 545663953, 544188508, 542717053, 541249576, 539786068, 538326517,
    536870912,
};

#define ONE_Q30 (1u << 30)
#define LOG2E_Q16 94548u /* log2(e) x 2^16, rounded */

uint32_t exp2_neg_q30(uint64_t t) {
    uint64_t n = t >> 16;
    if (n >= 31) return 0;
    uint32_t f = (uint32_t)(t & 0xFFFF), i = f >> 8, r = f & 0xFF;
    uint32_t a = exp2_table[i], b = exp2_table[i + 1];
    uint32_t v = a - (uint32_t)(((uint64_t)(a - b) * r) >> 8);
    return v >> n;
}

int32_t log2_q8(uint32_t n) {
    int32_t k = 0;
    while (k < 31 && (n >> (k + 1))) k++;
    /* the largest i with n 2^(-i/256) >= 2^k, i.e. n table[i] >= 2^(30 + k) */
    int32_t i = 0;
    while (i < 255 && (uint64_t)n * exp2_table[i + 1] >= (uint64_t)1 << (30 + k)) i++;
    return k * LAPLACE_FRAC + i;
}

void laplace_int_set(laplace_int *l, int32_t lo, int32_t hi, int64_t mu, int32_t log2b) {
    l->lo = lo;
    l->hi = hi;
    int64_t mlo = ((int64_t)lo - LAPLACE_MAX_SYMBOLS) * LAPLACE_FRAC,
            mhi = ((int64_t)hi + LAPLACE_MAX_SYMBOLS) * LAPLACE_FRAC;
    l->mu = mu < mlo ? mlo : mu > mhi ? mhi : mu;
    if (log2b < LAPLACE_LOG2B_MIN) log2b = LAPLACE_LOG2B_MIN;
    if (log2b > LAPLACE_LOG2B_MAX) log2b = LAPLACE_LOG2B_MAX;
    /* 2^24 / b = 2^e, e = 24 - log2b in 1/256 units, in [12, 32] x 256:
     * 2^ceil(e) x 2^-(ceil(e) - e) */
    int32_t e = 24 * LAPLACE_FRAC - log2b, up = (e + LAPLACE_FRAC - 1) / LAPLACE_FRAC;
    uint32_t rem = (uint32_t)(up * LAPLACE_FRAC - e);
    l->inv_b = ((uint64_t)exp2_table[rem] << up) >> 30;
}

/* The Laplace CDF at k - 1/2 in 1/2^30 units (0 at lo, 2^30 at hi + 1). */
static uint32_t cdf_q30(const laplace_int *l, int32_t k) {
    if (k <= l->lo) return 0;
    if (k > l->hi) return ONE_Q30;
    int64_t d = (int64_t)k * LAPLACE_FRAC - LAPLACE_FRAC / 2 - l->mu;
    uint64_t a = (uint64_t)(d < 0 ? -d : d);
    /* t = |d| log2(e) / b in 1/2^16 units: |d| log2e in 1/2^16, times 2^24 / b,
     * over 2^24; past 31 the tail is below one unit in 2^30 */
    uint64_t u = (a * LOG2E_Q16) >> 8, t;
    if (u && l->inv_b > ((uint64_t)31 << 40) / u) t = (uint64_t)31 << 16;
    else t = (u * l->inv_b) >> 24;
    uint32_t half_tail = exp2_neg_q30(t) >> 1;
    return d < 0 ? half_tail : ONE_Q30 - half_tail;
}

uint32_t laplace_int_cdf(const laplace_int *l, int32_t k) {
    uint32_t n = (uint32_t)(l->hi - l->lo + 1);
    return (uint32_t)(((uint64_t)cdf_q30(l, k) * (RANS_TOTAL - n)) >> 30) + (uint32_t)(k - l->lo);
}

rans_sym laplace_int_sym(const laplace_int *l, int32_t k) {
    uint32_t c0 = laplace_int_cdf(l, k), c1 = laplace_int_cdf(l, k + 1);
    return (rans_sym){c0, c1 - c0};
}

int32_t laplace_int_find(const laplace_int *l, uint32_t slot, rans_sym *sym) {
    /* most symbols lie within a few scales of mu: gallop outwards from the
     * symbol under mu to a bracket cdf(a) <= slot < cdf(b), then bisect */
    int64_t k0 = (l->mu + LAPLACE_FRAC / 2) >> LAPLACE_FRAC_BITS;
    int32_t a = (int32_t)(k0 < l->lo ? l->lo : k0 > l->hi ? l->hi : k0), b;
    uint32_t ca = laplace_int_cdf(l, a), cb;
    if (ca <= slot) {
        int32_t step = 1;
        for (;;) {
            b = a + step > l->hi + 1 ? l->hi + 1 : a + step;
            cb = b > l->hi ? RANS_TOTAL : laplace_int_cdf(l, b);
            if (cb > slot) break;
            a = b, ca = cb, step *= 2;
        }
    } else {
        b = a, cb = ca;
        int32_t step = 1;
        for (;;) {
            a = b - step < l->lo ? l->lo : b - step;
            ca = laplace_int_cdf(l, a);
            if (ca <= slot) break;
            b = a, cb = ca, step *= 2;
        }
    }
    while (b - a > 1) {
        int32_t m = a + (b - a) / 2;
        uint32_t cm = laplace_int_cdf(l, m);
        if (cm <= slot) a = m, ca = cm;
        else b = m, cb = cm;
    }
    *sym = (rans_sym){ca, cb - ca};
    return a;
}
