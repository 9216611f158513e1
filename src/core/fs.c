/* fs.c: directory creation, atomic whole-file writes and reads (see ev_fs.h). */
#include "ev_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ev_status ev_mkdir_p(const char *path, ev_error *err) {
    char tmp[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof tmp) return ev_error_set(err, EV_ERR_INPUT, "bad directory path '%s'", path);
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0') continue;
        char saved = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return ev_error_errno(err, EV_ERR_IO, errno, "cannot create directory '%s'", tmp);
        tmp[i] = saved;
    }
    if (!ev_is_dir(path)) return ev_error_set(err, EV_ERR_IO, "'%s' exists and is not a directory", path);
    return EV_OK;
}

ev_status ev_fsync_dir(const char *dir, ev_error *err) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ev_error_errno(err, EV_ERR_IO, errno, "cannot open directory '%s'", dir);
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    if (rc != 0) return ev_error_errno(err, EV_ERR_IO, e, "cannot fsync directory '%s'", dir);
    return EV_OK;
}

int ev_write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

void ev_path_dirname(const char *path, char *out, size_t cap) {
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(out, cap, ".");
    } else if (slash == path) {
        snprintf(out, cap, "/");
    } else {
        snprintf(out, cap, "%.*s", (int)(slash - path), path);
    }
}

ev_status ev_path_join(char *out, size_t cap, const char *a, const char *b) {
    size_t la = strlen(a);
    int n = (la && a[la - 1] == '/') ? snprintf(out, cap, "%s%s", a, b) : snprintf(out, cap, "%s/%s", a, b);
    return (n < 0 || (size_t)n >= cap) ? EV_ERR_INPUT : EV_OK;
}

ev_status ev_write_file_atomic(const char *path, const void *data, size_t len, ev_error *err) {
    char tmp[4200], dir[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return ev_error_errno(err, EV_ERR_IO, errno, "cannot create '%s'", tmp);
    int e = ev_write_all(fd, data, len);
    if (!e && fsync(fd) != 0) e = errno;
    if (close(fd) != 0 && !e) e = errno;
    if (!e && rename(tmp, path) != 0) e = errno;
    if (e) {
        unlink(tmp);
        return ev_error_errno(err, EV_ERR_IO, e, "cannot write '%s'", path);
    }
    ev_path_dirname(path, dir, sizeof dir);
    return ev_fsync_dir(dir, err);
}

ev_status ev_read_file(const char *path, ev_buf *out, ev_error *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ev_error_errno(err, errno == ENOENT ? EV_ERR_NOT_FOUND : EV_ERR_IO, errno,
                              "cannot open '%s'", path);
    ev_status st = EV_OK;
    for (;;) {
        if (ev_buf_reserve(out, 1 << 16) != EV_OK) {
            st = ev_error_set(err, EV_ERR_NOMEM, "out of memory reading '%s'", path);
            break;
        }
        ssize_t r = read(fd, out->data + out->len, out->cap - out->len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            st = ev_error_errno(err, EV_ERR_IO, errno, "cannot read '%s'", path);
            break;
        }
        if (r == 0) break;
        out->len += (size_t)r;
    }
    close(fd);
    return st;
}

int ev_path_exists(const char *path) {
    struct stat sb;
    return lstat(path, &sb) == 0;
}

int ev_is_dir(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : errno;
}

ev_status ev_remove_tree(const char *path, ev_error *err) {
    if (!ev_path_exists(path)) return EV_OK;
    int rc = nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS);
    if (rc != 0) return ev_error_errno(err, EV_ERR_IO, rc > 0 ? rc : errno, "cannot remove '%s'", path);
    return EV_OK;
}
