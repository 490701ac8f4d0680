#include "parallel.hpp"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <new>
#include <stdexcept>
#include <thread>

#include "escape.hpp"

namespace lockstep::rt {

static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
              "the claim counter is shared between processes: it must be lock-free");

worker_pool::worker_pool(int jobs, std::uint32_t shard_index, std::uint32_t shard_count)
    : jobs_(jobs), shard_index_(shard_index), shard_count_(shard_count) {
  void* p = mmap(nullptr, sizeof(shared_block), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                 -1, 0);
  if (p == MAP_FAILED)
    throw std::runtime_error(std::string("--jobs: cannot map shared memory: ") +
                             std::strerror(errno));
  shared_ = new (p) shared_block;
  set_worker(0);
}

worker_pool::~worker_pool() {
  for (int fd : fds_)
    if (fd >= 0) close(fd);
  for (int pid : pids_)
    if (pid > 0) {
      kill(pid, SIGKILL);  // only reached when worker 0 gave up early (an exception)
      waitpid(pid, nullptr, 0);
    }
  if (shared_) munmap(shared_, sizeof(shared_block));
}

void worker_pool::set_worker(int w) {
  worker_ = w;
  const bool owns_prefix = w == 0 && shard_index_ == 0;
  part_ =
      partition(owns_prefix, static_cast<std::uint32_t>(jobs_) * (shard_count_ ? shard_count_ : 1),
                &worker_pool::claim, this);
}

bool worker_pool::claim(void* ctx, std::uint64_t k) {
  auto* self = static_cast<worker_pool*>(ctx);
  if (self->shard_count_) {
    if (k % self->shard_count_ != self->shard_index_) return false;
    k /= self->shard_count_;  // this shard's subtrees, numbered 0, 1, 2, ...
  }
  // Every worker asks for 0, 1, 2, ... in order, so when one asks for k the counter is >= k:
  // it is k exactly when nobody has taken k yet.
  std::uint64_t expected = k;
  return self->shared_->next.compare_exchange_strong(expected, k + 1);
}

void worker_pool::found_failure(std::uint64_t key) noexcept {
  std::uint64_t cur = shared_->stop.load();
  while (key < cur && !shared_->stop.compare_exchange_weak(cur, key)) {
  }
}

int worker_pool::fork_workers() {
  forked_ = true;
  std::cout.flush();
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t parent = getpid();
  for (int w = 1; w < jobs_; ++w) {
    int fd[2];
    if (pipe(fd) != 0) break;  // fewer workers: still correct, only slower
    const pid_t pid = fork();
    if (pid < 0) {
      close(fd[0]);
      close(fd[1]);
      break;
    }
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(1);  // the parent is already gone
      close(fd[0]);
      for (int o : fds_) close(o);
      fds_.clear();
      pids_.clear();
      out_fd_ = fd[1];
      unflushed_ = 0;  // worker 0's executions are worker 0's to tell
      set_worker(w);
      start_watchdog();  // the parent's watchdog thread does not exist here
      return w;
    }
    close(fd[1]);
    pids_.push_back(pid);
    fds_.push_back(fd[0]);
  }
  return 0;
}

void worker_pool::finish_worker(const std::string& result) {
  std::size_t off = 0;
  while (off < result.size()) {
    const ssize_t k = write(out_fd_, result.data() + off, result.size() - off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) _exit(1);
    off += static_cast<std::size_t>(k);
  }
  close(out_fd_);
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(0);  // no static destructors, no atexit handlers: those are worker 0's
}

std::vector<std::string> worker_pool::collect(std::string& error, int* status) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < fds_.size(); ++i) {
    std::string text;
    char buf[1 << 14];
    for (;;) {
      const ssize_t k = read(fds_[i], buf, sizeof buf);
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) break;
      text.append(buf, static_cast<std::size_t>(k));
    }
    close(fds_[i]);
    fds_[i] = -1;
    int st = 0;
    while (waitpid(pids_[i], &st, 0) < 0 && errno == EINTR) {
    }
    pids_[i] = -1;
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0) && error.empty()) {
      error = "--jobs: worker " + std::to_string(i + 1) + " ended without its result (" +
              (WIFEXITED(st) ? "exit status " + std::to_string(WEXITSTATUS(st))
                             : "signal " + std::to_string(WTERMSIG(st))) +
              ")";
      if (status) *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    out.push_back(std::move(text));
  }
  return out;
}

int hardware_jobs() {
  const unsigned n = std::thread::hardware_concurrency();
  return n ? static_cast<int>(n) : 1;
}

}  // namespace lockstep::rt

