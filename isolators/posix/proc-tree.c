/*
 * isolators/posix/proc-tree.c - sum the usage of a process tree from
 * /proc/<pid>/stat (proc(5): fields 4 ppid, 6 session, 14-17 utime, stime,
 * cutime, cstime in clock ticks, 20 num_threads, 24 rss in pages).
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isolators/posix/proc-tree.h"

typedef struct proc {
    pid_t pid, ppid, sid;
    unsigned long long utime, stime;
    long long cutime, cstime;
    long threads;
    long long rss_pages;
    int member; /* 0 unknown, 1 in the tree, -1 not */
} proc_t;

/* Parse one stat line.  The command name (field 2) is in parentheses and
 * may itself hold spaces and ')', so the fields are read after the last
 * ')'.  Returns false for a line that does not parse. */
static bool
parse_stat(const char *line, proc_t *p)
{
    const char *close = strrchr(line, ')');
    char state;
    int pgrp;
    int ppid, sid;

    if (close == NULL)
        return false;
    /* after ")": 3 state 4 ppid 5 pgrp 6 session 7 tty 8 tpgid 9 flags
     * 10-13 faults 14 utime 15 stime 16 cutime 17 cstime 18 priority
     * 19 nice 20 num_threads 21 itrealvalue 22 starttime 23 vsize 24 rss */
    int n = sscanf(close + 1,
                   " %c %d %d %d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld %*d %*d %ld"
                   " %*d %*u %*u %lld",
                   &state, &ppid, &pgrp, &sid, &p->utime, &p->stime, &p->cutime, &p->cstime,
                   &p->threads, &p->rss_pages);
    if (n != 10)
        return false;
    p->ppid = ppid;
    p->sid = sid;
    return true;
}

/* Read /proc/<pid>/stat; false when the process is gone (or unreadable,
 * which for our purposes is the same). */
static bool
read_stat(pid_t pid, proc_t *p)
{
    char path[64], buf[1024];
    ssize_t n;
    int fd;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    memset(p, 0, sizeof *p);
    p->pid = pid;
    return parse_stat(buf, p);
}

static int
cmp_pid(const void *a, const void *b)
{
    pid_t x = ((const proc_t *)a)->pid, y = ((const proc_t *)b)->pid;
    return (x > y) - (x < y);
}

static proc_t *
find(proc_t *procs, size_t n, pid_t pid)
{
    proc_t key = { .pid = pid };
    return bsearch(&key, procs, n, sizeof *procs, cmp_pid);
}

/* Whether p descends from root (or shares root's session when root leads
 * it).  Memoized in member, so the whole table resolves in linear time. */
static int
membership(proc_t *procs, size_t n, proc_t *p, pid_t root, bool root_leads)
{
    proc_t *chain = p;
    int verdict;

    /* Walk up until an answer is known, then write it down the chain. */
    for (;;) {
        if (chain->member != 0) {
            verdict = chain->member;
            break;
        }
        if (chain->pid == root || (root_leads && chain->sid == root)) {
            verdict = 1;
            break;
        }
        proc_t *parent = chain->ppid > 0 ? find(procs, n, chain->ppid) : NULL;
        if (parent == NULL || parent == chain) {
            verdict = -1;
            break;
        }
        chain = parent;
    }
    for (proc_t *q = p; q != chain; q = find(procs, n, q->ppid))
        q->member = verdict;
    chain->member = verdict;
    return verdict;
}

int
butte_proctree_usage(pid_t root, butte_proctree_usage_t *out, butte_err_t *err)
{
    proc_t rootp, *procs = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    DIR *dir;
    long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);

    memset(out, 0, sizeof *out);
    if (root <= 0 || !read_stat(root, &rootp))
        return butte_err_set(err, BUTTE_ENOTFOUND, "process %d is gone", (int)root);
    dir = opendir("/proc");
    if (dir == NULL)
        return butte_err_set(err, BUTTE_EIO, "cannot read \"/proc\": %s", strerror(errno));
    while ((de = readdir(dir)) != NULL) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            proc_t *grown = realloc(procs, cap * sizeof *procs);
            if (grown == NULL) {
                free(procs);
                closedir(dir);
                return butte_err_set(err, BUTTE_ENOMEM, "out of memory reading \"/proc\"");
            }
            procs = grown;
        }
        /* A process that exits between readdir and open is skipped. */
        if (read_stat((pid_t)strtol(de->d_name, NULL, 10), &procs[n]))
            n++;
    }
    closedir(dir);
    qsort(procs, n, sizeof *procs, cmp_pid);

    bool root_leads = rootp.sid == root;
    for (size_t i = 0; i < n; i++) {
        proc_t *p = &procs[i];
        if (membership(procs, n, p, root, root_leads) != 1)
            continue;
        out->processes++;
        out->threads += (uint32_t)(p->threads > 0 ? p->threads : 0);
        out->user_secs += (double)p->utime + (double)(p->cutime > 0 ? p->cutime : 0);
        out->system_secs += (double)p->stime + (double)(p->cstime > 0 ? p->cstime : 0);
        out->rss_bytes += (uint64_t)(p->rss_pages > 0 ? p->rss_pages : 0) * (uint64_t)page;
    }
    free(procs);
    out->user_secs /= (double)tick;
    out->system_secs /= (double)tick;
    return 0;
}
