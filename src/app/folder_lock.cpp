#include "shortrun/app/folder_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "shortrun/app/stop_control.hpp"
#include "shortrun/core/error.hpp"
#include "shortrun/io/run_file.hpp"

namespace shortrun::cli {

FolderLock::FolderLock(const std::string& path, bool wait, const std::string& busy, const std::string& advice)
    : path_(path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw BadInput(path + ": cannot create the lock file (" + std::strerror(errno) + ")");
  bool told = false;
  for (;;) {
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) {
      // The holder removes the file when it ends: a lock taken on a removed (or replaced) file
      // is no lock on the path; open the path again.
      struct stat held {}, now {};
      if (::fstat(fd_, &held) == 0 && ::stat(path.c_str(), &now) == 0 && held.st_ino == now.st_ino &&
          held.st_dev == now.st_dev)
        break;
      ::close(fd_);
      fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
      if (fd_ < 0) throw BadInput(path + ": cannot create the lock file (" + std::strerror(errno) + ")");
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == ENOLCK || errno == EOPNOTSUPP || errno == ENOSYS) {
      std::fprintf(stderr,
                   "shortrun: warning: %s: this file system does not lock files (%s); make sure no other process "
                   "writes these files\n",
                   path.c_str(), std::strerror(errno));
      write_holder();
      return;  // unlocked: the file stays, naming the last holder
    }
    const std::string holder = read_holder();
    if (!wait) {
      ::close(fd_);
      fd_ = -1;
      throw BadInput(path + ": " + busy + " (" + holder + "); " + advice);
    }
    if (!told) std::fprintf(stderr, "[shortrun] waiting for the lock %s (%s)\n", path.c_str(), holder.c_str());
    told = true;
    if (stop_signal() != 0) {
      ::close(fd_);
      fd_ = -1;
      throw BadInput(path + ": stopped by a signal while waiting for the lock (" + holder + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  locked_ = true;
  write_holder();
}

FolderLock::FolderLock(FolderLock&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_), locked_(other.locked_) {
  other.fd_ = -1;
  other.locked_ = false;
}

FolderLock::~FolderLock() {
  if (fd_ < 0) return;
  if (locked_) ::unlink(path_.c_str());
  ::close(fd_);
}

std::string FolderLock::read_holder() const {
  char buf[256] = {};
  const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
  std::string text = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.empty() ? "holder unknown" : text;
}

void FolderLock::write_holder() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const std::string text =
      std::string("host ") + host + ", pid " + std::to_string(::getpid()) + ", since " + io::utc_now() + "\n";
  if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, text.data(), text.size(), 0) < 0) {
    // informational only: the lock is the flock, not the text
  }
}

void check_not_locked(const std::string& path, bool wait, const std::string& busy, const std::string& advice) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;
  const FolderLock probe(path, wait, busy, advice);
}

}  // namespace shortrun::cli
