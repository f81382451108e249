/*
 * kernel/core/flags-help.c - what a user sees about flags: --help text
 * grouped by heading, and the "did you mean" guess for a mistyped name.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/flags-internal.h"

/* Names are short; anything longer is no typo of ours. */
#define SUGGEST_MAX 64

/* Help text starts in this column when the flag part is short enough. */
#define HELP_COLUMN 40

/* distance - edit distance where swapping two neighbours costs one, since
 * "prot" for "port" is the typo people make. */
static size_t
distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d[SUGGEST_MAX + 1][SUGGEST_MAX + 1];  /* fits: distances <= SUGGEST_MAX */

    for (size_t i = 0; i <= la; i++)
        d[i][0] = (unsigned char)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (unsigned char)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t best = (size_t)d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            size_t del = (size_t)d[i - 1][j] + 1, ins = (size_t)d[i][j - 1] + 1;

            if (del < best)
                best = del;
            if (ins < best)
                best = ins;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                (size_t)d[i - 2][j - 2] + 1 < best)
                best = (size_t)d[i - 2][j - 2] + 1;
            d[i][j] = (unsigned char)best;
        }
    }
    return d[la][lb];
}

const char *
butte_flags_suggest(const butte_flag_def_t *table, size_t n, const char *name)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1, len = strlen(name);

    if (len == 0 || len > SUGGEST_MAX)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t d;

        if (table[i].alias_of != NULL || strlen(table[i].name) > SUGGEST_MAX)
            continue;
        d = distance(name, table[i].name);
        if (d < best_d) {
            best_d = d;
            best = table[i].name;
        }
    }
    /* Two edits, or a third of a long name, still reads as the same word. */
    if (best != NULL && (best_d <= 2 || best_d * 3 <= len))
        return best;
    return NULL;
}

static void
print_flag(const butte_flag_def_t *table, size_t n, const butte_flag_def_t *def, FILE *out)
{
    const char *sep = " (deprecated name: ";
    bool any_alias = false;
    int width;

    if (def->type == BUTTE_FLAG_BOOL)
        width = fprintf(out, "  --[no-]%s", def->name);
    else
        width = fprintf(out, "  --%s=VALUE", def->name);
    if (width < 0)
        return;
    if (width < HELP_COLUMN - 1)
        fprintf(out, "%*s", HELP_COLUMN - width, "");
    else
        fprintf(out, "\n%*s", HELP_COLUMN, "");
    fputs(def->help != NULL ? def->help : "", out);
    if (def->attrs & BUTTE_FLAG_REQUIRED)
        fputs(" (required)", out);
    else if (def->def != NULL && def->def[0] != '\0')
        fprintf(out, " (default: %s)", def->def);
    for (size_t i = 0; i < n; i++) {
        if (table[i].alias_of == NULL || strcmp(table[i].alias_of, def->name) != 0)
            continue;
        fprintf(out, "%s--%s", sep, table[i].name);
        sep = ", ";
        any_alias = true;
    }
    if (any_alias)
        fputc(')', out);
    fputc('\n', out);
}

void
butte_flags_print_help(const butte_flag_def_t *table, size_t n, const char *program,
                       FILE *out)
{
    fprintf(out, "Usage: %s [options]\n", program != NULL ? program : "mesos");
    /* Groups in order of first appearance, so the table's order is the page's. */
    for (size_t g = 0; g < n; g++) {
        const char *group = table[g].group != NULL ? table[g].group : "General";
        bool seen = false;

        if (table[g].alias_of != NULL)
            continue;
        for (size_t k = 0; k < g && !seen; k++) {
            const char *other = table[k].group != NULL ? table[k].group : "General";

            seen = table[k].alias_of == NULL && strcmp(other, group) == 0;
        }
        if (seen)
            continue;
        fprintf(out, "\n%s:\n", group);
        for (size_t i = g; i < n; i++) {
            const char *mine = table[i].group != NULL ? table[i].group : "General";

            if (table[i].alias_of == NULL && strcmp(mine, group) == 0)
                print_flag(table, n, &table[i], out);
        }
    }
}
