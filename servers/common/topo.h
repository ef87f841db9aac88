/* topo.h - hwloc placement of server threads: the machine's topology, the
 * core each worker is bound to, and the summary printed by --info. */
#ifndef PFS_TOPO_H
#define PFS_TOPO_H

#include <stdio.h>

struct topo;

int topo_open(struct topo **t);
void topo_close(struct topo *t);
int topo_ncores(const struct topo *t);
/* Binds the calling thread to the core planned for thread index (-1 is the
 * progress thread). Returns the core's logical index or a negative error. */
int topo_bind_thread(struct topo *t, int index);
/* Prints the topology seen (packages, NUMA nodes, cores, PUs) and the binding
 * plan for nworkers workers. */
void topo_print(struct topo *t, int nworkers, FILE *out);

#endif /* PFS_TOPO_H */
