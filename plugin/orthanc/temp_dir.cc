/* temp_dir.cc - see temp_dir.h. */
#include "temp_dir.h"

#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <unistd.h>
#include <vector>

temp_dir::temp_dir() {
    const char *t = getenv("TMPDIR");
    std::string tmpl = std::string(t && *t ? t : "/tmp") + "/e2ec-orthanc-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data())) path_ = buf.data();
}

temp_dir::~temp_dir() {
    if (path_.empty()) return;
    if (DIR *d = opendir(path_.c_str())) {
        while (struct dirent *e = readdir(d))
            if (e->d_name[0] != '.') std::remove((path_ + "/" + e->d_name).c_str());
        closedir(d);
    }
    rmdir(path_.c_str());
}
