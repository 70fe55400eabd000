/*
 * omp_wait.h - the programs' OpenMP threads wait for work passively.
 *
 * libgomp's threads spin while they wait for the next parallel region unless
 * OMP_WAIT_POLICY says otherwise, and it reads the variable once, when it is
 * loaded, before main. A training step runs many short parallel regions, so on
 * a machine where anything else runs a spinning thread takes the core its
 * partner needs: the default encode of the sample MR took 403 s on 2 threads
 * beside another 2-thread job, against 54 s waiting passively
 * (bench/results/latent/omp-wait-under-load.log). A PACS host is such a machine.
 */
#ifndef E2EC_TOOLS_OMP_WAIT_H
#define E2EC_TOOLS_OMP_WAIT_H

#ifdef __cplusplus
extern "C" {
#endif

/* Called first in main: when OMP_WAIT_POLICY is not set, sets it to "passive" and
 * runs the program again with the same arguments (/proc/self/exe), so that libgomp
 * reads it; returns only when the variable was set already (the caller's choice is
 * kept, "active" included) or the program cannot run itself again (it then goes on
 * as started). */
void omp_wait_passively(char **argv);

#ifdef __cplusplus
}
#endif

#endif
