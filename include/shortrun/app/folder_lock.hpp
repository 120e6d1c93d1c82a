#pragma once
/// Advisory locks (flock) that keep two processes from writing the same output: a sweep holds
/// <manifest>.lock for its lifetime, `train` holds <run file>.lock. The kernel drops a lock when its
/// process ends, however it ends, so a dead holder's lock is free. Each side takes its own lock
/// before it checks the other's (check_not_locked), so of two that start at once the second sees
/// the first.
#include <string>

namespace shortrun::cli {

class FolderLock {
 public:
  /// Takes the lock on `path` (created if missing) and writes "host H, pid P, since T" into it.
  /// Held by another process: BadInput "<path>: <busy> (<the holder's text>); <advice>", or with
  /// `wait` waits for it (a "waiting" line on stderr; a stop signal meanwhile: BadInput). On a file
  /// system without locks (ENOLCK, EOPNOTSUPP): a warning, and no lock.
  FolderLock(const std::string& path, bool wait, const std::string& busy = "another sweep holds this output folder",
             const std::string& advice = "wait for it to end, pass --wait, or use another --out");
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;
  FolderLock(FolderLock&& other) noexcept;
  FolderLock& operator=(FolderLock&&) = delete;
  /// Removes the file while still holding the lock, then releases it (a waiter that then gets the
  /// lock on the removed file sees that it is gone and opens the path again).
  ~FolderLock();

 private:
  std::string read_holder() const;
  void write_holder();

  std::string path_;
  int fd_ = -1;
  bool locked_ = false;
};

/// Refuses (BadInput, as FolderLock's) while another process holds the lock on `path`, or with
/// `wait` waits until it is free; takes the lock and drops it at once. A missing file is no holder
/// (nothing is created).
void check_not_locked(const std::string& path, bool wait, const std::string& busy, const std::string& advice);

}  // namespace shortrun::cli
