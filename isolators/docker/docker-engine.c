/*
 * isolators/docker/docker-engine.c - the docker containerizer at agent
 * start-up (orphans) and shutdown (docker-internal.h).  Both run the
 * docker CLI synchronously: the loop is not running yet, or any more.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "isolators/docker/docker-internal.h"

/* ------------------------------------------------------------ recover */

/* This agent recovers no container, so with docker_kill_orphans every
 * mesos-* container the engine has is an orphan and goes.  Listing them
 * also proves the engine answers: an agent that cannot reach docker does
 * not start (as in Mesos). */
int
butte_dk_recover(void *state, const butte_container_state_t *list, size_t n, butte_err_t *err)
{
    dk_t *dk = state;
    butte_pool_t *tmp = butte_pool_create(NULL);
    const char *ps[] = { "ps", "-a", "--filter", "name=" NAME_PREFIX, "--format",
                         "{{.Names}}", NULL };
    char *out = NULL, *errout = NULL;
    int status, rc = BUTTE_OK;

    (void)list;
    (void)n;
    status = butte_docker_sync(&dk->d, ps, SYNC_TIMEOUT, tmp, &out, &errout, err);
    if (status < 0) {
        rc = status;
        goto done;
    }
    if (status != 0) {
        rc = butte_err_set(err, BUTTE_EIO, "cannot reach the docker engine: %s",
                           butte_docker_failure(tmp, &dk->d, ps, status, errout));
        goto done;
    }
    if (!dk->kill_orphans)
        goto done;
    size_t cap = 8, k = 2;
    const char **rm = butte_pool_alloc(tmp, cap * sizeof *rm);
    char *save = NULL;
    rm[0] = "rm";
    rm[1] = "-f";
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        /* the filter matches anywhere in the name; ours start with it */
        if (strncmp(line, NAME_PREFIX, strlen(NAME_PREFIX)) != 0)
            continue;
        if (k + 2 > cap) {
            const char **grown = butte_pool_alloc(tmp, 2 * cap * sizeof *grown);
            memcpy(grown, rm, k * sizeof *rm);
            rm = grown;
            cap *= 2;
        }
        butte_log(dk->log, BUTTE_LOG_INFO, "removing orphan docker container %s", line);
        rm[k++] = line;
    }
    rm[k] = NULL;
    if (k > 2) {
        status = butte_docker_sync(&dk->d, rm, SYNC_TIMEOUT, tmp, NULL, &errout, err);
        if (status > 0)
            butte_log(dk->log, BUTTE_LOG_WARNING, "%s",
                      butte_docker_failure(tmp, &dk->d, rm, status, errout));
        else if (status < 0)
            butte_log(dk->log, BUTTE_LOG_WARNING, "cannot remove orphans: %s", err->msg);
    }
done:
    butte_pool_destroy(tmp);
    return rc;
}

/* Agent shutdown: the loop will not run again.  Kill every executor and
 * remove every container now; no callback is called any more. */
void
butte_dk_shutdown(void *state)
{
    dk_t *dk = state;
    butte_pool_t *tmp = butte_pool_create(NULL);
    size_t n = 0, k = 2;
    const char **rm;
    butte_err_t err;

    for (container_t *c = dk->containers; c != NULL; c = c->next)
        n++;
    rm = butte_pool_alloc(tmp, (n + 3) * sizeof *rm);
    rm[0] = "rm";
    rm[1] = "-f";
    while (dk->containers != NULL) {
        container_t *c = dk->containers;
        if (c->watch != NULL) {
            butte_watch_stop(c->watch);
            kill(-c->pid, SIGKILL);
            waitpid(c->pid, NULL, 0);
        }
        butte_docker_abandon(c->cmd, 0, true);
        c->cmd = NULL;
        butte_docker_mon_stop(c->mon, true);
        rm[k++] = butte_pool_strdup(tmp, c->name);
        dk->containers = c->next;
        butte_timer_stop(c->remove_timer);
        butte_pool_destroy(c->pool);
    }
    rm[k] = NULL;
    if (k > 2) {
        int status = butte_docker_sync(&dk->d, rm, SYNC_TIMEOUT, tmp, NULL, NULL, &err);
        butte_log(dk->log, status == 0 ? BUTTE_LOG_INFO : BUTTE_LOG_WARNING,
                  "removed %zu docker container(s) at shutdown%s", k - 2,
                  status == 0 ? "" : " (docker rm -f failed)");
    }
    butte_pool_destroy(tmp);
}
