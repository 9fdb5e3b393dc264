/* import_pipe.h: the import row loop on two threads (see import_pipe.c). */
#ifndef SHEQU_IMPORT_PIPE_H
#define SHEQU_IMPORT_PIPE_H
#include "import_row.h"

/* Whether the records of res can be imported by the pipeline: their hooks are pure checks. */
int import_pipe_fits(const struct resource *res);
/* Same contract and results as the one-thread loop in io.c. */
void import_pipe_run(struct import_run *run);

#endif
