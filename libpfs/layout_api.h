/* layout_api.h - conversions between the public struct pfs_layout and the
 * protocol's struct wire_layout (layout_api.c). */
#ifndef PFS_LAYOUT_API_H
#define PFS_LAYOUT_API_H

#include "layout.h"
#include "pfs.h"

void layout_to_public(const struct wire_layout *w, struct pfs_layout *p);
void layout_from_public(const struct pfs_layout *p, struct wire_layout *w);

#endif /* PFS_LAYOUT_API_H */
