/* merge.c - real and synthetic lines in event-time order (see merge.h). */
#include "merge.h"

#include <string.h>

/* Copies the line's bytes; the spool holds the lines back to back, so
 * reading on from the previous line is reading this one. */
static bool copy_real(FILE *spool, const synth_line *line, FILE *to)
{
    char buffer[1 << 16];
    size_t left = line->length;
    while (left > 0) {
        size_t chunk = left < sizeof buffer ? left : sizeof buffer;
        if (fread(buffer, 1, chunk, spool) != chunk || fwrite(buffer, 1, chunk, to) != chunk)
            return false;
        left -= chunk;
    }
    return true;
}

static bool write_synthetic(const synth_event *event, FILE *to)
{
    return fputs(event->line, to) >= 0 && fputc('\n', to) != EOF;
}

bool synth_merge(const synth_input *input, const synth_out *synthetic, FILE *to)
{
    size_t next = 0;
    bool ok = fseek(input->spool, 0, SEEK_SET) == 0;
    for (size_t i = 0; i < input->line_count && ok; i++) {
        const synth_line *line = &input->lines[i];
        while (ok && next < synthetic->count && synthetic->events[next].ts_ms < line->ts_ms)
            ok = write_synthetic(&synthetic->events[next++], to);
        if (ok)
            ok = copy_real(input->spool, line, to);
    }
    while (ok && next < synthetic->count)
        ok = write_synthetic(&synthetic->events[next++], to);
    return ok && fflush(to) == 0 && !ferror(to);
}
