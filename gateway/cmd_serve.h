#ifndef SG_CMD_SERVE_H
#define SG_CMD_SERVE_H

/* `sandgate serve ...`; argv[0] is "serve". Returns the exit status. */
int sg_cmd_serve(int argc, char **argv);

#endif
