/*
 * spool.h - e2ecscp's spool: the received originals, kept on disk until their series
 * is archived, laid out so that a restart finds everything again.
 *
 *   SPOOL/.incoming/rcv-XXXXXX                               an instance being received
 *   SPOOL/<Study UID>/<Series UID>/<SOP Instance UID>.dcm    a received instance
 *   SPOOL/<Study UID>/<Series UID>/.archived                 which of them an archived
 *                                                            object holds (see below)
 *
 * An instance is received into .incoming, flushed to disk, then renamed into its
 * series folder, and the folders involved are flushed, all before the C-STORE
 * response says success: an instance the sender saw acknowledged survives a crash.
 * A name in a series folder is therefore always a complete file; what is left in
 * .incoming after a crash was never acknowledged and is removed on start
 * (spool_recover). Names starting with "." are never instances.
 *
 * The .archived mark is written (atomically) before an archived object gets its
 * final name, and names that object and the instances it holds. It lets a restart
 * tell instances already archived (finish deleting them, or leave them alone when
 * originals are kept) from new ones; a mark whose object does not exist is stale
 * (the crash came before the rename) and is dropped.
 */
#ifndef E2EC_SPOOL_H
#define E2EC_SPOOL_H

#include <ctime>
#include <set>
#include <string>
#include <vector>

/* One spooled series. */
struct SpoolSeries {
    std::string study_uid, series_uid;
    std::string dir;
    std::vector<std::string> files; /* every instance, full paths, sorted */
    /* from the .archived mark, if any: the object and the file names it holds */
    std::string archived_object;
    std::set<std::string> archived_names;
};

/* Whether s can name a folder: a DICOM UID (digits and dots, 1-64 characters, no
 * empty component), so that no received value can climb out of the spool. */
bool spool_uid_ok(const std::string &s);

/* Creates SPOOL and SPOOL/.incoming; removes what a crash left in .incoming (count
 * in *removed). Returns 0 or an errno value. */
int spool_recover(const std::string &spool, int *removed);

/* A fresh temporary file name in SPOOL/.incoming (created empty); 0 or errno. */
int spool_temp_name(const std::string &spool, std::string *tmp);

/* Flushes tmp, creates the study and series folders if needed, renames tmp to
 * <series folder>/<sop>.dcm and flushes every folder it changed; 0 or errno. */
int spool_commit(const std::string &spool, const std::string &tmp, const std::string &study,
                 const std::string &series, const std::string &sop);

/* Every series folder in the spool, with its instances and mark. */
std::vector<SpoolSeries> spool_list(const std::string &spool);

/* The instances in a series folder (full paths, sorted). */
std::vector<std::string> spool_instances(const std::string &dir);

/* Writes the .archived mark of s: object, then the base names of files. 0 or errno. */
int spool_mark_archived(const SpoolSeries &s, const std::string &object,
                        const std::vector<std::string> &files);
/* Removes the mark (flushed). */
int spool_unmark(const SpoolSeries &s);

/* Removes a series' folder, then its study folder, where empty (flushed). */
void spool_prune(const SpoolSeries &s, const std::string &spool);

/* fsync of a folder, so that a rename or unlink in it survives a crash; 0 or errno. */
int sync_dir(const std::string &dir);

/* The last component of a path. */
std::string base_name(const std::string &path);

#endif
