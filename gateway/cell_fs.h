/* The filesystem view of an app's cell (sandbox/fs_view.h), built from its
 * configuration just before the cell is spawned. */
#ifndef SG_CELL_FS_H
#define SG_CELL_FS_H

#include "config.h"
#include "error.h"
#include "sandbox/fs_view.h"

/* A view of the app's own paths: the module file's directory, chdir,
 * venv and pythonpath read-only, a CGI app's roots read-only with
 * execute, writable read-write; each resolved now
 * (sg_fs_view_add). NULL with err ("filesystem: PATH: why") when a path
 * is refused. Free with sg_cell_fs_free once the cell is spawned. */
struct sg_fs_view *sg_cell_fs_build(const struct sg_app_conf *conf, struct sg_error *err);
void sg_cell_fs_free(struct sg_fs_view *v);

#endif