namespace lockstep::rt {

namespace {

void put_str(std::string& out, const std::string& s) { out += std::to_string(s.size()) + ":" + s; }
bool get_str(const std::string& in, std::size_t& i, std::string& s) {
  const std::size_t colon = in.find(':', i);
  if (colon == std::string::npos) return false;
  const std::size_t len = std::stoul(in.substr(i, colon - i));
  if (colon + 1 + len > in.size()) return false;
  s = in.substr(colon + 1, len);
  i = colon + 1 + len;
  return true;
}
bool get_u64(const std::string& in, std::size_t& i, std::uint64_t& v) {
  while (i < in.size() && in[i] == ' ') ++i;
  std::size_t used = 0;
  try {
    v = std::stoull(in.substr(i, 24), &used);
  } catch (...) {
    return false;
  }
  i += used;
  return true;
}

}  // namespace

// " <n> <fields>..." numbers separated by spaces, strings as <len>:<bytes>; the estimate as
// its bit pattern (exact).
std::string worker_result::save() const {
  std::string s = std::to_string(units.size());
  for (const auto& [k, u] : units) {
    std::uint64_t bits;
    std::memcpy(&bits, &u.estimate, sizeof bits);
    s += " " + std::to_string(k) + " " + std::to_string(u.n) + " " + std::to_string(u.blocked) +
         " " + std::to_string(u.moot) + " " + std::to_string(u.redundant) + " " +
         std::to_string(u.adversarial) + " " + std::to_string(bits) + " ";
    put_str(s, u.adversarial_token);
  }
  s += " " + std::to_string(failed) + " " + std::to_string(fail_key) + " " +
       std::to_string(static_cast<int>(fail.kind)) + " " + std::to_string(fail.tid) + " " +
       std::to_string(reinterpret_cast<std::uintptr_t>(fail.where.file)) + " " +
       std::to_string(fail.where.line) + " " + std::to_string(fail.outside_model) + " ";
  put_str(s, fail.message);
  s += " " + std::to_string(choices.size());
  for (std::uint16_t c : choices) s += " " + std::to_string(c);
  s += " " + std::to_string(incomplete) + " ";
  put_str(s, locks);
  return s;
}

bool worker_result::load(const std::string& in) {
  std::size_t i = 0;
  std::uint64_t nu = 0, v[7];
  if (!get_u64(in, i, nu)) return false;
  for (std::uint64_t u = 0; u < nu; ++u) {
    for (auto& x : v)
      if (!get_u64(in, i, x)) return false;
    unit_stats st{v[1], v[2], v[3], v[4], v[5], 0, {}};
    std::memcpy(&st.estimate, &v[6], sizeof st.estimate);
    if (++i > in.size() || !get_str(in, i, st.adversarial_token)) return false;
    units[v[0]] = std::move(st);
  }
  for (int k = 0; k < 7; ++k)
    if (!get_u64(in, i, v[k])) return false;
  failed = v[0] != 0;
  fail_key = v[1];
  fail.kind = static_cast<failure_kind>(v[2]);
  fail.tid = static_cast<int>(static_cast<std::int64_t>(v[3]));
  fail.where.file = reinterpret_cast<const char*>(static_cast<std::uintptr_t>(v[4]));
  fail.where.line = static_cast<int>(v[5]);
  fail.outside_model = v[6] != 0;
  if (++i > in.size() || !get_str(in, i, fail.message)) return false;
  std::uint64_t nc = 0;
  if (!get_u64(in, i, nc)) return false;
  choices.resize(nc);
  for (auto& c : choices) {
    std::uint64_t x = 0;
    if (!get_u64(in, i, x)) return false;
    c = static_cast<std::uint16_t>(x);
  }
  std::uint64_t inc = 0;
  if (!get_u64(in, i, inc)) return false;
  incomplete = inc != 0;
  return ++i <= in.size() && get_str(in, i, locks);
}

void worker_result::merge(worker_result&& o) {
  for (const auto& [k, u] : o.units) units[k] += u;
  if (o.failed && (!failed || o.fail_key < fail_key)) {
    failed = true;
    fail_key = o.fail_key;
    fail = std::move(o.fail);
    choices = std::move(o.choices);
  }
  incomplete = incomplete || o.incomplete;
}

unit_stats worker_result::totals(std::uint64_t last_unit) const {
  unit_stats t;
  for (const auto& [k, u] : units) {
    if (k > last_unit) break;
    t += u;
  }
  return t;
}

}  // namespace lockstep::rt
