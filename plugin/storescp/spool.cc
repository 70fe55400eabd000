/* The spool's layout on disk (spool.h). */
#include "spool.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

extern "C" {
#include "atomic_file.h"
}

static const char INCOMING[] = "/.incoming";
static const char MARK[] = "/.archived";

bool spool_uid_ok(const std::string &s) {
    if (s.empty() || s.size() > 64 || s.front() == '.' || s.back() == '.') return false;
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] == '.' ? s[i + 1] == '.' : (s[i] < '0' || s[i] > '9')) return false;
    }
    return true;
}

std::string base_name(const std::string &path) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

static std::string parent_of(const std::string &path) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

int sync_dir(const std::string &dir) {
    int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return errno;
    int e = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    return e == EINVAL ? 0 : e; /* some file systems cannot sync a folder */
}

static int sync_file(const std::string &path) {
    int fd = open(path.c_str(), O_RDONLY);
    if (fd < 0) return errno;
    int e = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    return e;
}

/* mkdir that accepts an existing folder; a new one is made durable in its parent. */
static int make_dir(const std::string &dir) {
    if (mkdir(dir.c_str(), 0777) == 0) return sync_dir(parent_of(dir));
    return errno == EEXIST ? 0 : errno;
}

/* Names in dir, without "." and "..". */
static std::vector<std::string> list_names(const std::string &dir) {
    std::vector<std::string> names;
    DIR *d = opendir(dir.c_str());
    if (!d) return names;
    while (struct dirent *e = readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") names.push_back(n);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

static bool is_dir(const std::string &path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

int spool_recover(const std::string &spool, int *removed) {
    *removed = 0;
    int e = make_dir(spool);
    if (!e) e = make_dir(spool + INCOMING);
    if (e) return e;
    for (const std::string &n : list_names(spool + INCOMING))
        if (unlink((spool + INCOMING + "/" + n).c_str()) == 0) ++*removed;
    return *removed ? sync_dir(spool + INCOMING) : 0;
}

int spool_temp_name(const std::string &spool, std::string *tmp) {
    std::string t = spool + INCOMING + "/rcv-XXXXXX";
    int fd = mkstemp(&t[0]);
    if (fd < 0) return errno;
    close(fd);
    *tmp = t;
    return 0;
}

int spool_commit(const std::string &spool, const std::string &tmp, const std::string &study,
                 const std::string &series, const std::string &sop) {
    std::string study_dir = spool + "/" + study, dir = study_dir + "/" + series;
    int e = sync_file(tmp);
    /* the archiving worker removes folders it has emptied: if it removes ours between
     * mkdir and rename, the rename finds no folder, and is tried again */
    for (int attempt = 0; attempt < 3; attempt++) {
        if (!e) e = make_dir(study_dir);
        if (!e) e = make_dir(dir);
        if (!e && rename(tmp.c_str(), (dir + "/" + sop + ".dcm").c_str()) != 0) e = errno;
        if (e != ENOENT) break;
        e = 0;
    }
    if (!e) e = sync_dir(dir);
    if (!e) e = sync_dir(spool + INCOMING);
    return e;
}

/* Reads the .archived mark of s, if there is one. */
static void read_mark(SpoolSeries &s) {
    std::ifstream in(s.dir + MARK);
    std::string line;
    if (!in || !std::getline(in, s.archived_object)) return;
    while (std::getline(in, line))
        if (!line.empty()) s.archived_names.insert(line);
}

std::vector<std::string> spool_instances(const std::string &dir) {
    std::vector<std::string> files;
    for (const std::string &n : list_names(dir))
        if (n[0] != '.') files.push_back(dir + "/" + n);
    return files;
}

std::vector<SpoolSeries> spool_list(const std::string &spool) {
    std::vector<SpoolSeries> out;
    for (const std::string &study : list_names(spool)) {
        if (study[0] == '.' || !is_dir(spool + "/" + study)) continue;
        for (const std::string &series : list_names(spool + "/" + study)) {
            SpoolSeries s;
            s.study_uid = study;
            s.series_uid = series;
            s.dir = spool + "/" + study + "/" + series;
            if (series[0] == '.' || !is_dir(s.dir)) continue;
            s.files = spool_instances(s.dir);
            read_mark(s);
            out.push_back(std::move(s));
        }
    }
    return out;
}

int spool_mark_archived(const SpoolSeries &s, const std::string &object,
                        const std::vector<std::string> &files) {
    std::string text = object + "\n";
    for (const std::string &f : files) text += base_name(f) + "\n";
    return atomic_write_file((s.dir + MARK).c_str(), text.data(), text.size());
}

int spool_unmark(const SpoolSeries &s) {
    if (unlink((s.dir + MARK).c_str()) != 0 && errno != ENOENT) return errno;
    return sync_dir(s.dir);
}

void spool_prune(const SpoolSeries &s, const std::string &spool) {
    std::string study_dir = spool + "/" + s.study_uid;
    if (rmdir(s.dir.c_str()) == 0) sync_dir(study_dir);
    if (rmdir(study_dir.c_str()) == 0) sync_dir(spool);
}
