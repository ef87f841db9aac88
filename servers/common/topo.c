/* topo.c - hwloc placement of server threads: loads the machine topology once,
 * plans one core per thread (the progress thread apart when possible) and binds. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hwloc.h>

#include "log.h"
#include "topo.h"

/*
 * The plan: workers spread round robin over the cores in logical order
 * (worker i -> core i mod ncores); the progress thread, which drives the
 * provider's data movement, takes the last core, which it has to itself
 * whenever there are more cores than workers. The plan needs no per-thread
 * state, so topo_bind_thread may run on many threads at once (hwloc allows
 * concurrent binding calls on a loaded topology).
 */
struct topo {
	hwloc_topology_t topo;
	int ncores;
};

int topo_open(struct topo **out)
{
	struct topo *t;
	int rc;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (hwloc_topology_init(&t->topo) < 0) {
		rc = errno ? -errno : -EIO;
		free(t);
		return rc;
	}
	if (hwloc_topology_load(t->topo) < 0) {
		rc = errno ? -errno : -EIO;
		goto fail;
	}
	t->ncores = hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_CORE);
	if (t->ncores <= 0) {
		/* Some virtual machines expose PUs only; treat each as a core. */
		t->ncores = hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_PU);
	}
	if (t->ncores <= 0) {
		rc = -ENODEV;
		goto fail;
	}
	*out = t;
	return 0;
fail:
	hwloc_topology_destroy(t->topo);
	free(t);
	return rc;
}

void topo_close(struct topo *t)
{
	if (!t)
		return;
	hwloc_topology_destroy(t->topo);
	free(t);
}

int topo_ncores(const struct topo *t)
{
	return t ? t->ncores : 0;
}

/* Logical core index planned for thread index (-1 = progress thread). */
static int topo_plan_core(const struct topo *t, int index)
{
	if (index < 0)
		return t->ncores - 1;
	return index % t->ncores;
}

/* The object (core, or PU on machines without cores) for a logical index. */
static hwloc_obj_t topo_core_obj(const struct topo *t, int core)
{
	hwloc_obj_t obj;

	obj = hwloc_get_obj_by_type(t->topo, HWLOC_OBJ_CORE, core);
	if (!obj)
		obj = hwloc_get_obj_by_type(t->topo, HWLOC_OBJ_PU, core);
	return obj;
}

int topo_bind_thread(struct topo *t, int index)
{
	hwloc_obj_t obj;
	int core;

	if (!t)
		return -EINVAL;
	core = topo_plan_core(t, index);
	obj = topo_core_obj(t, core);
	if (!obj || !obj->cpuset) {
		log_msg(LOG_WARN, "topo: no core %d for thread %d; not bound", core, index);
		return -ENODEV;
	}
	if (hwloc_set_cpubind(t->topo, obj->cpuset, HWLOC_CPUBIND_THREAD) < 0) {
		int err = errno ? errno : EIO;

		log_msg(LOG_WARN, "topo: binding thread %d to core %d failed: %s; not bound",
			index, core, strerror(err));
		return -err;
	}
	log_msg(LOG_DEBUG, "topo: thread %d bound to core %d", index, core);
	return core;
}

/* The PUs (OS indexes) of a core as a list string, e.g. "0,4". */
static void topo_core_pus(const struct topo *t, int core, char *buf, size_t len)
{
	hwloc_obj_t obj = topo_core_obj(t, core);

	if (!obj || !obj->cpuset || hwloc_bitmap_list_snprintf(buf, len, obj->cpuset) < 0)
		snprintf(buf, len, "?");
}

void topo_print(struct topo *t, int nworkers, FILE *out)
{
	char pus[128];
	int i, core;

	if (!t) {
		fprintf(out, "topology: unavailable\n");
		return;
	}
	fprintf(out, "topology (hwloc %s):\n", HWLOC_VERSION);
	fprintf(out, "  packages:   %d\n", hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_PACKAGE));
	fprintf(out, "  NUMA nodes: %d\n", hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_NUMANODE));
	fprintf(out, "  cores:      %d\n", hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_CORE));
	fprintf(out, "  PUs:        %d\n", hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_PU));
	fprintf(out, "binding:\n");
	core = topo_plan_core(t, -1);
	topo_core_pus(t, core, pus, sizeof(pus));
	fprintf(out, "  progress -> core %d (PUs %s)%s\n", core, pus,
		nworkers >= t->ncores ? ", shared with workers" : "");
	for (i = 0; i < nworkers; i++) {
		core = topo_plan_core(t, i);
		topo_core_pus(t, core, pus, sizeof(pus));
		fprintf(out, "  worker %d -> core %d (PUs %s)\n", i, core, pus);
	}
}
