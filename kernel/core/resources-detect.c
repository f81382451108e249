/*
 * kernel/core/resources-detect.c - the agent's default resources (feature
 * row 27): whatever --resources does not name is measured on this host,
 * leaving headroom for the OS and the agent itself as Mesos does.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "core/resources-internal.h"

#define MB (1024ull * 1024ull)

static bool
given(const butte_res_seen_t *seen, const char *name)
{
    const char *n = butte_res_intern(name);

    for (size_t i = 0; i < seen->n; i++)
        if (seen->v[i].name == n)
            return true;
    return false;
}

/* Total memory in bytes: /proc/meminfo, else sysinfo(2). */
static int
total_memory(uint64_t *bytes, butte_err_t *err)
{
    FILE *f = fopen("/proc/meminfo", "re");
    struct sysinfo si;
    char line[256];

    *bytes = 0;
    if (f != NULL) {
        unsigned long long kb;

        while (fgets(line, sizeof line, f) != NULL)
            if (sscanf(line, "MemTotal: %llu kB", &kb) == 1) {
                *bytes = kb * 1024ull;
                break;
            }
        fclose(f);
    }
    if (*bytes > 0)
        return 0;
    if (sysinfo(&si) == 0 && si.totalram > 0) {
        *bytes = (uint64_t)si.totalram * (si.mem_unit ? si.mem_unit : 1);
        return 0;
    }
    return butte_err_set(err, BUTTE_EIO, "could not read the total memory: %s",
                         strerror(errno ? errno : ENOENT));
}

/* Size in bytes of the file system holding path, or of its nearest
 * existing parent: the agent may detect before it creates --work_dir. */
static int
filesystem_size(const char *path, uint64_t *bytes, butte_err_t *err)
{
    char *p = butte_res_xrealloc(NULL, strlen(path) + 2);
    struct statvfs st;
    int rc;

    strcpy(p, path[0] ? path : ".");
    while ((rc = statvfs(p, &st)) < 0 && errno == ENOENT) {
        char *slash = strrchr(p, '/');

        if (slash == NULL)
            strcpy(p, ".");
        else if (slash == p)
            p[1] = '\0'; /* "/x" -> "/" */
        else
            *slash = '\0';
    }
    if (rc < 0)
        rc = butte_err_set(err, BUTTE_EIO, "could not statvfs '%s' (for work_dir '%s'): %s", p,
                           path, strerror(errno));
    else
        *bytes = (uint64_t)st.f_blocks * (uint64_t)st.f_frsize;
    free(p);
    return rc;
}

/* Leave headroom: total - reserve when total >= 2 * reserve, else half.
 * In milli-MB, so the half of an odd MB count stays exact. */
static int64_t
headroom(uint64_t bytes, uint64_t reserve_mb)
{
    uint64_t mb = bytes / MB;

    return mb >= 2 * reserve_mb ? (int64_t)(mb - reserve_mb) * BUTTE_SCALAR_SCALE
                                : (int64_t)mb * (BUTTE_SCALAR_SCALE / 2);
}

static int
add_detected(butte_resources_t *rs, const char *name, const char *role, int64_t milli,
             butte_err_t *err)
{
    butte_res_t r = BUTTE_RES_INIT;
    butte_reservation_t one = { BUTTE_RESERVATION_STATIC, role, NULL };

    r.type = BUTTE_VALUE_SCALAR;
    r.name = name;
    r.scalar = milli;
    if (strcmp(role, "*") != 0) {
        r.reservations = &one;
        r.nreservations = 1;
    }
    return butte_resources_add(rs, &r, err);
}

int
butte_resources_detect(butte_pool_t *pool, const char *work_dir, const char *text,
                       const char *default_role, butte_resources_t **out, butte_err_t *err)
{
    butte_res_seen_t seen = { 0 };
    butte_resources_t *rs;
    uint64_t bytes = 0;
    int rc;

    *out = NULL;
    if (default_role == NULL)
        default_role = "*";
    rc = butte_res_parse_text(pool, text, default_role, RES_KNOWN_TYPES, &rs, &seen, err);
    if (rc < 0)
        goto done;
    if (!given(&seen, "cpus")) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);

        rc = add_detected(rs, "cpus", default_role, (int64_t)(n > 0 ? n : 1) * BUTTE_SCALAR_SCALE,
                          err);
    }
    if (rc == 0 && !given(&seen, "mem")) {
        rc = total_memory(&bytes, err);
        if (rc == 0)
            rc = add_detected(rs, "mem", default_role, headroom(bytes, 1024), err);
    }
    if (rc == 0 && !given(&seen, "disk")) {
        if (work_dir == NULL)
            rc = butte_err_set(err, BUTTE_EINVAL, "cannot detect disk: work_dir is not set");
        else
            rc = filesystem_size(work_dir, &bytes, err);
        if (rc == 0)
            rc = add_detected(rs, "disk", default_role, headroom(bytes, 5120), err);
    }
    if (rc == 0 && !given(&seen, "ports"))
        rc = butte_resources_add_range(rs, "ports", default_role, 31000, 32000, err);
    if (rc == 0)
        *out = rs;
    else
        butte_resources_clear(rs);
done:
    free(seen.v);
    return rc;
}
