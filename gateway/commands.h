/* Subcommands of `sandgate` other than serve (cmd_serve.h). main.c calls
 * each with argv[0] set to the subcommand's name; each returns the
 * process's exit status. */
#ifndef SG_COMMANDS_H
#define SG_COMMANDS_H

/* `sandgate check -c FILE`: loads and resolves the configuration as
 * `serve -c FILE` would (run it as the user who will run serve), checks
 * that module files and directories exist, prints each problem on stderr
 * and "FILE: ok" or "FILE: N problems" on stdout. Exit 0 when ok, else 1. */
int sg_cmd_check(int argc, char **argv);

/* `sandgate check --probe` (gateway/cmd_probe.c): prints which sandbox
 * layers this host provides, found by trying them; 0 when every default
 * layer is there, else 1 with the missing ones named. */
int sg_cmd_probe(void);

/* `sandgate status|reload|stop` (gateway/cmd_status.c): argv[0] is the
 * command. One request to the gateway's control socket; 0 done, 1
 * refused by the gateway, 2 bad usage, 3 the gateway not reachable. */
int sg_cmd_status(int argc, char **argv);

#endif
