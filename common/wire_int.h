/* wire_int.h - what wire.c shares with wire_oss.c: how every encoder and
 * decoder ends. Not for use outside the codec. */
#ifndef PFS_WIRE_INT_H
#define PFS_WIRE_INT_H

#include "wire.h"

/* Ends a decode: 0 when the whole payload was consumed without error. */
int wire_dec_end(const struct wire_buf *b);
/* Ends an encode: the length written, or -EMSGSIZE when it did not fit. */
int wire_enc_end(const struct wire_buf *b);

#endif /* PFS_WIRE_INT_H */
