/* temp_dir.h - a private temporary folder for the Orthanc plugin's work files, removed
 * with the files in it when it goes out of scope. */
#ifndef E2EC_ORTHANC_TEMP_DIR_H
#define E2EC_ORTHANC_TEMP_DIR_H

#include <string>

class temp_dir {
  public:
    temp_dir();  /* under $TMPDIR or /tmp; path() is empty when it cannot be made */
    ~temp_dir(); /* removes the regular files in it, then the folder */
    temp_dir(const temp_dir &) = delete;
    temp_dir &operator=(const temp_dir &) = delete;
    const std::string &path() const { return path_; }

  private:
    std::string path_;
};

#endif
